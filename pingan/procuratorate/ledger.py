"""The procuratorate's ledgers (台账) in Excel or CSV: import with row-level errors, export.

Two ledgers: minor cases (小案台账, one row per suspect; rows of the same 案件编号 form one case)
and early involvement (提前介入台账, one row per case). Import is idempotent by case number: a
case already stored is updated when the row says something new and skipped when it does not.
Ledger rows are history — decisions already taken — so their states are set from the decisions
rather than replayed as transitions; a step still open (e.g. arrest review without a decision)
gets its statutory deadline from the recorded date. Everything is validated first; any error →
nothing is written (`ValidationError` keyed "第N行·列名"). One audit entry per import.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core import spreadsheets as ss
from pingan.core.audit import AuditEvent, record
from pingan.core.idnumber import mask_id_number
from pingan.orgs.models import Agency, Jurisdiction
from pingan.orgs.permissions import can, restrict

from . import services
from .models import (
    ArrestDecision,
    EarlyInvolvement,
    MinorCase,
    Offence,
    Relation,
    ServiceType,
    Source,
    Suspect,
    VolunteerPlan,
)

YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", "", "×"}

CASE_COLUMNS = [
    ("number", "案件编号", True), ("offence", "罪名", True), ("received_on", "受理日期", True),
    ("police_agency", "移送机关", True), ("jurisdiction", "案发地区划代码", False), ("fast_track", "速裁", False),
    ("name", "犯罪嫌疑人", True), ("id_number", "身份证号", False), ("guilty_plea", "认罪认罚", False),
    ("guilty_plea_on", "认罪认罚日期", False), ("first_offender", "初犯", False), ("occasional", "偶犯", False),
    ("negligent", "过失犯", False), ("relation", "与被害人关系", False),
    ("arrest_requested_on", "提请逮捕日期", False), ("arrest_decision", "逮捕决定", False),
    ("arrest_decided_on", "逮捕决定日期", False), ("arrest_grounds", "不捕理由", False),
    ("prosecution_received_on", "移送审查起诉日期", False), ("prosecution_decision", "起诉决定", False),
    ("prosecution_decided_on", "起诉决定日期", False), ("prosecution_grounds", "决定理由", False),
    ("partner", "志愿服务单位", False), ("service_type", "志愿服务内容", False), ("planned_hours", "志愿服务时长", False),
    ("evaluation", "志愿服务评估", False), ("evaluated_on", "评估日期", False),
]
EARLY_COLUMNS = [
    ("number", "案件编号", True), ("offence", "案件类别", True), ("started_on", "介入日期", True),
    ("police_agency", "侦查机关", True), ("jurisdiction", "案发地区划代码", False), ("guidance", "引导取证意见", True),
    ("outcome", "结果", False), ("outcome_note", "结果说明", False),
]
KINDS = {"minor_cases": ("小案台账", CASE_COLUMNS), "early_involvements": ("提前介入台账", EARLY_COLUMNS)}
ARREST_NAMES = {str(label): value for value, label in ArrestDecision.choices}
PROSECUTION_NAMES = {"起诉": "prosecute", "提起公诉": "prosecute", "相对不起诉": "relative", "其他不起诉": "other",
                     "存疑不起诉": "other", "法定不起诉": "other"}
EVALUATION_NAMES = {"合格": True, "通过": True, "不合格": False, "未通过": False}
# Dropdowns in the template. The cells are still read as text and checked here (_bool, _choice),
# which accept more spellings (y, √, 提起公诉 …) than the lists offer.
DROPDOWNS: dict[str, tuple[str, ...]] = {
    **{k: ("是", "否") for k in ("fast_track", "guilty_plea", "first_offender", "occasional", "negligent")},
    "relation": tuple(str(label) for _v, label in Relation.choices),
    "arrest_decision": tuple(ARREST_NAMES),
    "prosecution_decision": ("起诉", "相对不起诉", "其他不起诉"),
    "service_type": tuple(str(label) for _v, label in ServiceType.choices),
    "evaluation": ("合格", "不合格"),
    "outcome": tuple(str(label) for _v, label in EarlyInvolvement.Outcome.choices),
}
# Which blank cells matter depends on the row (a case's fields are read from its first row), so
# the reader checks only that the required columns are there (require_cells=False).
LEDGERS = {
    kind: ss.Ledger(title=title, formats=("xlsx", "csv"), columns=[
        ss.Column(key, header, required, ss.text if key in DROPDOWNS else None, DROPDOWNS.get(key, ()))
        for key, header, required in columns])
    for kind, (title, columns) in KINDS.items()
}


@dataclass
class Report:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "written": self.written, "errors": self.errors}


class _Row(dict):
    line: int = 0


# --- reading --------------------------------------------------------------------------------------


def read_rows(data: bytes | IO[bytes], *, filename: str, kind: str) -> list[_Row]:
    """Rows keyed by column key ("" for a blank cell). The header row names the columns (order does
    not matter)."""
    rows: list[_Row] = []
    for number, values, _errors in ss.read(data, LEDGERS[kind], filename=filename, require_cells=False):
        row = _Row({key: "" if v is None else v for key, v in values.items()})
        row.line = number
        rows.append(row)
    return rows


# --- parsing values ---------------------------------------------------------------------------------


class _Errors:
    def __init__(self, report: Report, columns):
        self.report = report
        self.headers = {k: h for k, h, _r in columns}

    def add(self, line: int, key: str, message: str) -> None:
        self.report.errors.append({"row": line, "column": self.headers.get(key, key), "message": str(message)})


def _date(row: _Row, key: str, err: _Errors, *, required: bool = False) -> dt.date | None:
    value = row.get(key, "")
    if value in ("", None):
        if required:
            err.add(row.line, key, _("必填。"))
        return None
    try:
        d = ss.date(value)
    except ss.CellError as exc:
        err.add(row.line, key, exc.message)
        return None
    if d > timezone.localdate():
        err.add(row.line, key, _("日期不能晚于今天。"))
        return None
    if d.year < 1990:
        err.add(row.line, key, _("日期不合理。"))
        return None
    return d


def _bool(row: _Row, key: str, err: _Errors) -> bool:
    value = str(row.get(key, "")).strip().lower()
    if value in YES:
        return True
    if value not in NO:
        err.add(row.line, key, _("请填写“是”或“否”。"))
    return False


def _choice(row: _Row, key: str, names: dict[str, Any], err: _Errors) -> Any:
    value = str(row.get(key, "")).strip()
    if not value:
        return None
    if value in names:
        return names[value]
    if value in names.values():
        return value
    err.add(row.line, key, _("取值无效，可选：%(v)s") % {"v": "、".join(names)})
    return None


class _Lookups:
    def __init__(self) -> None:
        self.offences = {}
        for o in Offence.objects.all():
            self.offences[o.code] = o
            self.offences[o.name] = o
        self.agencies: dict[str, Agency | None] = {}
        self.jurisdictions: dict[str, Jurisdiction | None] = {}

    def agency(self, value: str) -> Agency | None:
        if value not in self.agencies:
            self.agencies[value] = Agency.objects.filter(Q(code=value) | Q(name=value) | Q(short_name=value)).first()
        return self.agencies[value]

    def jurisdiction(self, code: str) -> Jurisdiction | None:
        if code not in self.jurisdictions:
            self.jurisdictions[code] = Jurisdiction.objects.filter(code=code).first()
        return self.jurisdictions[code]


def _agency(row: _Row, key: str, kinds: tuple[str, ...], look: _Lookups, err: _Errors) -> Agency | None:
    value = str(row.get(key, "")).strip()
    if not value:
        return None
    agency = look.agency(value)
    if agency is None or agency.kind not in kinds:
        err.add(row.line, key, _("未找到该单位：%(v)s") % {"v": value})
        return None
    return agency


# --- minor-case ledger ------------------------------------------------------------------------------


def _state_of(s: Suspect) -> str:
    if s.prosecution_decision:
        return {"prosecute": "prosecuted", "relative": "non_prosecuted", "other": "non_prosecuted_other"}[
            s.prosecution_decision]
    if s.prosecution_received_on:
        return "prosecution_review"
    if s.arrest_decision:
        return "arrest_approved" if s.arrest_decision == "approved" else "arrest_not_approved"
    if s.arrest_requested_on:
        return "arrest_review"
    return "received"


SUSPECT_COMPARE = ("received_on", "name", "id_number_index", "guilty_plea", "guilty_plea_on", "first_offender", "occasional",
                   "negligent", "relation", "arrest_requested_on", "arrest_decision", "arrest_decided_on",
                   "arrest_grounds", "prosecution_received_on", "prosecution_decision", "prosecution_decided_on",
                   "prosecution_grounds", "state")


def _parse_suspect(row: _Row, order: int, case_received: dt.date | None, err: _Errors, look: _Lookups):
    line = row.line
    data = {
        "name": str(row.get("name", "")).strip(),
        "guilty_plea": _bool(row, "guilty_plea", err),
        "guilty_plea_on": _date(row, "guilty_plea_on", err),
        "first_offender": _bool(row, "first_offender", err),
        "occasional": _bool(row, "occasional", err),
        "negligent": _bool(row, "negligent", err),
        "relation": _choice(row, "relation", {str(label): v for v, label in Relation.choices}, err) or "none",
    }
    id_number = str(row.get("id_number", "")).strip()
    keep_id = "*" in id_number  # a masked number from our own export: keep what is stored
    if id_number and not keep_id:
        data["id_number"] = id_number
    s = services.build_suspect(data, order)
    try:
        services.validate_suspect(s)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for m in messages:
                err.add(line, key, m)
    s.received_on = case_received
    s.arrest_requested_on = _date(row, "arrest_requested_on", err)
    s.arrest_decision = _choice(row, "arrest_decision", ARREST_NAMES, err) or ""
    s.arrest_decided_on = _date(row, "arrest_decided_on", err)
    s.arrest_grounds = str(row.get("arrest_grounds", "")).strip()
    s.prosecution_received_on = _date(row, "prosecution_received_on", err)
    s.prosecution_decision = _choice(row, "prosecution_decision", PROSECUTION_NAMES, err) or ""
    s.prosecution_decided_on = _date(row, "prosecution_decided_on", err)
    s.prosecution_grounds = str(row.get("prosecution_grounds", "")).strip()
    if bool(s.arrest_decision) != bool(s.arrest_decided_on):
        err.add(line, "arrest_decided_on", _("逮捕决定和决定日期须同时填写。"))
    if s.arrest_decision and not s.arrest_requested_on:
        s.arrest_requested_on = case_received
    if s.arrest_decided_on and s.arrest_requested_on and s.arrest_decided_on < s.arrest_requested_on:
        err.add(line, "arrest_decided_on", _("逮捕决定日期不能早于提请逮捕日期。"))
    if s.arrest_decision == "not_approved" and not s.arrest_grounds:
        err.add(line, "arrest_grounds", _("不批准逮捕须填写理由。"))
    if bool(s.prosecution_decision) != bool(s.prosecution_decided_on):
        err.add(line, "prosecution_decided_on", _("起诉决定和决定日期须同时填写。"))
    if s.prosecution_decision and not s.prosecution_received_on:
        s.prosecution_received_on = s.arrest_decided_on or case_received
    if s.prosecution_decided_on and s.prosecution_received_on and s.prosecution_decided_on < s.prosecution_received_on:
        err.add(line, "prosecution_decided_on", _("起诉决定日期不能早于移送审查起诉日期。"))
    if s.prosecution_received_on and s.arrest_requested_on and not s.arrest_decision:
        err.add(line, "arrest_decision", _("提请逮捕后移送审查起诉的，须先填写逮捕决定。"))
    if s.prosecution_decision in ("relative", "other") and not s.prosecution_grounds:
        err.add(line, "prosecution_grounds", _("不起诉须填写理由。"))
    if s.arrest_requested_on and case_received and s.arrest_requested_on < case_received - dt.timedelta(days=30):
        err.add(line, "arrest_requested_on", _("提请逮捕日期与受理日期不符。"))
    s.state = _state_of(s)
    plan = _parse_plan(row, s, err, look)
    return s, plan, keep_id


def _parse_plan(row: _Row, s: Suspect, err: _Errors, look: _Lookups) -> dict[str, Any] | None:
    partner_name = str(row.get("partner", "")).strip()
    evaluation = _choice(row, "evaluation", EVALUATION_NAMES, err)
    if not partner_name:
        if evaluation is not None:
            err.add(row.line, "partner", _("填写了志愿服务评估，须同时填写志愿服务单位。"))
        return None
    partner = _agency(row, "partner", (Agency.Kind.PARTNER,), look, err)
    if not s.guilty_plea:
        err.add(row.line, "partner", _("犯罪嫌疑人须认罪认罚后才能参加志愿服务。"))
    service_type = _choice(row, "service_type", {str(label): v for v, label in ServiceType.choices}, err) or "other"
    try:
        hours = Decimal(str(row.get("planned_hours") or "0"))
    except InvalidOperation:
        err.add(row.line, "planned_hours", _("须为数字。"))
        hours = Decimal(0)
    if hours <= 0:
        err.add(row.line, "planned_hours", _("志愿服务时长须大于 0。"))
    evaluated_on = _date(row, "evaluated_on", err)
    if evaluation is not None and evaluated_on is None:
        err.add(row.line, "evaluated_on", _("评估结果须填写评估日期。"))
    if s.prosecution_decision == "relative" and evaluation is not True:
        err.add(row.line, "evaluation", _("参加志愿服务后作出相对不起诉的，志愿服务评估须为合格。"))
    start = s.guilty_plea_on or s.prosecution_received_on or s.arrest_requested_on
    return {"partner": partner, "service_type": service_type, "planned_hours": hours, "start": start,
            "evaluation": evaluation, "evaluated_on": evaluated_on}


def _suspect_values(s: Suspect) -> tuple:
    return tuple(getattr(s, f) for f in SUSPECT_COMPARE)


def _importers_procuratorate(by) -> Agency:
    procuratorate = by.agency if by is not None and getattr(by, "agency_id", None) else None
    if procuratorate is None or procuratorate.kind != Agency.Kind.PROCURATORATE:
        raise ValidationError({"file": _("只有检察院的工作人员可以导入检察院台账。")})
    return procuratorate


def import_minor_cases(rows: list[_Row], *, by, dry_run: bool = False) -> Report:
    report = Report("minor_cases", rows=len(rows))
    err = _Errors(report, CASE_COLUMNS)
    look = _Lookups()
    procuratorate = _importers_procuratorate(by)
    groups: OrderedDict[str, list[_Row]] = OrderedDict()
    for row in rows:
        number = str(row.get("number", "")).strip()
        if not number:
            err.add(row.line, "number", _("必填。"))
            continue
        groups.setdefault(number, []).append(row)
    parsed: list[tuple[Any, ...]] = []  # values are checked; any error returned before they are used
    for number, group in groups.items():
        first = group[0]
        offence = look.offences.get(str(first.get("offence", "")).strip())
        if offence is None:
            err.add(first.line, "offence", _("未知的罪名：%(v)s") % {"v": first.get("offence", "")})
        received = _date(first, "received_on", err, required=True)
        police = _agency(first, "police_agency", (Agency.Kind.POLICE_BUREAU, Agency.Kind.POLICE_STATION), look, err)
        if not str(first.get("police_agency", "")).strip():
            err.add(first.line, "police_agency", _("必填。"))
        jur_code = str(first.get("jurisdiction", "")).strip()
        jurisdiction = look.jurisdiction(jur_code) if jur_code else (police.jurisdiction if police else None)
        if jur_code and jurisdiction is None:
            err.add(first.line, "jurisdiction", _("未知的区划代码：%(v)s") % {"v": jur_code})
        fast = _bool(first, "fast_track", err)
        suspects = []
        for i, row in enumerate(group):
            if str(row.get("received_on", "")) and _date(row, "received_on", _Errors(Report("x"), CASE_COLUMNS)) != received:
                err.add(row.line, "received_on", _("同一案件编号的各行受理日期须一致。"))
            suspects.append(_parse_suspect(row, i, received, err, look))
        names = [s.name for s, _p, _k in suspects]
        if len(set(names)) != len(names):
            err.add(group[-1].line, "name", _("同一案件中犯罪嫌疑人姓名重复。"))
        parsed.append((number, offence, received, police, jurisdiction, fast, suspects))
    if report.errors:
        return report
    existing = {c.number: c for c in MinorCase.objects.filter(number__in=list(groups)).prefetch_related("suspects")}
    mine = set(restrict(MinorCase.objects.filter(number__in=list(existing)), by, "change").values_list("number", flat=True))
    plan_rows = []
    for number, offence, received, police, jurisdiction, fast, suspects in parsed:
        case = existing.get(number)
        if case is None:
            report.created += 1
            continue
        if number not in mine:
            err.add(groups[number][0].line, "number", _("案件编号已被其他单位使用：%(n)s") % {"n": number})
            continue
        known = {s.name: s for s in case.suspects.all()}
        same = (case.offence_id == offence.pk and case.received_on == received and case.police_agency_id == police.pk
                and case.jurisdiction_id == getattr(jurisdiction, "pk", None)
                and case.fast_track == fast and set(known) == {s.name for s, _p, _k in suspects})
        if same:
            for s, _plan, keep in suspects:
                old = known[s.name]
                if keep:
                    s.id_number_index = old.id_number_index
                if _suspect_values(old) != _suspect_values(s):
                    same = False
        report.unchanged += same
        report.updated += not same
    if dry_run or report.errors:
        return report
    if not can(by, "import", MinorCase):
        raise ValidationError({"file": _("无权导入检察院台账。")})
    with transaction.atomic():
        for number, offence, received, police, jurisdiction, fast, suspects in parsed:
            case = existing.get(number)
            if case is None:
                case = MinorCase.objects.create(number=number, offence=offence, procuratorate=procuratorate,
                                                police_agency=police, jurisdiction=jurisdiction, received_on=received,
                                                fast_track=fast, source=Source.EXCEL, created_by=by)
                stored: dict[str, Suspect] = {}
            else:
                MinorCase.objects.filter(pk=case.pk).update(offence=offence, received_on=received, police_agency=police,
                                                            jurisdiction=jurisdiction, fast_track=fast)
                # The copies on suspects and plans follow the case (statistics filter by them).
                Suspect.objects.filter(case=case).update(jurisdiction=jurisdiction)
                VolunteerPlan.objects.filter(suspect__case=case).update(jurisdiction=jurisdiction)
                stored = {x.name: x for x in case.suspects.all()}
            for s, plan, keep in suspects:
                s.case, s.procuratorate_id, s.jurisdiction = case, case.procuratorate_id, jurisdiction
                prev = stored.get(s.name)
                if prev is not None:
                    if keep:
                        s.id_number, s.id_number_index, s.id_number_masked = (
                            prev.id_number, prev.id_number_index, prev.id_number_masked)
                    if _suspect_values(prev) == _suspect_values(s):
                        continue
                    s.pk, s.uuid = prev.pk, prev.uuid
                    s.save()
                else:
                    s.save()
                    _open_deadline_for(s, by)
                if plan is not None:
                    plan_rows.append((s, plan))
        for s, plan in plan_rows:
            _import_plan(s, plan, by)
        record(actor=by, event_type=AuditEvent.PROCURATORATE_CHANGED, action="procuratorate.ledger_imported",
               after={"kind": report.kind, "rows": report.rows, "created": report.created, "updated": report.updated,
                      "unchanged": report.unchanged, "numbers": list(groups)[:200]})
    report.written = True
    return report


def _open_deadline_for(s: Suspect, by) -> None:
    if s.state == "arrest_review" and s.arrest_requested_on:
        services._start(target=s, kind=services.ARREST_REVIEW, key="procuratorate.arrest_review_days",
                        on=s.arrest_requested_on, by=by)
    elif s.state == "prosecution_review" and s.prosecution_received_on:
        key = "procuratorate.fast_track_days" if s.case.fast_track else "procuratorate.prosecution_review_months"
        services._start(target=s, kind=services.PROSECUTION_REVIEW, key=key, on=s.prosecution_received_on, by=by)


def _import_plan(s: Suspect, plan: dict[str, Any], by) -> None:
    start = plan["start"] or s.case.received_on
    end = max(start, plan["evaluated_on"] or start)
    state = {True: "passed", False: "failed", None: "active"}[plan["evaluation"]]
    VolunteerPlan.objects.update_or_create(
        suspect=s,
        defaults={"partner": plan["partner"], "procuratorate_id": s.case.procuratorate_id,
                  "jurisdiction_id": s.jurisdiction_id,
                  "service_type": plan["service_type"], "consent_on": start,
                  "start_on": start, "end_on": end, "planned_hours": plan["planned_hours"], "state": state,
                  "evaluated_on": plan["evaluated_on"], "created_by": by,
                  "not_prosecuted": s.prosecution_decision in ("relative", "other")},
    )


# --- early-involvement ledger --------------------------------------------------------------------------


def import_early_involvements(rows: list[_Row], *, by, dry_run: bool = False) -> Report:
    report = Report("early_involvements", rows=len(rows))
    err = _Errors(report, EARLY_COLUMNS)
    look = _Lookups()
    procuratorate = _importers_procuratorate(by)
    outcomes = {str(label): v for v, label in EarlyInvolvement.Outcome.choices}
    parsed: list[EarlyInvolvement] = []
    seen: set[str] = set()
    for row in rows:
        number = str(row.get("number", "")).strip()
        if number in seen:
            err.add(row.line, "number", _("案件编号在文件中重复：%(n)s") % {"n": number})
        seen.add(number)
        offence = look.offences.get(str(row.get("offence", "")).strip())
        if offence is None:
            err.add(row.line, "offence", _("未知的案件类别：%(v)s") % {"v": row.get("offence", "")})
        police = _agency(row, "police_agency", (Agency.Kind.POLICE_BUREAU, Agency.Kind.POLICE_STATION), look, err)
        jur_code = str(row.get("jurisdiction", "")).strip()
        jurisdiction = look.jurisdiction(jur_code) if jur_code else None
        if jur_code and jurisdiction is None:
            err.add(row.line, "jurisdiction", _("未知的区划代码：%(v)s") % {"v": jur_code})
        data = {"number": number, "offence": offence, "procuratorate": procuratorate, "police_agency": police,
                "jurisdiction": jurisdiction, "started_on": _date(row, "started_on", err, required=True),
                "guidance": str(row.get("guidance", "")).strip(),
                "outcome": _choice(row, "outcome", outcomes, err) or "pending",
                "outcome_note": str(row.get("outcome_note", "")).strip()}
        if offence is None or police is None or data["started_on"] is None:
            continue
        try:
            parsed.append(services.build_early_involvement(data, source=Source.EXCEL))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                for m in messages:
                    err.add(row.line, key, m)
    if report.errors:
        return report
    existing = {e.number: e for e in EarlyInvolvement.objects.filter(number__in=[e.number for e in parsed])}
    fields = ("offence_id", "police_agency_id", "jurisdiction_id", "started_on", "guidance", "outcome", "outcome_note")
    changed = []
    new = []
    for e in parsed:
        old = existing.get(e.number)
        if old is None:
            new.append(e)
        elif tuple(getattr(old, f) for f in fields) != tuple(getattr(e, f) for f in fields):
            e.pk, e.uuid = old.pk, old.uuid
            changed.append(e)
    report.created, report.updated, report.unchanged = len(new), len(changed), len(parsed) - len(new) - len(changed)
    if dry_run:
        return report
    if not can(by, "import", EarlyInvolvement):
        raise ValidationError({"file": _("无权导入检察院台账。")})
    with transaction.atomic():
        EarlyInvolvement.objects.bulk_create(new, batch_size=500)
        if changed:
            EarlyInvolvement.objects.bulk_update(changed, [f.removesuffix("_id") for f in fields], batch_size=500)
        record(actor=by, event_type=AuditEvent.PROCURATORATE_CHANGED, action="procuratorate.ledger_imported",
               after={"kind": report.kind, "rows": report.rows, "created": report.created, "updated": report.updated,
                      "unchanged": report.unchanged})
    report.written = True
    return report


def import_file(*, data: bytes | IO[bytes], filename: str, kind: str, by, dry_run: bool = False) -> Report:
    """Read and import one ledger file. A dry run, or a file with errors, writes nothing: the
    report lists every error by row and column."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("未知的台账类型：%(k)s") % {"k": kind}})
    rows = read_rows(data, filename=filename, kind=kind)
    if kind == "minor_cases":
        return import_minor_cases(rows, by=by, dry_run=dry_run)
    return import_early_involvements(rows, by=by, dry_run=dry_run)


def errors_as_validation(report: Report) -> ValidationError:
    errors: dict[str, list[str]] = {}
    for e in report.errors:
        errors.setdefault(f"第{e['row']}行·{e['column']}", []).append(e["message"])
    return ValidationError(errors)


# --- export ---------------------------------------------------------------------------------------------


def _yes(value: bool) -> str:
    return "是" if value else "否"


def export_minor_cases(*, user, cases) -> bytes:
    """The minor-case ledger as .xlsx, one row per suspect, ID numbers masked. One audit entry."""
    title, columns = KINDS["minor_cases"]
    suspects = (Suspect.objects.filter(case__in=cases.values("pk"))
                .select_related("case", "case__offence", "case__police_agency", "case__jurisdiction",
                                "volunteer_plan", "volunteer_plan__partner")
                .order_by("case__received_on", "case__number", "order", "pk"))
    count = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal count
        arrest = {v: str(label) for v, label in ArrestDecision.choices}
        prosecution = {"prosecute": "起诉", "relative": "相对不起诉", "other": "其他不起诉"}
        service = {v: str(label) for v, label in ServiceType.choices}
        relation = {v: str(label) for v, label in Relation.choices}
        for s in suspects.iterator(chunk_size=2000):
            c = s.case
            plan = getattr(s, "volunteer_plan", None)
            yield [
                c.number, c.offence.name, c.received_on, c.police_agency.name, c.jurisdiction.code, _yes(c.fast_track),
                s.name, s.id_number_masked or (mask_id_number(s.id_number) if s.id_number else ""), _yes(s.guilty_plea),
                s.guilty_plea_on, _yes(s.first_offender), _yes(s.occasional), _yes(s.negligent), relation[s.relation],
                s.arrest_requested_on, arrest.get(s.arrest_decision, ""), s.arrest_decided_on, s.arrest_grounds,
                s.prosecution_received_on, prosecution.get(s.prosecution_decision, ""), s.prosecution_decided_on,
                s.prosecution_grounds,
                plan.partner.name if plan else "", service.get(plan.service_type, "") if plan else "",
                float(plan.planned_hours) if plan else "",
                {"passed": "合格", "failed": "不合格"}.get(plan.state, "") if plan else "",
                plan.evaluated_on if plan else None,
            ]
            count += 1

    content = ss.export_workbook(title, [h for _k, h, _r in columns], rows())
    record(actor=user, event_type=AuditEvent.EXPORTED, action="procuratorate.ledger_exported",
           after={"kind": "minor_cases", "rows": count})
    return content


def template_workbook(kind: str) -> bytes:
    return ss.workbook_bytes(ss.template(LEDGERS[kind]))
