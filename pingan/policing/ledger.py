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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core import spreadsheets as ss
from pingan.core.audit import AuditEvent, record
from pingan.core.errors import ApplicationError
from pingan.core.spreadsheets import Column, Ledger, RowError
from pingan.orgs.models import Jurisdiction, User
from pingan.orgs.permissions import restrict

from . import services
from .models import Assignment, Hazard, Household, Push, Visit

SHEET = "台账"
CATEGORY_NAMES = {str(label): value for value, label in Hazard.Category.choices}
STEP_PATHS = {
    "盯": [], "联": ["link"], "推": ["push"], "管": ["control"], "化": ["resolve"], "访": ["resolve", "revisit"],
    "宣": ["resolve", "revisit", "publicise"],
}
YES = {"是": True, "否": False, "满意": True, "不满意": False}


class CellError(ss.CellError):
    """A cell error found after reading (a lookup, a rule across cells), naming its column key."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def _when(value: Any) -> dt.datetime:
    """A date (taken as 09:00) or a date and time, not in the future."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(9))
    else:
        text = ss.text(value).replace("/", "-")
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                moment = dt.datetime.strptime(text, fmt)
                if fmt == "%Y-%m-%d":
                    moment = moment.replace(hour=9)
                break
            except ValueError:
                continue
        else:
            raise ss.CellError(_("日期格式应为 2023-03-23 或 2023-03-23 14:30。"))
    moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    if moment > timezone.now() + dt.timedelta(minutes=10):
        raise ss.CellError(_("不能晚于现在。"))
    return moment


def _step(value: Any) -> list[str]:
    path = STEP_PATHS.get(ss.text(value)[:1])
    if path is None:
        raise ss.CellError(_("环节须为 盯、联、推、化、管、访、宣 之一。"))
    return path


def _ref(key: str, header: str) -> Column:
    return Column(key, header, True, ss.text, note="本台账内唯一；再次导入同一编号时跳过。")


LEDGERS: dict[str, Ledger] = {kind: Ledger(title=SHEET, columns=columns) for kind, columns in {
    "households": [
        _ref("ref", "户编号"),
        Column("jurisdiction", "区划代码", True, ss.text, note="户所在村（社区）或村民小组的代码。"),
        Column("address", "住址", True, ss.text),
        Column("head_name", "户主姓名", True, ss.text),
        Column("phone", "联系电话", parse=ss.text),
        Column("officer", "包保民警账号", parse=ss.text, note="填写后该民（辅）警包保此户。"),
    ],
    "visits": [
        _ref("ref", "走访编号"),
        Column("visited_at", "走访时间", True, _when, note="格式 2023-03-23 或 2023-03-23 14:30；不能晚于现在。"),
        Column("officer", "走访民警账号", True, ss.text),
        Column("household", "户编号", parse=ss.text, note="包保户台账中的户编号；不填则须填区划代码。"),
        Column("jurisdiction", "区划代码", parse=ss.text),
        Column("people_met", "走访对象", parse=ss.text),
        Column("notes", "走访情况", parse=ss.text),
    ],
    "hazards": [
        _ref("ref", "隐患编号"),
        Column("found_at", "发现日期", True, _when),
        Column("jurisdiction", "区划代码", True, ss.text),
        Column("title", "隐患简题", True, ss.text),
        Column("description", "隐患情况", True, ss.text),
        Column("category", "类别", False, ss.choice(CATEGORY_NAMES), tuple(CATEGORY_NAMES),
               note="矛盾纠纷 / 治安隐患 / 安全隐患 / 信访苗头 / 其他；留空为矛盾纠纷。"),
        Column("people_involved", "涉及人数", parse=ss.integer),
        Column("amount", "涉及金额（元）", parse=ss.decimal),
        Column("contact_name", "当事人姓名", parse=ss.text),
        Column("contact_phone", "当事人电话", parse=ss.text),
        Column("household", "户编号", parse=ss.text),
        Column("step", "七字工作法环节", False, _step, tuple(STEP_PATHS), note="盯 / 联 / 推 / 化 / 管 / 访 / 宣；留空为盯。"),
        Column("resolved_at", "化解日期", False, _when, note="环节为化、访、宣时必填。"),
        Column("resolution", "化解情况", parse=ss.text),
    ],
    "pushes": [
        _ref("ref", "推送编号"),
        Column("sent_at", "推送日期", True, _when),
        Column("jurisdiction", "区划代码", True, ss.text),
        Column("target_name", "责任单位", True, ss.text),
        Column("letter_number", "函件编号", parse=ss.text),
        Column("content", "推送内容", parse=ss.text),
        Column("hazard", "隐患编号", parse=ss.text, note="隐患台账中的隐患编号（可留空）。"),
        Column("replied_at", "回复日期", parse=_when),
        Column("reply", "回复内容", parse=ss.text, note="填写回复日期时必填。"),
        Column("closed", "是否办结", False, ss.choice(YES), ("是", "否"), note="是 / 否；有回复且留空视为已办结。"),
        Column("revisited_at", "回访日期", parse=_when),
        Column("satisfied", "群众满意", False, ss.choice(YES), ("是", "否"), note="是 / 否。"),
    ],
}.items()}


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

    def add(self, errors: list[RowError]) -> None:
        """Add errors, but not a second one for a cell the reader already reported."""
        seen = {(e.row, e.column) for e in self.errors}
        self.errors.extend(e for e in errors if (e.row, e.column) not in seen)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "dry_run": self.dry_run, "rows": self.rows, "created": self.created if self.ok else 0,
                "skipped": self.skipped, "written": self.ok and not self.dry_run,
                "errors": [e.as_dict() for e in self.errors]}


# --- template and reading ---------------------------------------------------------------------


def _ledger(kind: str) -> Ledger:
    if kind not in LEDGERS:
        raise ValidationError({"kind": _("未知的台账类型：%(k)s") % {"k": kind}}, code="unknown_kind")
    return LEDGERS[kind]


def template_workbook(kind: str) -> bytes:
    return ss.workbook_bytes(ss.template(_ledger(kind)))


def _required(values: dict[str, Any], key: str) -> Any:
    """A required cell's value; blank only when the reader has already reported it."""
    if values[key] is None:
        raise CellError(key, _("必填。"))
    return values[key]


class Lookups:
    """Codes, usernames and ledger numbers resolved once per file."""

    def __init__(self) -> None:
        self._jur: dict[str, Jurisdiction | None] = {}
        self._users: dict[str, User | None] = {}
        self._officers: set[int] = set()

    def jurisdiction(self, row: dict, key: str = "jurisdiction", required: bool = True) -> Jurisdiction | None:
        code = row[key]
        if not code:
            if required:
                raise CellError(key, _("必填。"))
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
        name = row[key]
        if not name:
            if required:
                raise CellError(key, _("必填。"))
            return None
        if name not in self._users:
            self._users[name] = User.objects.filter(username=name, is_active=True).select_related("agency").first()
        if self._users[name] is None:
            raise CellError(key, _("没有账号为“%(u)s”的在用用户。") % {"u": name})
        return self._users[name]


def _errors_from(n: int, ledger: Ledger, exc: Exception) -> list[RowError]:
    if isinstance(exc, CellError):
        return [RowError(n, ledger.header(exc.key), exc.message)]
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [RowError(n, ledger.header(key), m) for key, errs in exc.message_dict.items() for m in errs]
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
    ledger = _ledger(kind)
    result = ImportResult(kind=kind, dry_run=dry_run)
    rows = list(ss.read(file, ledger))
    result.rows = len(rows)
    for row in rows:
        result.add(row.errors)
    writer: Callable[..., None] = {"households": _import_households, "visits": _import_visits,
                                   "hazards": _import_hazards, "pushes": _import_pushes}[kind]
    with transaction.atomic():
        writer(rows=rows, ledger=ledger, by=by, result=result)
        if result.errors or dry_run:
            transaction.set_rollback(True)
    return result


def _new_refs(model, rows: list[ss.Row], ledger: Ledger, result: ImportResult, *,
              complete: bool = False) -> list[tuple[int, dict, str]]:
    """Rows whose ledger number is new; repeats within the file are errors, known ones skipped.
    `complete`: leave out rows with cell errors (rows written through the services one by one)."""
    known = set(model.objects.filter(external_ref__in=[r.values["ref"] for r in rows if r.values["ref"]])
                .values_list("external_ref", flat=True))
    seen: set[str] = set()
    out: list[tuple[int, dict, str]] = []
    for n, row, errors in rows:
        ref = row["ref"]
        if not ref:
            continue  # the reader reported the blank ledger number
        if ref in seen:
            result.add([RowError(n, ledger.header("ref"), _("编号在本文件中重复：%(r)s") % {"r": ref})])
        elif ref in known:
            result.skipped += 1
        elif not (complete and errors):
            out.append((n, row, ref))
        seen.add(ref)
    return out


def _insert(model, objs: list, line: dict[int, int], result: ImportResult, by, ledger: Ledger) -> None:
    """Bulk-insert validated rows, then check the importer may add each stored row (a row outside
    the scope is an error, and the caller's transaction rolls the file back)."""
    model.objects.bulk_create(objs, batch_size=1000)
    if connection_needs_refetch(objs):
        ids = dict(model.objects.filter(external_ref__in=[o.external_ref for o in objs]).values_list("external_ref", "pk"))
        for o in objs:
            o.pk = o.id = ids[o.external_ref]
    _check_scope(model, objs, line, result, by, ledger)


def _check_scope(model, created: list, refs: dict[int, int], result: ImportResult, by, ledger: Ledger) -> None:
    ids = [obj.pk for obj in created]
    allowed = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        allowed |= set(restrict(model.objects.filter(pk__in=chunk), by, "add").values_list("pk", flat=True))
    for obj in created:
        if obj.pk not in allowed:
            result.add([RowError(refs[id(obj)], ledger.header("jurisdiction"), _("无权在该区划登记。"))])


def _import_households(*, rows, ledger, by, result: ImportResult) -> None:
    look = Lookups()
    objs, officers, line = [], [], {}
    for n, row, ref in _new_refs(Household, rows, ledger, result):
        try:
            jur = look.jurisdiction(row)
            assert jur is not None
            if jur.level < Jurisdiction.Level.VILLAGE:
                raise CellError("jurisdiction", _("户须登记到村（社区）或村民小组。"))
            officer = look.officer(row, "officer", required=False)
            h = Household(external_ref=ref, jurisdiction=jur, address=_required(row, "address"),
                          head_name=_required(row, "head_name"), phone=row["phone"] or "")
            h.full_clean(exclude=["jurisdiction"], validate_unique=False, validate_constraints=False)
        except (CellError, ValidationError) as exc:
            result.add(_errors_from(n, ledger, exc))
            continue
        objs.append(h)
        officers.append(officer)
        line[id(h)] = n
    if result.errors:
        return
    _insert(Household, objs, line, result, by, ledger)
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


def _import_visits(*, rows, ledger, by, result: ImportResult) -> None:
    look = Lookups()
    new = _new_refs(Visit, rows, ledger, result)
    households = dict(
        (h.external_ref, h) for h in Household.objects.filter(
            external_ref__in=[row["household"] for _n, row, _r in new if row["household"]]
        ).select_related("jurisdiction")
    )
    objs, line = [], {}
    for n, row, ref in new:
        try:
            officer = look.officer(row, "officer")
            assert officer is not None
            hh_ref = row["household"]
            household = households.get(hh_ref) if hh_ref else None
            if hh_ref and household is None:
                raise CellError("household", _("未找到户编号：%(r)s") % {"r": hh_ref})
            jur = look.jurisdiction(row, required=household is None) or (household.jurisdiction if household else None)
            data = {"household": household, "jurisdiction": jur, "visited_at": _required(row, "visited_at"),
                    "people_met": row["people_met"] or "", "notes": row["notes"] or "", "external_ref": ref}
            v = services._build_visit(data=data, officer=officer, resolved=True)
        except (CellError, ValidationError, ApplicationError) as exc:
            result.add(_errors_from(n, ledger, exc))
            continue
        objs.append(v)
        line[id(v)] = n
    if result.errors:
        return
    _insert(Visit, objs, line, result, by, ledger)
    result.created = len(objs)
    if objs:
        from .models import OverdueFlag

        OverdueFlag.objects.filter(kind=OverdueFlag.Kind.VISIT, cleared_at__isnull=True,
                                   household_id__in={v.household_id for v in objs if v.household_id}
                                   ).update(cleared_at=timezone.now())
        record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.import.visits", obj=None,
               after={"rows": len(objs), "refs": [objs[0].external_ref, objs[-1].external_ref]})


def _row_savepoint(n: int, ledger: Ledger, result: ImportResult, fn: Callable[[], None]) -> None:
    try:
        with transaction.atomic():
            fn()
    except (CellError, ValidationError, ApplicationError, PermissionDenied) as exc:
        result.add(_errors_from(n, ledger, exc))


def _import_hazards(*, rows, ledger, by, result: ImportResult) -> None:
    look = Lookups()
    new = _new_refs(Hazard, rows, ledger, result, complete=True)
    households = dict(Household.objects.filter(
        external_ref__in=[row["household"] for _n, row, _r in new if row["household"]]
    ).values_list("external_ref", "pk"))

    def one(n: int, row: dict, ref: str) -> None:
        path = row["step"] or []
        resolved_at = row["resolved_at"]
        if "resolve" in path and resolved_at is None:
            raise CellError("resolved_at", _("环节为化、访、宣时须填写化解日期。"))
        hh_ref = row["household"]
        if hh_ref and hh_ref not in households:
            raise CellError("household", _("未找到户编号：%(r)s") % {"r": hh_ref})
        people = row["people_involved"]
        hazard = services.report_hazard(data={
            "external_ref": ref, "found_at": row["found_at"], "jurisdiction": look.jurisdiction(row),
            "title": row["title"], "description": row["description"], "category": row["category"] or "dispute",
            "people_involved": 1 if people is None else people, "amount": row["amount"] or Decimal(0),
            "contact_name": row["contact_name"] or "", "contact_phone": row["contact_phone"] or "",
            "household": Household.objects.get(pk=households[hh_ref]) if hh_ref else None,
        }, by=by)
        for name in path:
            if name == "resolve":
                assert resolved_at is not None
                services.resolve_hazard(hazard=hazard, by=by, resolved_at=resolved_at,
                                        resolution=row["resolution"] or _("见台账"))
            else:
                services.advance_hazard(hazard=hazard, name=name, by=by, reason=_("台账导入"))
        result.created += 1

    for n, row, ref in new:
        _row_savepoint(n, ledger, result, functools.partial(one, n, row, ref))


def _import_pushes(*, rows, ledger, by, result: ImportResult) -> None:
    look = Lookups()
    new = _new_refs(Push, rows, ledger, result, complete=True)
    hazards = {h.external_ref: h for h in Hazard.objects.filter(
        external_ref__in=[row["hazard"] for _n, row, _r in new if row["hazard"]])}

    def one(n: int, row: dict, ref: str) -> None:
        hz_ref = row["hazard"]
        if hz_ref and hz_ref not in hazards:
            raise CellError("hazard", _("未找到隐患编号：%(r)s") % {"r": hz_ref})
        replied_at, revisited_at = row["replied_at"], row["revisited_at"]
        push = services.push_by_letter(by=by, hazard=hazards.get(hz_ref) if hz_ref else None, data={
            "external_ref": ref, "sent_at": row["sent_at"], "jurisdiction": look.jurisdiction(row),
            "target_name": row["target_name"], "letter_number": row["letter_number"] or "",
            "content": row["content"] or "",
        })
        closed = True if row["closed"] is None else row["closed"]
        if replied_at is not None:
            services.record_reply(push=push, by=by, reply=_required(row, "reply"), replied_at=replied_at, close=closed)
        elif row["closed"] is True:
            raise CellError("replied_at", _("已办结的函件须填写回复日期。"))
        if revisited_at is not None:
            if row["satisfied"] is None:
                raise CellError("satisfied", _("填写回访日期时须填写是否满意。"))
            services.revisit_push(push=push, by=by, satisfied=row["satisfied"], revisited_at=revisited_at)
        result.created += 1

    for n, row, ref in new:
        _row_savepoint(n, ledger, result, functools.partial(one, n, row, ref))


# --- export -----------------------------------------------------------------------------------


VISIT_HEADERS = ["走访编号", "走访时间", "走访民警", "区划代码", "走访地点", "户主", "走访对象", "走访情况"]
HAZARD_HEADERS = ["隐患编号", "发现日期", "区划代码", "发生地", "隐患简题", "类别", "风险等级", "七字工作法环节", "处置方式",
                  "当事人", "化解日期"]


def _visit_rows(queryset) -> Iterator[list[Any]]:
    for v in queryset.iterator(chunk_size=2000):
        yield [v.external_ref or str(v.uuid), timezone.localtime(v.visited_at).strftime("%Y-%m-%d %H:%M"),
               str(v.officer), v.jurisdiction.code, v.jurisdiction.name,
               v.household.masked_head_name if v.household else "", v.people_met, v.notes]


def _hazard_rows(queryset) -> Iterator[list[Any]]:
    for h in queryset.iterator(chunk_size=2000):
        yield [h.external_ref or str(h.uuid), timezone.localtime(h.found_at).strftime("%Y-%m-%d"),
               h.jurisdiction.code, h.jurisdiction.name, h.title, h.get_category_display(),
               h.get_grade_display() if h.grade else "", h.get_state_display(), h.get_outcome_display(),
               h.masked_contact_name, timezone.localtime(h.resolved_at).strftime("%Y-%m-%d") if h.resolved_at else ""]


def export_workbook(*, kind: str, queryset, by, filters: dict[str, Any]) -> bytes:
    """The visit or hazard ledger as shown in the list (personal data masked); one audit entry
    records who exported what filter."""
    if kind == "visits":
        content = ss.export_workbook(SHEET, VISIT_HEADERS, _visit_rows(queryset))
    elif kind == "hazards":
        content = ss.export_workbook(SHEET, HAZARD_HEADERS, _hazard_rows(queryset))
    else:
        raise ValidationError({"kind": _("未知的台账类型：%(k)s") % {"k": kind}})
    record(actor=by, event_type=AuditEvent.EXPORTED, action=f"policing.export.{kind}", obj=None,
           after={"filters": {k: str(v) for k, v in filters.items() if v}})
    return content
