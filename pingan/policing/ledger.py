"""Excel ledgers (台账) of the police: households (with the officer responsible), visits, hazards
and pushes. Template download, import with row-level Chinese errors, export.

Import is all-or-nothing: every row is validated and written inside one transaction; any row
error rolls the whole file back, and a dry run always rolls back (so the dry run makes exactly the
checks the import makes). Rows are identified by their ledger number (→ `external_ref`), so
importing the same file again skips the rows already there instead of duplicating them.

Households and visits come in tens of thousands per district, so they are validated row by row in
memory and written with bulk inserts, with one audit entry per import naming the ledger numbers;
permission is then checked on the stored rows inside the transaction (a row outside the
importer's scope rolls the file back). Hazards and pushes are written row by row through the
services, so each gets its audit entry and its seven-step transitions."""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from pingan.core.audit import AuditEvent, record
from pingan.core.errors import ApplicationError
from pingan.orgs.models import Jurisdiction, User
from pingan.orgs.permissions import restrict

from . import services
from .models import Assignment, Hazard, Household, Push, Visit

SHEET = "台账"
MAX_ROWS = 50_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    note: str = ""


KINDS: dict[str, tuple[str, list[Column]]] = {
    "households": (_("包保户台账"), [
        Column("ref", "户编号", True, "本台账内唯一；再次导入同一编号时跳过。"),
        Column("jurisdiction", "区划代码", True, "户所在村（社区）或村民小组的代码。"),
        Column("address", "住址", True),
        Column("head_name", "户主姓名", True),
        Column("phone", "联系电话"),
        Column("officer", "包保民警账号", False, "填写后该民（辅）警包保此户。"),
    ]),
    "visits": (_("走访台账"), [
        Column("ref", "走访编号", True, "本台账内唯一；再次导入同一编号时跳过。"),
        Column("visited_at", "走访时间", True, "格式 2023-03-23 或 2023-03-23 14:30；不能晚于现在。"),
        Column("officer", "走访民警账号", True),
        Column("household", "户编号", False, "包保户台账中的户编号；不填则须填区划代码。"),
        Column("jurisdiction", "区划代码", False),
        Column("people_met", "走访对象"),
        Column("notes", "走访情况"),
    ]),
    "hazards": (_("隐患台账"), [
        Column("ref", "隐患编号", True, "本台账内唯一；再次导入同一编号时跳过。"),
        Column("found_at", "发现日期", True),
        Column("jurisdiction", "区划代码", True),
        Column("title", "隐患简题", True),
        Column("description", "隐患情况", True),
        Column("category", "类别", False, "矛盾纠纷 / 治安隐患 / 安全隐患 / 信访苗头 / 其他；留空为矛盾纠纷。"),
        Column("people_involved", "涉及人数", False),
        Column("amount", "涉及金额（元）", False),
        Column("contact_name", "当事人姓名"),
        Column("contact_phone", "当事人电话"),
        Column("household", "户编号"),
        Column("step", "七字工作法环节", False, "盯 / 联 / 推 / 化 / 管 / 访 / 宣；留空为盯。"),
        Column("resolved_at", "化解日期", False, "环节为化、访、宣时必填。"),
        Column("resolution", "化解情况"),
    ]),
    "pushes": (_("函件推送台账"), [
        Column("ref", "推送编号", True, "本台账内唯一；再次导入同一编号时跳过。"),
        Column("sent_at", "推送日期", True),
        Column("jurisdiction", "区划代码", True),
        Column("target_name", "责任单位", True),
        Column("letter_number", "函件编号"),
        Column("content", "推送内容"),
        Column("hazard", "隐患编号", False, "隐患台账中的隐患编号（可留空）。"),
        Column("replied_at", "回复日期"),
        Column("reply", "回复内容", False, "填写回复日期时必填。"),
        Column("closed", "是否办结", False, "是 / 否；有回复且留空视为已办结。"),
        Column("revisited_at", "回访日期"),
        Column("satisfied", "群众满意", False, "是 / 否。"),
    ]),
}

CATEGORY_NAMES = {str(label): value for value, label in Hazard.Category.choices} | {"": "dispute"}
STEP_PATHS = {
    "盯": [], "联": ["link"], "推": ["push"], "管": ["control"], "化": ["resolve"], "访": ["resolve", "revisit"],
    "宣": ["resolve", "revisit", "publicise"],
}
YES = {"是": True, "否": False, "满意": True, "不满意": False}


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "dry_run": self.dry_run, "rows": self.rows, "created": self.created if self.ok else 0,
                "skipped": self.skipped, "written": self.ok and not self.dry_run,
                "errors": [e.as_dict() for e in self.errors]}


# --- template and reading ---------------------------------------------------------------------


def _columns(kind: str) -> list[Column]:
    if kind not in KINDS:
        raise ValidationError({"kind": _("未知的台账类型：%(k)s") % {"k": kind}}, code="unknown_kind")
    return KINDS[kind][1]


def template_workbook(kind: str) -> bytes:
    cols = _columns(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for i, c in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=i, value=c.header + ("*" if c.required else ""))
        cell.font = bold
        if c.required:
            cell.fill = fill
        ws.column_dimensions[cell.column_letter].width = max(12, len(c.header) * 2 + 4)
    notes = wb.create_sheet("填写说明")
    notes.append([_("列"), _("必填"), _("说明")])
    for c in cols:
        notes.append([c.header, _("是") if c.required else "", c.note])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_rows(kind: str, file) -> Iterator[tuple[int, dict[str, Any]]]:
    """(Excel row number, {column key: cell value}) for each non-empty row of the first sheet."""
    cols = _columns(kind)
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ValidationError({"file": _("无法读取该文件，请上传 .xlsx 格式的台账。")}, code="bad_file") from None
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    by_header = {c.header: c for c in cols}
    index: dict[int, Column] = {}
    for i, h in enumerate(header):
        name = str(h or "").strip().rstrip("*")
        if name in by_header:
            index[i] = by_header[name]
    missing = [c.header for c in cols if c.required and c not in index.values()]
    if missing:
        raise ValidationError({"file": _("缺少必填列：%(cols)s") % {"cols": "、".join(missing)}}, code="missing_columns")
    for n, values in enumerate(rows, start=2):
        if n - 1 > MAX_ROWS:
            raise ValidationError({"file": _("单次最多导入 %(n)s 行。") % {"n": MAX_ROWS}}, code="too_many_rows")
        if not values or all(v is None or str(v).strip() == "" for v in values):
            continue
        yield n, {col.key: values[i] if i < len(values) else None for i, col in index.items()}


# --- cell parsing -----------------------------------------------------------------------------


class CellError(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


def _text(row: dict, key: str, required: bool = False) -> str:
    value = row.get(key)
    text = "" if value is None else (value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value)).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if required and not text:
        raise CellError(key, _("必填。"))
    return text


def _when(row: dict, key: str, required: bool = False) -> dt.datetime | None:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CellError(key, _("必填。"))
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(9))
    else:
        text = str(value).strip().replace("/", "-")
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                moment = dt.datetime.strptime(text, fmt)
                if fmt == "%Y-%m-%d":
                    moment = moment.replace(hour=9)
                break
            except ValueError:
                continue
        else:
            raise CellError(key, _("日期格式应为 2023-03-23 或 2023-03-23 14:30。"))
    moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    if moment > timezone.now() + dt.timedelta(minutes=10):
        raise CellError(key, _("不能晚于现在。"))
    return moment


def _int(row: dict, key: str, default: int) -> int:
    text = _text(row, key)
    if not text:
        return default
    try:
        value = int(Decimal(text))
    except (InvalidOperation, ValueError):
        raise CellError(key, _("须为整数。")) from None
    if value < 0:
        raise CellError(key, _("不能为负数。"))
    return value


def _decimal(row: dict, key: str) -> Decimal:
    text = _text(row, key)
    if not text:
        return Decimal(0)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(key, _("须为数字。")) from None
    if value < 0:
        raise CellError(key, _("不能为负数。"))
    return value


class Lookups:
    """Codes, usernames and ledger numbers resolved once per file."""

    def __init__(self) -> None:
        self._jur: dict[str, Jurisdiction | None] = {}
        self._users: dict[str, User | None] = {}
        self._officers: set[int] = set()

    def jurisdiction(self, row: dict, key: str = "jurisdiction", required: bool = True) -> Jurisdiction | None:
        code = _text(row, key, required)
        if not code:
            return None
        if code not in self._jur:
            self._jur[code] = Jurisdiction.objects.filter(code=code).first()
        if self._jur[code] is None:
            raise CellError(key, _("未知的区划代码：%(code)s") % {"code": code})
        return self._jur[code]

    def officer(self, row: dict, key: str, required: bool = True) -> User | None:
        """A user who may be responsible for visits (checked once per user per file)."""
        user = self.user(row, key, required)
        if user is not None and user.pk not in self._officers:
            try:
                services._require_officer(user)
            except ValidationError as exc:
                raise CellError(key, "；".join(exc.messages)) from None
            self._officers.add(user.pk)
        return user

    def user(self, row: dict, key: str, required: bool = True) -> User | None:
        name = _text(row, key, required)
        if not name:
            return None
        if name not in self._users:
            self._users[name] = User.objects.filter(username=name, is_active=True).select_related("agency").first()
        if self._users[name] is None:
            raise CellError(key, _("没有账号为“%(u)s”的在用用户。") % {"u": name})
        return self._users[name]


def _errors_from(n: int, cols: dict[str, Column], exc: Exception) -> list[RowError]:
    if isinstance(exc, CellError):
        return [RowError(n, cols[exc.key].header if exc.key in cols else exc.key, exc.message)]
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        out: list[RowError] = []
        for key, errs in exc.message_dict.items():
            header = cols[key].header if key in cols else key
            out.extend(RowError(n, header, m) for m in errs)
        return out
    if isinstance(exc, ValidationError):
        return [RowError(n, "", m) for m in exc.messages]
    if isinstance(exc, ApplicationError):
        return [RowError(n, exc.field or "", exc.message)]
    if isinstance(exc, PermissionDenied):
        return [RowError(n, "", _("无权在该区划登记。"))]
    raise exc


# --- import -----------------------------------------------------------------------------------


def import_ledger(*, kind: str, file, by, dry_run: bool = False) -> ImportResult:
    """Import one ledger file; see the module docstring for the rules."""
    cols = {c.key: c for c in _columns(kind)}
    result = ImportResult(kind=kind, dry_run=dry_run)
    rows = list(read_rows(kind, file))
    result.rows = len(rows)
    writer: Callable[..., None] = {"households": _import_households, "visits": _import_visits,
                                   "hazards": _import_hazards, "pushes": _import_pushes}[kind]
    with transaction.atomic():
        writer(rows=rows, cols=cols, by=by, result=result)
        if result.errors or dry_run:
            transaction.set_rollback(True)
    return result


def _new_refs(model, rows, cols, result: ImportResult) -> list[tuple[int, dict, str]]:
    """Rows whose ledger number is new; repeats within the file are errors, known ones skipped."""
    refs = [(n, row, _text(row, "ref")) for n, row in rows]
    known = set(model.objects.filter(external_ref__in=[r for _n, _row, r in refs if r])
                .values_list("external_ref", flat=True))
    seen: set[str] = set()
    out: list[tuple[int, dict, str]] = []
    for n, row, ref in refs:
        if not ref:
            result.errors.append(RowError(n, cols["ref"].header, _("必填。")))
        elif ref in seen:
            result.errors.append(RowError(n, cols["ref"].header, _("编号在本文件中重复：%(r)s") % {"r": ref}))
        elif ref in known:
            result.skipped += 1
        else:
            out.append((n, row, ref))
        seen.add(ref)
    return out


def _check_scope(model, created: list, refs: dict[int, int], result: ImportResult, by, cols) -> None:
    ids = [obj.pk for obj in created]
    allowed = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        allowed |= set(restrict(model.objects.filter(pk__in=chunk), by, "add").values_list("pk", flat=True))
    for obj in created:
        if obj.pk not in allowed:
            result.errors.append(RowError(refs[id(obj)], cols["jurisdiction"].header if "jurisdiction" in cols else "",
                                          _("无权在该区划登记。")))


def _import_households(*, rows, cols, by, result: ImportResult) -> None:
    look = Lookups()
    objs, officers, line = [], [], {}
    for n, row, ref in _new_refs(Household, rows, cols, result):
        try:
            jur = look.jurisdiction(row)
            assert jur is not None
            if jur.level < Jurisdiction.Level.VILLAGE:
                raise CellError("jurisdiction", _("户须登记到村（社区）或村民小组。"))
            officer = look.officer(row, "officer", required=False)
            h = Household(external_ref=ref, jurisdiction=jur, address=_text(row, "address", True),
                          head_name=_text(row, "head_name", True), phone=_text(row, "phone"))
            h.full_clean(exclude=["jurisdiction"], validate_unique=False, validate_constraints=False)
        except (CellError, ValidationError) as exc:
            result.errors.extend(_errors_from(n, cols, exc))
            continue
        objs.append(h)
        officers.append(officer)
        line[id(h)] = n
    if result.errors:
        return
    Household.objects.bulk_create(objs, batch_size=1000)
    if connection_needs_refetch(objs):
        ids = dict(Household.objects.filter(external_ref__in=[h.external_ref for h in objs]).values_list("external_ref", "pk"))
        for h in objs:
            h.pk = h.id = ids[h.external_ref]
    _check_scope(Household, objs, line, result, by, cols)
    today = timezone.localdate()
    Assignment.objects.bulk_create(
        [Assignment(officer=o, agency=o.agency, household=h, starts_on=today) for h, o in zip(objs, officers, strict=True)
         if o is not None], batch_size=1000)
    result.created = len(objs)
    if objs:
        record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.import.households", obj=None,
               after={"rows": len(objs), "refs": [objs[0].external_ref, objs[-1].external_ref],
                      "assigned": sum(1 for o in officers if o is not None)})


def connection_needs_refetch(objs: list) -> bool:
    # bulk_create sets primary keys on PostgreSQL and on SQLite ≥ 3.35; fetch them otherwise.
    return bool(objs) and objs[0].pk is None


def _import_visits(*, rows, cols, by, result: ImportResult) -> None:
    look = Lookups()
    new = _new_refs(Visit, rows, cols, result)
    households = dict(
        (h.external_ref, h) for h in Household.objects.filter(
            external_ref__in=[_text(row, "household") for _n, row, _r in new if _text(row, "household")]
        ).select_related("jurisdiction")
    )
    objs, line = [], {}
    for n, row, ref in new:
        try:
            officer = look.officer(row, "officer")
            assert officer is not None
            hh_ref = _text(row, "household")
            household = households.get(hh_ref) if hh_ref else None
            if hh_ref and household is None:
                raise CellError("household", _("未找到户编号：%(r)s") % {"r": hh_ref})
            jur = look.jurisdiction(row, required=household is None) or (household.jurisdiction if household else None)
            data = {"household": household, "jurisdiction": jur, "visited_at": _when(row, "visited_at", True),
                    "people_met": _text(row, "people_met"), "notes": _text(row, "notes"), "external_ref": ref}
            v = services._build_visit(data=data, officer=officer, resolved=True)
        except (CellError, ValidationError, ApplicationError) as exc:
            result.errors.extend(_errors_from(n, cols, exc))
            continue
        objs.append(v)
        line[id(v)] = n
    if result.errors:
        return
    Visit.objects.bulk_create(objs, batch_size=1000)
    if connection_needs_refetch(objs):
        ids = dict(Visit.objects.filter(external_ref__in=[v.external_ref for v in objs]).values_list("external_ref", "pk"))
        for v in objs:
            v.pk = v.id = ids[v.external_ref]
    _check_scope(Visit, objs, line, result, by, cols)
    result.created = len(objs)
    if objs:
        from .models import OverdueFlag

        OverdueFlag.objects.filter(kind=OverdueFlag.Kind.VISIT, cleared_at__isnull=True,
                                   household_id__in={v.household_id for v in objs if v.household_id}
                                   ).update(cleared_at=timezone.now())
        record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.import.visits", obj=None,
               after={"rows": len(objs), "refs": [objs[0].external_ref, objs[-1].external_ref]})


def _row_savepoint(n: int, cols, result: ImportResult, fn: Callable[[], None]) -> None:
    try:
        with transaction.atomic():
            fn()
    except (CellError, ValidationError, ApplicationError, PermissionDenied) as exc:
        result.errors.extend(_errors_from(n, cols, exc))


def _import_hazards(*, rows, cols, by, result: ImportResult) -> None:
    look = Lookups()
    new = _new_refs(Hazard, rows, cols, result)
    households = dict(Household.objects.filter(
        external_ref__in=[_text(row, "household") for _n, row, _r in new if _text(row, "household")]
    ).values_list("external_ref", "pk"))

    def one(n: int, row: dict, ref: str) -> None:
        category = CATEGORY_NAMES.get(_text(row, "category"))
        if category is None:
            raise CellError("category", _("类别须为：%(c)s") % {"c": "、".join(k for k in CATEGORY_NAMES if k)})
        step = _text(row, "step") or "盯"
        path = STEP_PATHS.get(step[:1])
        if path is None:
            raise CellError("step", _("环节须为 盯、联、推、化、管、访、宣 之一。"))
        resolved_at = _when(row, "resolved_at")
        if "resolve" in path and resolved_at is None:
            raise CellError("resolved_at", _("环节为化、访、宣时须填写化解日期。"))
        hh_ref = _text(row, "household")
        if hh_ref and hh_ref not in households:
            raise CellError("household", _("未找到户编号：%(r)s") % {"r": hh_ref})
        hazard = services.report_hazard(data={
            "external_ref": ref, "found_at": _when(row, "found_at", True), "jurisdiction": look.jurisdiction(row),
            "title": _text(row, "title", True), "description": _text(row, "description", True),
            "category": category, "people_involved": _int(row, "people_involved", 1), "amount": _decimal(row, "amount"),
            "contact_name": _text(row, "contact_name"), "contact_phone": _text(row, "contact_phone"),
            "household": Household.objects.get(pk=households[hh_ref]) if hh_ref else None,
        }, by=by)
        for name in path:
            if name == "resolve":
                assert resolved_at is not None
                services.resolve_hazard(hazard=hazard, by=by, resolved_at=resolved_at,
                                        resolution=_text(row, "resolution") or _("见台账"))
            else:
                services.advance_hazard(hazard=hazard, name=name, by=by, reason=_("台账导入"))
        result.created += 1

    for n, row, ref in new:
        _row_savepoint(n, cols, result, functools.partial(one, n, row, ref))


def _import_pushes(*, rows, cols, by, result: ImportResult) -> None:
    look = Lookups()
    new = _new_refs(Push, rows, cols, result)
    hazards = {h.external_ref: h for h in Hazard.objects.filter(
        external_ref__in=[_text(row, "hazard") for _n, row, _r in new if _text(row, "hazard")])}

    def one(n: int, row: dict, ref: str) -> None:
        hz_ref = _text(row, "hazard")
        if hz_ref and hz_ref not in hazards:
            raise CellError("hazard", _("未找到隐患编号：%(r)s") % {"r": hz_ref})
        replied_at, revisited_at = _when(row, "replied_at"), _when(row, "revisited_at")
        closed_text, satisfied_text = _text(row, "closed"), _text(row, "satisfied")
        if closed_text and closed_text not in YES:
            raise CellError("closed", _("须为“是”或“否”。"))
        if satisfied_text and satisfied_text not in YES:
            raise CellError("satisfied", _("须为“是”或“否”。"))
        push = services.push_by_letter(by=by, hazard=hazards.get(hz_ref) if hz_ref else None, data={
            "external_ref": ref, "sent_at": _when(row, "sent_at", True), "jurisdiction": look.jurisdiction(row),
            "target_name": _text(row, "target_name", True), "letter_number": _text(row, "letter_number"),
            "content": _text(row, "content"),
        })
        closed = YES.get(closed_text, True)
        if replied_at is not None:
            services.record_reply(push=push, by=by, reply=_text(row, "reply", True), replied_at=replied_at, close=closed)
        elif closed_text == "是":
            raise CellError("replied_at", _("已办结的函件须填写回复日期。"))
        if revisited_at is not None:
            if not satisfied_text:
                raise CellError("satisfied", _("填写回访日期时须填写是否满意。"))
            services.revisit_push(push=push, by=by, satisfied=YES[satisfied_text], revisited_at=revisited_at)
        result.created += 1

    for n, row, ref in new:
        _row_savepoint(n, cols, result, functools.partial(one, n, row, ref))


def errors_workbook(errors: list[dict[str, Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("错误")
    ws.append([_("行号"), _("列"), _("问题")])
    for e in errors:
        ws.append([e["row"], e["column"], e["message"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- export -----------------------------------------------------------------------------------


def export_workbook(*, kind: str, queryset, by, filters: dict[str, Any]) -> bytes:
    """The visit or hazard ledger as shown in the list (personal data masked); one audit entry
    records who exported what filter."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    if kind == "visits":
        ws.append(["走访编号", "走访时间", "走访民警", "区划代码", "走访地点", "户主", "走访对象", "走访情况"])
        for v in queryset.iterator(chunk_size=2000):
            ws.append([v.external_ref or str(v.uuid), timezone.localtime(v.visited_at).strftime("%Y-%m-%d %H:%M"),
                       str(v.officer), v.jurisdiction.code, v.jurisdiction.name,
                       v.household.masked_head_name if v.household else "", v.people_met, v.notes])
    elif kind == "hazards":
        ws.append(["隐患编号", "发现日期", "区划代码", "发生地", "隐患简题", "类别", "风险等级", "七字工作法环节",
                   "处置方式", "当事人", "化解日期"])
        for h in queryset.iterator(chunk_size=2000):
            ws.append([h.external_ref or str(h.uuid), timezone.localtime(h.found_at).strftime("%Y-%m-%d"),
                       h.jurisdiction.code, h.jurisdiction.name, h.title, h.get_category_display(),
                       h.get_grade_display() if h.grade else "", h.get_state_display(), h.get_outcome_display(),
                       h.masked_contact_name,
                       timezone.localtime(h.resolved_at).strftime("%Y-%m-%d") if h.resolved_at else ""])
    else:
        raise ValidationError({"kind": _("未知的台账类型：%(k)s") % {"k": kind}})
    record(actor=by, event_type=AuditEvent.EXPORTED, action=f"policing.export.{kind}", obj=None,
           after={"filters": {k: str(v) for k, v in filters.items() if v}})
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
