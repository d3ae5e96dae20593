"""Excel ledger (台账) import: template, parse, dry run with row-level errors, import.

A row is identified by its ledger number (台账编号 → Dispute.external_ref with source "excel"), so
importing the same file again updates changed rows and skips unchanged ones instead of creating
duplicates. The dry run writes nothing; the import re-reads the stored file and validates again
(never trusting the preview), then writes either the whole file in one transaction
("all": any error → nothing written) or only the valid rows, committed in batches ("valid").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core import spreadsheets as ss
from pingan.core.spreadsheets import Column, FileRejected, Ledger, RowError
from pingan.core.spreadsheets import (
    errors_workbook as errors_workbook,  # the report the import page offers
)
from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import has_object_permission, restrict

from . import bulk, intake, services
from .models import Category, Dispute, ImportJob, Source

SHEET = "台账"
PARTY_SLOTS = 3
ROLE_NAMES = {"申请人": "applicant", "被申请人": "respondent", "第三人": "third_party"}
KIND_NAMES = {"自然人": "person", "个人": "person", "单位": "organisation", "法人": "organisation", "组织": "organisation"}
BATCH = 200

COLUMNS: list[Column] = [
    Column("external_ref", "台账编号", True, width=14, note="本台账内唯一；再次导入同一编号时更新原记录，不会重复登记。"),
    Column("title", "纠纷简题", True, ss.text, width=24, note="不超过 200 字。"),
    Column("category", "纠纷类别", True, ss.text, width=16, note="从下拉列表选择。", list_name="类别"),
    Column("jurisdiction", "发生地区划代码", True, ss.text, width=16, note="12 位统计用区划代码，见“区划代码”表。"),
    Column("received_at", "受理日期", True, ss.date, width=12, note="格式 2023-03-23；不能晚于今天。"),
    Column("amount", "争议金额（元）", False, ss.decimal, width=14, note="数字，不能为负；没有可留空。"),
    Column("facts", "纠纷事实", True, ss.text, width=40, note="主要事实和争议焦点。"),
]
for _i in range(1, PARTY_SLOTS + 1):
    COLUMNS += [
        Column(f"p{_i}_role", f"当事人{_i}身份", False, ss.choice(ROLE_NAMES), ("申请人", "被申请人", "第三人"), 10,
               "申请人 / 被申请人 / 第三人；留空时当事人1为申请人，其余为被申请人。"),
        Column(f"p{_i}_kind", f"当事人{_i}类型", False, ss.choice(KIND_NAMES), ("自然人", "单位"), 8,
               "自然人 / 单位；留空为自然人。"),
        Column(f"p{_i}_name", f"当事人{_i}姓名或名称", _i == 1, ss.text, width=16, note="至少填写当事人1。"),
        Column(f"p{_i}_id", f"当事人{_i}证件号码", False, ss.text, width=22, note="自然人填 18 位身份证号，单位填统一社会信用代码。"),
        Column(f"p{_i}_phone", f"当事人{_i}电话", False, ss.text, width=14),
        Column(f"p{_i}_address", f"当事人{_i}住址", False, ss.text, width=24),
    ]
LEDGER = Ledger(title=SHEET, columns=COLUMNS)
PARTY_FIELD_COLUMN = {"role": "role", "kind": "kind", "name": "name", "id_number": "id", "credit_code": "id",
                      "phone": "phone", "address": "address", "birth_date": "id", "age": "id"}
DISPUTE_FIELD_COLUMN = {"title": "title", "facts": "facts", "category": "category", "amount": "amount",
                        "jurisdiction": "jurisdiction", "received_at": "received_at", "external_ref": "external_ref"}


def _ledger() -> Ledger:
    """The ledger with today's limits (settings may change between runs and in tests)."""
    return dataclasses.replace(LEDGER, max_rows=settings.PINGAN_DISPUTE_IMPORT_MAX_ROWS,
                               max_bytes=settings.PINGAN_DISPUTE_IMPORT_MAX_BYTES)


@dataclass
class Row:
    number: int  # the spreadsheet row number, as the user sees it
    values: dict[str, Any]
    action: str = ""  # create / update / skip / error
    data: dict[str, Any] = field(default_factory=dict)
    parties: list[dict[str, Any]] = field(default_factory=list)
    existing: Dispute | None = None
    item: bulk.BulkDispute | None = None  # the checked dispute and parties, ready to create
    errors: list[RowError] = field(default_factory=list)  # the reader's cell errors, then ours

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, LEDGER.header(key), message))


# --- template ---------------------------------------------------------------------------------


def template_workbook(*, user) -> bytes:
    names = list(Category.objects.filter(active=True).values_list("name", flat=True))
    wb = ss.template(_ledger(), choices={"category": names}, instructions=[
        _("第一行为表头，请勿修改；从第二行起每行一件纠纷。上传后先预检，确认无误再导入。")])
    places = wb.create_sheet("区划代码")
    places.append([_("区划代码"), _("名称"), _("层级")])
    visible = restrict(Jurisdiction.objects.filter(is_active=True), user, "view").order_by("path")[:5000]
    for j in visible:
        places.append([j.code, j.name, j.get_level_display()])
    places.column_dimensions["A"].width = 18
    places.column_dimensions["B"].width = 24
    return ss.workbook_bytes(wb)


# --- parsing ----------------------------------------------------------------------------------


def read_rows(content: bytes) -> list[Row]:
    """Every non-blank row with its cell errors; FileRejected when the file cannot be read."""
    return [Row(number, values, errors=errors) for number, values, errors in ss.read(content, _ledger())]


class _Lookups:
    def __init__(self, user):
        self.user = user
        self.categories: dict[str, Category] = {}
        for c in Category.objects.filter(active=True):
            self.categories[c.name] = c
            self.categories[c.code] = c
        self.places: dict[str, Jurisdiction | None] = {}
        self.may_add: dict[int, bool] = {}

    def place(self, code: str) -> Jurisdiction | None:
        if code not in self.places:
            self.places[code] = Jurisdiction.objects.filter(code=code).first()
        return self.places[code]

    def can_add(self, place: Jurisdiction, category: Category) -> bool:
        if place.pk not in self.may_add:
            self.may_add[place.pk] = services.can_add_in(user=self.user, jurisdiction=place, category=category)
        return self.may_add[place.pk]


def _convert(row: Row, lk: _Lookups) -> None:
    """Blank required cells and unparsable values are already on the row (the reader's errors)."""
    v = row.values
    ref = ss.text(v["external_ref"])
    if len(ref) > 100:
        row.error("external_ref", _("过长（最多 100 个字符）。"))
    data: dict[str, Any] = {"external_ref": ref, "title": v["title"] or "", "facts": v["facts"] or ""}
    cat_text = v["category"]
    cat = lk.categories.get(cat_text) if cat_text else None
    if cat_text and cat is None:
        row.error("category", _("未知的纠纷类别“%(v)s”，请从下拉列表选择。") % {"v": cat_text})
    data["category"] = cat
    code = v["jurisdiction"]
    place = lk.place(code) if code else None
    if code and place is None:
        row.error("jurisdiction", _("未知的区划代码“%(v)s”。") % {"v": code})
    data["jurisdiction"] = place
    day = v["received_at"]
    if day is not None:
        if day > timezone.localdate():
            row.error("received_at", _("受理日期不能晚于今天。"))
        data["received_at"] = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))
    if v["amount"] is not None:
        data["amount"] = v["amount"].quantize(Decimal("0.01"))
    row.data = data

    for i in range(1, PARTY_SLOTS + 1):
        name = v[f"p{i}_name"]
        if not name:
            others = [v[f"p{i}_{k}"] for k in ("role", "kind", "id", "phone", "address")]
            if i > 1 and any(o is not None for o in others):
                row.error(f"p{i}_name", _("填写了当事人%(i)s的其他信息，但缺少姓名或名称。") % {"i": i})
            continue
        party: dict[str, Any] = {"role": v[f"p{i}_role"] or ("applicant" if i == 1 else "respondent"),
                                 "kind": v[f"p{i}_kind"] or "person", "name": name,
                                 "phone": v[f"p{i}_phone"] or "", "address": v[f"p{i}_address"] or ""}
        if v[f"p{i}_id"]:
            party["credit_code" if party["kind"] == "organisation" else "id_number"] = v[f"p{i}_id"]
        row.parties.append(party)


def _model_errors(row: Row, exc: ValidationError) -> None:
    known = {e.column for e in row.errors}
    for key, messages in exc.message_dict.items():
        if key.startswith("parties."):
            _, idx, fname = key.split(".", 2)
            col = f"p{int(idx) + 1}_{PARTY_FIELD_COLUMN.get(fname, 'name')}"
        else:
            col = DISPUTE_FIELD_COLUMN.get(key, "title")
        if LEDGER.header(col) in known:
            continue  # already reported more precisely while converting
        for m in messages:
            row.error(col, m)


def check(rows: list[Row], *, user) -> None:
    """Decide each row's action (create / update / skip / error) without writing anything."""
    lk = _Lookups(user)
    refs = [ss.text(r.values["external_ref"]) for r in rows]
    existing = {
        d.external_ref: d
        for d in Dispute.objects.filter(source=Source.EXCEL, external_ref__in=[r for r in refs if r])
        .select_related("category", "jurisdiction")
    }
    first_row: dict[str, int] = {}
    for row in rows:
        _convert(row, lk)
        ref = row.data.get("external_ref")
        if ref:
            if ref in first_row:
                row.error("external_ref", _("台账编号与第 %(n)s 行重复。") % {"n": first_row[ref]})
            else:
                first_row[ref] = row.number
        if not row.errors:
            # create_dispute's checks without a query per row: the category and place are
            # objects looked up above, the party constraints are checked in Python.
            row.item = bulk.BulkDispute(data=row.data, parties=row.parties)
            found = bulk.check(row.item, source=Source.EXCEL, by=user)
            if found:
                _model_errors(row, ValidationError(found))
        if row.errors:
            row.action = "error"
            continue
        row.existing = existing.get(ref or "")
        if row.existing is not None:
            if not has_object_permission(user, row.existing, "change"):
                row.error("external_ref", _("该台账编号对应的纠纷已存在，但您无权修改。"))
                row.action = "error"
            elif services.would_change(dispute=row.existing, data=_update_data(row), parties=row.parties):
                row.action = "update"
            else:
                row.action = "skip"
        elif not lk.can_add(row.data["jurisdiction"], row.data["category"]):
            row.error("jurisdiction", _("无权登记发生在“%(place)s”的纠纷。") % {"place": row.data["jurisdiction"].name})
            row.action = "error"
        else:
            row.action = "create"


def _update_data(row: Row) -> dict[str, Any]:
    data = {k: v for k, v in row.data.items() if k != "external_ref"}
    data.setdefault("amount", Decimal("0"))
    return data


def errors_of(rows: list[Row]) -> list[RowError]:
    return [e for r in rows for e in r.errors]


# --- jobs -------------------------------------------------------------------------------------


def _summary(rows: list[Row]) -> dict[str, int]:
    return {a: sum(1 for r in rows if r.action == a) for a in ("create", "update", "skip", "error")}


def preview(*, upload, by, mode: str = ImportJob.Mode.ALL_OR_NOTHING) -> ImportJob:
    """Store the upload, dry-run it and return the job holding the preview and the errors."""
    content = ss.upload_bytes(upload, settings.PINGAN_DISPUTE_IMPORT_MAX_BYTES)
    rows = read_rows(content)  # FileRejected is a ValidationError keyed "file", shown on the form
    check(rows, user=by)
    counts = _summary(rows)
    job = ImportJob(
        original_name=(getattr(upload, "name", "") or "ledger.xlsx")[:200],
        mode=mode,
        created_by=by,
        rows_total=len(rows),
        rows_error=counts["error"],
        errors=[e.as_dict() for e in errors_of(rows)],
        preview=[{"row": r.number, "action": r.action, "ref": r.data.get("external_ref", ""),
                  "title": r.data.get("title", "")} for r in rows[:200]],
        message=_("预检：新增 %(create)s 行，更新 %(update)s 行，无变化跳过 %(skip)s 行，错误 %(error)s 行。") % counts,
    )
    from django.core.files.base import ContentFile

    with transaction.atomic():
        job.file.save("ledger.xlsx", ContentFile(content), save=False)
        job.save()
    return job


def _write_row(row: Row, *, by) -> str:
    if row.action == "create":
        services.create_dispute(data=row.data, parties=row.parties, by=by, source=Source.EXCEL)
    elif row.action == "update":
        assert row.existing is not None
        services.update_dispute(dispute=row.existing, data=_update_data(row), parties=row.parties, by=by,
                                reason=_("台账重新导入"))
    return row.action


def _write_batch(rows: list[Row], *, by) -> dict[str, int]:
    """Write a batch: the new disputes together (intake.create_disputes), updates one by one.
    If the batch is refused (a row changed since the check, a permission row changed), nothing
    of it is kept and the caller writes it again row by row to report the row at fault."""
    counts = {"create": 0, "update": 0, "skip": 0}
    creates = [r for r in rows if r.action == "create" and r.item is not None]
    with transaction.atomic():
        if creates:
            intake.create_disputes(items=[r.item for r in creates if r.item is not None], by=by, source=Source.EXCEL)
            counts["create"] = len(creates)
        for row in rows:
            if row.action in ("update", "skip") or (row.action == "create" and row.item is None):
                counts[_write_row(row, by=by)] += 1
    return counts


def _progress(job: ImportJob, **fields: Any) -> None:
    for k, v in fields.items():
        setattr(job, k, v)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def run(job: ImportJob) -> ImportJob:
    """Import a previewed job. Re-reads and re-checks the stored file (data may have changed since
    the preview), then writes. Called inline for small files and by tasks.run_import for large."""
    by = job.created_by
    _progress(job, status=ImportJob.Status.RUNNING, rows_done=0, message=_("正在校验……"))
    with job.file.open("rb") as fh:
        content = fh.read()
    try:
        rows = read_rows(content)
        check(rows, user=by)
    except FileRejected as exc:
        _progress(job, status=ImportJob.Status.FAILED, message=exc.text, finished_at=timezone.now())
        return job
    errors = [e.as_dict() for e in errors_of(rows)]
    total = len(rows)
    if job.mode == ImportJob.Mode.ALL_OR_NOTHING and errors:
        _progress(job, status=ImportJob.Status.FAILED, errors=errors, rows_total=total, rows_error=len({e["row"] for e in errors}),
                  message=_("有 %(n)s 行错误，按“全部成功才导入”未写入任何数据。") % {"n": len({e["row"] for e in errors})},
                  finished_at=timezone.now())
        return job
    counts = {"create": 0, "update": 0, "skip": 0}
    failed_rows = {e["row"] for e in errors}
    _progress(job, rows_total=total, message=_("正在写入……"))
    try:
        if job.mode == ImportJob.Mode.ALL_OR_NOTHING:
            # One transaction for the file: progress becomes visible only at the end.
            with transaction.atomic():
                for start in range(0, total, BATCH):
                    batch = rows[start:start + BATCH]
                    try:
                        _add(counts, _write_batch(batch, by=by))
                        continue
                    except (ValidationError, PermissionDenied, IntegrityError):
                        pass  # find the row at fault: the same batch, row by row
                    for row in batch:
                        try:
                            counts[_write_row(row, by=by)] += 1
                        except (ValidationError, PermissionDenied) as exc:
                            errors.append(RowError(row.number, "", _flatten(exc)).as_dict())
                            raise
            done = total
        else:
            done = 0
            for start in range(0, total, BATCH):
                batch = [r for r in rows[start:start + BATCH] if r.action != "error"]
                try:
                    _add(counts, _write_batch(batch, by=by))
                    batch = []
                except (ValidationError, PermissionDenied, IntegrityError):
                    pass  # write this batch row by row: each refused row gets its own error
                with transaction.atomic():
                    for row in batch:
                        try:
                            with transaction.atomic():
                                counts[_write_row(row, by=by)] += 1
                        except (ValidationError, PermissionDenied) as exc:
                            errors.append(RowError(row.number, "", _flatten(exc)).as_dict())
                            failed_rows.add(row.number)
                done = min(total, start + BATCH)
                _progress(job, rows_done=done, rows_created=counts["create"], rows_updated=counts["update"],
                          rows_skipped=counts["skip"], rows_error=len(failed_rows))
    except (ValidationError, PermissionDenied):
        _progress(job, status=ImportJob.Status.FAILED, errors=errors, rows_done=0, rows_created=0, rows_updated=0,
                  rows_skipped=0, message=_("导入中途出错，已全部撤销，未写入任何数据。"), finished_at=timezone.now())
        return job
    _progress(
        job, status=ImportJob.Status.DONE, rows_done=done, rows_created=counts["create"], rows_updated=counts["update"],
        rows_skipped=counts["skip"], rows_error=len(failed_rows), errors=errors, finished_at=timezone.now(),
        message=_("导入完成：新增 %(create)s 行，更新 %(update)s 行，无变化跳过 %(skip)s 行。") % counts
        + (_("有 %(n)s 行错误未导入。") % {"n": len(failed_rows)} if failed_rows else ""),
    )
    return job


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for k, n in more.items():
        counts[k] += n


def _flatten(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


def start(*, job: ImportJob, mode: str) -> ImportJob:
    """Confirm a previewed job: small files import now, large ones go to the worker. A
    compare-and-set on the status makes a double click (or two tabs) start it only once."""
    if mode not in ImportJob.Mode.values:
        raise ValidationError({"mode": _("导入方式无效。")})
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEWED).update(
        status=ImportJob.Status.QUEUED, mode=mode, message=_("已排队，等待后台处理……")
    )
    if claimed != 1:
        raise ValidationError({"__all__": _("该导入已执行过。")})
    job.refresh_from_db()
    if job.rows_total <= settings.PINGAN_DISPUTE_IMPORT_INLINE_ROWS:
        return run(job)
    from .tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job_id=job.pk))
    return job
