"""`pingan backup` / `pingan restore`: the whole database in one gzip'd file, and back.

File layout (gzip'd JSON Lines, UTF-8):
    line 1        the manifest: format, pingan and Django versions, creation time, database vendor,
                  applied migrations, row counts per model, the audit chain's head, and the
                  sha256 of everything after line 1
    lines 2…      one object per line in Django's serialisation format ({"model", "pk",
                  "fields"}; dumpdata semantics: every model of every app, base managers, primary
                  keys kept, models in dependency order, rows in primary-key order)

Encrypted fields are written as ciphertext (core/crypto.py), so a backup is only readable with the
field keys of its day: store PINGAN_FIELD_KEYS (and PINGAN_HASH_PEPPER) with the backups, apart
from them. Datetimes keep their microseconds (Django's JSON encoder would cut them to
milliseconds and break the audit chain's hashes).

Restore refuses a file whose migrations differ from the database's, checks the sha256 and counts,
then, in one transaction: empties every table (the audit log's guard lifted for that transaction
only, core/audit_guard.py), loads the objects, puts the guard back, resets PostgreSQL sequences,
checks the row counts and the audit chain, and appends a BACKUP_RESTORED entry. Anything wrong
rolls the whole restore back. Stop the web server and the worker while restoring.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit_guard
from .audit import AuditEvent, record, verify_chain
from .errors import ApplicationError

FORMAT = "pingan-backup"
FORMAT_VERSION = 1
BATCH = 1000


class BackupError(ApplicationError):
    pass


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()  # full microseconds, unlike DjangoJSONEncoder
        return super().default(o)


def _dumps(data: Any) -> str:
    return json.dumps(data, cls=_Encoder, ensure_ascii=False, separators=(",", ":"))


def pingan_version() -> str:
    from pingan import __version__

    return __version__


def applied_migrations() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def backed_up_models() -> list[type[models.Model]]:
    """Every concrete model with a table here, parents before the models that point at them."""
    app_list = []
    for app_config in apps.get_app_configs():
        chosen = [
            m
            for m in app_config.get_models()
            if not m._meta.proxy and m._meta.managed and m._meta.can_migrate(connection)
        ]
        if chosen:
            app_list.append((app_config, chosen))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _rows(model: type[models.Model]) -> Iterator[dict[str, Any]]:
    serializer = serializers.get_serializer("python")()
    qs = model._base_manager.order_by("pk")
    m2m = [
        f.name
        for f in model._meta.many_to_many
        if (through := f.remote_field.through) is not None and through._meta.auto_created
    ]
    if m2m:
        qs = qs.prefetch_related(*m2m)
    it = qs.iterator(chunk_size=BATCH)
    while chunk := list(islice(it, BATCH)):
        yield from serializer.serialize(chunk)


def default_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.PINGAN_BACKUP_DIR) / f"pingan-{stamp}.jsonl.gz"


def create_backup(path: Path | str | None = None) -> tuple[Path, dict[str, Any]]:
    """Write the backup file; return its path and manifest."""
    path = Path(path) if path else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".pingan-backup-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp, transaction.atomic():
            if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
                # One snapshot for every table, so the file is consistent while the site runs.
                with connection.cursor() as cur:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            for model in backed_up_models():
                n = 0
                for row in _rows(model):
                    line = (_dumps(row) + "\n").encode()
                    digest.update(line)
                    tmp.write(line)
                    n += 1
                counts[_label(model)] = n
            chain = verify_chain()
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "pingan_version": pingan_version(),
                "django_version": django.get_version(),
                "created_at": timezone.now().isoformat(),
                "database_vendor": connection.vendor,
                "migrations": applied_migrations(),
                "counts": counts,
                "objects": sum(counts.values()),
                "audit": {"count": chain.count, "last_seq": chain.last_seq, "last_hash": chain.last_hash},
                "sha256": digest.hexdigest(),
            }
        partial = path.with_name(path.name + ".partial")
        with open(tmp_name, "rb") as src, gzip.open(partial, "wb") as out:
            out.write((_dumps(manifest) + "\n").encode())
            while block := src.read(1 << 20):
                out.write(block)
        os.chmod(partial, 0o600)  # personal data inside
        partial.replace(path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return path, manifest


# --- restore --------------------------------------------------------------------------------


def read_manifest(path: Path | str) -> dict[str, Any]:
    try:
        with gzip.open(path, "rb") as f:
            manifest = json.loads(f.readline())
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(_("不是可读的 pingan 备份文件：%(err)s") % {"err": exc}, code="backup_unreadable") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("不是 pingan 备份文件（缺少清单）。"), code="backup_unreadable")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("备份格式版本 %(v)s 不受支持（本程序支持 %(ours)s）。")
            % {"v": manifest.get("format_version"), "ours": FORMAT_VERSION},
            code="backup_format",
        )
    return manifest


def check_migrations(manifest: dict[str, Any]) -> None:
    theirs, ours = set(manifest["migrations"]), set(applied_migrations())
    if theirs == ours:
        return
    only_backup, only_db = sorted(theirs - ours), sorted(ours - theirs)
    raise BackupError(
        _(
            "备份的数据库结构（迁移）与当前数据库不同，拒绝恢复。\n"
            "备份有、当前数据库没有：%(b)s\n当前数据库有、备份没有：%(d)s\n"
            "请先使当前数据库的迁移与备份一致：用备份时的 pingan 版本（%(v)s）执行 `pingan migrate`，"
            "多出的迁移用 `pingan migrate <应用> <迁移名>` 回退；恢复成功后再升级并迁移。"
        )
        % {"b": ", ".join(only_backup) or "—", "d": ", ".join(only_db) or "—", "v": manifest.get("pingan_version")},
        code="backup_migrations",
    )


def _object_lines(path: Path | str) -> Iterator[bytes]:
    with gzip.open(path, "rb") as f:
        f.readline()
        yield from f


def check_file(path: Path | str, manifest: dict[str, Any]) -> None:
    digest, n = hashlib.sha256(), 0
    try:
        for line in _object_lines(path):
            digest.update(line)
            n += 1
    except (OSError, EOFError) as exc:
        raise BackupError(_("备份文件已损坏：%(err)s") % {"err": exc}, code="backup_damaged") from None
    if digest.hexdigest() != manifest["sha256"] or n != manifest["objects"]:
        raise BackupError(_("备份文件已损坏或被改动（校验和不符）。"), code="backup_damaged")


def _flush_all() -> None:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cur:
        for sql in connection.ops.sql_flush(no_style(), tables, reset_sequences=True):
            cur.execute(sql)


def _load(path: Path | str) -> None:
    objects = (json.loads(line) for line in _object_lines(path))
    deferred = []
    for obj in serializers.deserialize("python", objects, handle_forward_references=True):
        obj.save(force_insert=True)
        if obj.deferred_fields:
            deferred.append(obj)
    for obj in deferred:
        obj.save_deferred_fields()


def _reset_sequences() -> None:
    every = apps.get_models(include_auto_created=True)
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), every):
            cur.execute(sql)


def restore_backup(path: Path | str) -> dict[str, Any]:
    """Replace every table's rows with the backup's; all or nothing. Returns the manifest."""
    from django.contrib.contenttypes.models import ContentType

    manifest = read_manifest(path)
    check_migrations(manifest)
    check_file(path, manifest)
    with transaction.atomic():
        with audit_guard.suspended(connection):
            _flush_all()
            _load(path)
        _reset_sequences()
        wrong = {
            label: (expected, apps.get_model(label)._base_manager.count())
            for label, expected in manifest["counts"].items()
            if apps.get_model(label)._base_manager.count() != expected
        }
        if wrong:
            detail = ", ".join(f"{k}: {e}→{g}" for k, (e, g) in sorted(wrong.items()))
            raise BackupError(_("恢复后的行数与备份清单不符：%(d)s") % {"d": detail}, code="backup_counts")
        chain = verify_chain()
        if not chain.ok:
            raise BackupError(
                _("备份中的审计日志链校验失败（%(n)s 处问题），已放弃恢复。") % {"n": len(chain.problems)},
                code="backup_audit_chain",
            )
        record(
            actor=None,
            event_type=AuditEvent.BACKUP_RESTORED,
            action="restore_backup",
            after={
                "file": Path(path).name,
                "sha256": manifest["sha256"],
                "objects": manifest["objects"],
                "backup_created_at": manifest["created_at"],
                "backup_database_vendor": manifest["database_vendor"],
            },
        )
    ContentType.objects.clear_cache()
    return manifest
