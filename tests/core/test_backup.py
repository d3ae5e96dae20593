"""`pingan backup` / `pingan restore` round trip on the suite's database (SQLite or PostgreSQL)."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from pingan.core import audit_guard
from pingan.core.audit import AuditEvent, record, verify_chain
from pingan.core.backup import _rows, backed_up_models, read_manifest
from pingan.core.crypto import EncryptedTextField
from pingan.core.models import AuditEntry, Setting
from pingan.orgs.models import Agency, Jurisdiction, Role, User

NUMBERS = {"mediator": "520204199001011238", "clerk": "11010519491231002X"}


def _build() -> dict[str, User]:
    district = Jurisdiction.objects.create(code="529901000000", name="测试区", level=1)
    town = Jurisdiction.objects.create(code="529901001000", name="测试镇", level=2, parent=district)
    office = Agency.objects.create(code="test-sfs", name="测试司法所", kind="justice_office", jurisdiction=town)
    Agency.objects.create(code="test-court", name="测试法院", kind="court", jurisdiction=district)
    role = Role.objects.create(code="test-mediator", name="调解员")
    users = {}
    for name, number in NUMBERS.items():
        user = User.objects.create(username=name, full_name=f"{name}全名", agency=office, id_number=number)
        user.roles.add(role)
        users[name] = user
    Setting.objects.create(key="test.period", value={"days": 30, "ratio": 0.5}, source="测试")
    for i in range(3):
        record(actor=users["clerk"], event_type=AuditEvent.USER_CHANGED, action="edit", obj=users["mediator"],
               before={"i": i, "f": 1.0}, after={"i": i + 1, "when": "2024-01-01T00:00:00.123456Z"})
    return users


def _snapshot() -> dict[str, list]:
    """Every row of every model, with encrypted values (fresh ciphertext each dump) left out."""
    out = {}
    for model in backed_up_models():
        secret = {f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)}
        rows = []
        for row in _rows(model):
            row["fields"] = {k: v for k, v in row["fields"].items() if k not in secret}
            rows.append(row)
        out[model._meta.label_lower] = rows
    return out


def _backup(path) -> str:
    out = io.StringIO()
    call_command("backup", "--output", str(path), stdout=out)
    return out.getvalue()


def _restore(path, *extra) -> None:
    call_command("restore", str(path), "--yes", *extra, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_round_trip_restores_everything(tmp_path):
    users = _build()
    before = _snapshot()
    path = tmp_path / "b.jsonl.gz"
    assert "objects" in _backup(path)

    manifest = read_manifest(path)
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["counts"]["orgs.user"] == 2 and manifest["counts"]["core.auditentry"] == 3
    assert "core.0003_audit_trigger" in manifest["migrations"]
    assert manifest["audit"]["last_seq"] == 3
    with gzip.open(path, "rt", encoding="utf-8") as f:
        raw = f.read()
    assert all(n not in raw for n in NUMBERS.values())  # ciphertext only

    # Life goes on: edits, deletions, new rows, more audit entries.
    User.objects.filter(username="clerk").update(full_name="改过的名字", id_number="520221198512120011")
    Agency.objects.filter(code="test-court").delete()
    users["mediator"].roles.clear()
    Setting.objects.all().delete()
    newcomer = User.objects.create(username="newcomer")
    record(actor=newcomer, event_type=AuditEvent.USER_CREATED, action="create", obj=newcomer)

    _restore(path)

    after = _snapshot()
    restored_entry = after["core.auditentry"].pop()
    assert restored_entry["fields"]["event_type"] == AuditEvent.BACKUP_RESTORED
    assert restored_entry["fields"]["after"]["sha256"] == manifest["sha256"]
    assert after == before
    assert {u.username: u.id_number for u in User.objects.all()} == NUMBERS
    assert User.objects.get(username="mediator").roles.filter(code="test-mediator").exists()
    report = verify_chain()
    assert report.ok and report.count == 4
    assert audit_guard.is_installed(connection)

    # Sequences were reset: new rows get fresh keys, and the log keeps appending.
    fresh = User.objects.create(username="after-restore")
    assert fresh.pk > max(u.pk for u in users.values())
    Agency.objects.create(code="another", name="另一单位", kind="court",
                          jurisdiction=Jurisdiction.objects.get(code="529901000000"))
    record(actor=fresh, event_type=AuditEvent.USER_CREATED, action="create", obj=fresh)
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_backup_goes_to_the_backup_dir_by_default(tmp_path, settings):
    settings.PINGAN_BACKUP_DIR = tmp_path / "backups"
    _build()
    _backup_out = io.StringIO()
    call_command("backup", stdout=_backup_out)
    files = list((tmp_path / "backups").glob("pingan-*.jsonl.gz"))
    assert len(files) == 1 and str(files[0]) in _backup_out.getvalue()
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"


def _rewrite(path, target, *, manifest_change=None, body_change=None):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.readlines()
    manifest = json.loads(lines[0])
    if manifest_change:
        manifest_change(manifest)
    body = lines[1:]
    if body_change:
        body = body_change(body)
    with gzip.open(target, "wt", encoding="utf-8") as f:
        f.write(json.dumps(manifest, ensure_ascii=False) + "\n")
        f.writelines(body)


@pytest.mark.django_db(transaction=True)
def test_refusals_leave_the_data_untouched(tmp_path):
    _build()
    good = tmp_path / "good.jsonl.gz"
    _backup(good)
    User.objects.create(username="keeps-me")

    other_schema = tmp_path / "schema.jsonl.gz"
    _rewrite(good, other_schema, manifest_change=lambda m: m["migrations"].append("core.9999_future"))
    with pytest.raises(CommandError, match="迁移") as exc:
        _restore(other_schema)
    assert "core.9999_future" in str(exc.value) and "pingan migrate" in str(exc.value)

    damaged = tmp_path / "damaged.jsonl.gz"
    _rewrite(good, damaged, body_change=lambda b: [line.replace("测试镇", "篡改镇") for line in b])
    with pytest.raises(CommandError, match="校验和"):
        _restore(damaged)

    not_backup = tmp_path / "x.gz"
    with gzip.open(not_backup, "wt") as f:
        f.write("[]\n")
    with pytest.raises(CommandError, match="备份文件"):
        _restore(not_backup)

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(good), stdout=io.StringIO())  # no terminal under pytest

    assert User.objects.filter(username="keeps-me").exists()


@pytest.mark.django_db(transaction=True)
def test_backup_with_a_broken_audit_chain_is_rolled_back(tmp_path):
    _build()
    with audit_guard.suspended(connection), connection.cursor() as cur:
        cur.execute("UPDATE core_auditentry SET reason = 'tampered' WHERE seq = 2")
    path = tmp_path / "b.jsonl.gz"
    _backup(path)
    with audit_guard.suspended(connection), connection.cursor() as cur:
        cur.execute("UPDATE core_auditentry SET reason = '' WHERE seq = 2")  # the live log is mended
    User.objects.create(username="keeps-me")
    with pytest.raises(CommandError, match="审计日志"):
        _restore(path)
    assert User.objects.filter(username="keeps-me").exists()
    assert AuditEntry.objects.count() == 3 and verify_chain().ok
    assert audit_guard.is_installed(connection)
