"""Bulk import of the court's ledger of pre-litigation cases (诉前调解台账), for the years before
the platform and for cases kept in Excel: the JSON batch API and the Excel ledger both call
`import_cases`.

A historical case comes in directly in its final state, with its own dates (received, delegated,
decided): outcome → state as the workflow would have left it (调解书 → document issued, 司法确认
→ confirmed, 现场兑现/和好/撤诉 → resolved, 转立案 → returned for filing; no outcome → delegated,
or received when it was never delegated). Its dispute comes in the state the court link gives
(link.py), through pingan.disputes.bulk. Each case and dispute gets one "import" entry in the
transition log; the batch gets one audit entry. No outbox events, deadlines or case numbers are
issued for the past: the ledger's own number (案号) is kept as written.

A row is identified by its ledger reference (台账编号 → the dispute's external reference, source
"court") and, when given, its case number: importing the same ledger again skips unchanged rows
and updates changed ones (only cases that came in by import: a case handled in the product is
never rewritten by a spreadsheet). The whole batch is one transaction — any row error, nothing
written — and a dry run is the same import rolled back, so the preview sees every check the real
run makes (permissions and database constraints included)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core import deadlines as dl
from pingan.core.audit import AuditEvent, record
from pingan.core.workflow import record_imported
from pingan.disputes import bulk as dispute_bulk
from pingan.disputes import services as dispute_services
from pingan.disputes.models import Category, Dispute, Source
from pingan.orgs.models import Agency, Jurisdiction
from pingan.orgs.permissions import restrict

from .link import dispute_state_for
from .models import CourtCase, Outcome, ReturnReason
from .services import COURT_KINDS, MEDIATION_KINDS, _noon
from .workflow import COURT_CASE

S = CourtCase.State
MAX_ROWS = 10_000
OUTCOME_STATE: dict[str, str] = {
    Outcome.MEDIATION_DOCUMENT: S.DOCUMENT_ISSUED,
    Outcome.JUDICIAL_CONFIRMATION: S.CONFIRMED,
    Outcome.PERFORMED: S.RESOLVED,
    Outcome.RECONCILED: S.RESOLVED,
    Outcome.WITHDRAWN: S.RESOLVED,
    Outcome.RETURNED: S.RETURNED_FOR_FILING,
}
_NUMBER_YEAR = re.compile(r"^[（(](\d{4})[）)]")
COMPARED = ("claim", "amount", "received_on", "filing_division", "number", "delegated_to_id", "delegated_at",
            "outcome", "outcome_at", "return_reason", "state")


@dataclass
class CaseRow:
    """One ledger row as the API or the spreadsheet gives it (codes, not objects)."""

    ref: str
    title: str
    facts: str
    claim: str
    category: str
    jurisdiction: str
    received_on: dt.date | None
    parties: list[dict[str, Any]]
    number: str = ""
    amount: Decimal = Decimal("0")
    filing_division: str = ""
    delegated_to: str = ""
    delegated_on: dt.date | None = None
    outcome: str = ""
    outcome_on: dt.date | None = None
    return_reason: str = ""


@dataclass
class RowError:
    index: int  # 0-based position in the batch
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    dry_run: bool
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # per row: create / update / skip / error

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "created": self.created, "updated": self.updated,
                "skipped": self.skipped, "errors": [e.as_dict() for e in self.errors], "actions": self.actions}


class ImportRejected(Exception):
    """The batch has row errors; nothing was written. Carries the result with the errors."""

    def __init__(self, result: ImportResult):
        super().__init__(_("导入数据有 %(n)s 处错误，未写入任何数据。") % {"n": len(result.errors)})
        self.result = result

    def as_validation_error(self) -> ValidationError:
        errors: dict[str, list[str]] = {}
        for e in self.result.errors:
            errors.setdefault(f"cases.{e.index}.{e.field}", []).append(e.message)
        return ValidationError(errors)


class _Lookups:
    """Codes resolved once for the batch."""

    def __init__(self, rows: Sequence[CaseRow]):
        self.categories = {c.code: c for c in Category.objects.filter(active=True)}
        self.places = {j.code: j for j in Jurisdiction.objects.filter(code__in={r.jurisdiction for r in rows})}
        self.agencies = {a.code: a for a in Agency.objects.filter(code__in={r.delegated_to for r in rows if r.delegated_to},
                                                                   is_active=True)}


@dataclass
class _Planned:
    index: int
    row: CaseRow
    state: str
    case_values: dict[str, Any]
    dispute_data: dict[str, Any]
    existing: CourtCase | None = None


def _outcome_checks(row: CaseRow, today: dt.date, err) -> str:
    """Dates and outcome consistent with each other; returns the case's state."""
    if row.received_on is not None and row.received_on > today:
        err("received_on", _("收案日期不能晚于今天。"))
    if row.delegated_on is not None:
        if not row.delegated_to:
            err("delegated_to", _("填写了委派日期，须同时填写受委派的调解组织。"))
        if row.received_on is not None and row.delegated_on < row.received_on:
            err("delegated_on", _("委派日期不能早于收案日期。"))
        if row.delegated_on > today:
            err("delegated_on", _("委派日期不能晚于今天。"))
    elif row.delegated_to:
        err("delegated_on", _("填写了受委派的调解组织，须同时填写委派日期。"))
    if row.outcome and row.outcome not in OUTCOME_STATE:
        err("outcome", _("结果取值无效，可选：%(v)s。") % {"v": "、".join(str(o) for o in OUTCOME_STATE)})
        return S.RECEIVED
    if row.return_reason and row.return_reason not in ReturnReason.values:
        err("return_reason", _("转立案原因取值无效，可选：%(v)s。") % {"v": "、".join(ReturnReason.values)})
    if row.outcome == Outcome.RETURNED:
        if not row.return_reason:
            err("return_reason", _("转立案的案件须填写转立案原因。"))
        elif row.return_reason != ReturnReason.REFUSED and row.delegated_on is None:
            err("delegated_on", _("调解不成、期限届满或确认被驳回而转立案的，须填写委派日期。"))
    elif row.return_reason:
        err("return_reason", _("只有转立案的案件填写转立案原因。"))
    if row.outcome and row.outcome != Outcome.RETURNED and row.delegated_on is None:
        err("delegated_on", _("调解成功的案件须填写委派日期。"))
    if row.outcome and row.outcome_on is None:
        err("outcome_on", _("填写了结果，须同时填写结案日期。"))
    if row.outcome_on is not None:
        if not row.outcome:
            err("outcome", _("填写了结案日期，须同时填写结果。"))
        start = row.delegated_on or row.received_on
        if start is not None and row.outcome_on < start:
            err("outcome_on", _("结案日期不能早于委派（或收案）日期。"))
        if row.outcome_on > today:
            err("outcome_on", _("结案日期不能晚于今天。"))
    if row.outcome:
        return OUTCOME_STATE[row.outcome]
    return S.DELEGATED if row.delegated_on else S.RECEIVED


def _plan(index: int, row: CaseRow, *, court: Agency, lk: _Lookups, today: dt.date,
          errors: list[RowError]) -> _Planned | None:
    before = len(errors)

    def err(f: str, message: str) -> None:
        errors.append(RowError(index, f, message))

    ref = (row.ref or "").strip()
    if not ref:
        err("ref", _("必填项。"))
    elif len(ref) > 100:
        err("ref", _("过长（最多 %(n)s 个字符）。") % {"n": 100})
    for name in ("title", "facts", "claim"):
        if not (getattr(row, name) or "").strip():
            err(name, _("必填项。"))
    if row.received_on is None:
        err("received_on", _("必填项。"))
    category = lk.categories.get(row.category)
    if category is None:
        err("category", _("未知的纠纷类别：%(code)s") % {"code": row.category})
    place = lk.places.get(row.jurisdiction)
    if place is None:
        err("jurisdiction", _("未知的区划代码：%(code)s") % {"code": row.jurisdiction})
    org = None
    if row.delegated_to:
        org = lk.agencies.get(row.delegated_to)
        if org is None or org.kind not in MEDIATION_KINDS:
            err("delegated_to", _("受委派组织须为在用的人民调解中心或人民调解委员会：%(code)s") % {"code": row.delegated_to})
    number = (row.number or "").strip()
    if number:
        m = _NUMBER_YEAR.match(number)
        if m is None:
            err("number", _("案号格式应为“（年份）法院代字类型代字序号号”。"))
        elif int(m[1]) >= today.year:
            # This year's numbers come from the platform's own sequence (core.case_numbers).
            err("number", _("本年度的案号由系统编号，只能导入以往年度的案号。"))
    if row.amount is not None and row.amount < 0:
        err("amount", _("不能小于 %(n)s。") % {"n": 0})
    state = _outcome_checks(row, today, err)
    if len(errors) > before:
        return None
    assert row.received_on is not None
    delegated_at = _noon(row.delegated_on) if row.delegated_on else None
    case_values = {
        "claim": row.claim.strip(), "amount": Decimal(row.amount or 0).quantize(Decimal("0.01")),
        "received_on": row.received_on, "filing_division": (row.filing_division or "").strip(), "number": number,
        "delegated_to_id": org.pk if org else None, "delegated_at": delegated_at,
        "outcome": row.outcome, "outcome_at": _noon(row.outcome_on) if row.outcome_on else None,
        "return_reason": row.return_reason, "state": state,
    }
    dispute_data = {
        "title": row.title, "facts": row.facts, "category": category, "jurisdiction": place,
        "amount": case_values["amount"], "received_at": _noon(row.received_on), "external_ref": ref,
        "handling_agency": org or court,
    }
    return _Planned(index, row, state, case_values, dispute_data)


def _match_existing(planned: list[_Planned], errors: list[RowError]) -> None:
    refs = [p.dispute_data["external_ref"] for p in planned]
    numbers = [p.case_values["number"] for p in planned if p.case_values["number"]]
    qs = CourtCase.objects.select_related("dispute__category", "dispute__jurisdiction").prefetch_related(
        "dispute__parties")
    by_ref = {c.dispute.external_ref: c for c in qs.filter(dispute__source=Source.COURT, dispute__external_ref__in=refs)}
    by_number = {c.number: c for c in qs.filter(number__in=numbers)}
    seen_ref: dict[str, int] = {}
    seen_number: dict[str, int] = {}
    for p in planned:
        ref, number = p.dispute_data["external_ref"], p.case_values["number"]
        if ref in seen_ref:
            errors.append(RowError(p.index, "ref", _("台账编号与第 %(n)s 条重复。") % {"n": seen_ref[ref] + 1}))
        seen_ref.setdefault(ref, p.index)
        if number and number in seen_number:
            errors.append(RowError(p.index, "number", _("案号与第 %(n)s 条重复。") % {"n": seen_number[number] + 1}))
        if number:
            seen_number.setdefault(number, p.index)
        a, b = by_ref.get(ref), by_number.get(number) if number else None
        if a is not None and b is not None and a.pk != b.pk:
            errors.append(RowError(p.index, "number", _("案号属于另一案件（台账编号 %(ref)s）。")
                                   % {"ref": b.dispute.external_ref or b.dispute.title}))
        p.existing = a or b


def _changed(p: _Planned, parties: list[dict[str, Any]]) -> bool:
    case = p.existing
    assert case is not None
    if any(getattr(case, k) != v for k, v in p.case_values.items()):
        return True
    return dispute_services.would_change(
        dispute=case.dispute, parties=parties,
        data={k: v for k, v in p.dispute_data.items() if k not in ("external_ref", "handling_agency")})


def _imported_ids(cases: list[CourtCase]) -> set[int]:
    """Cases that came in by import (their log starts with "import"): one query for the batch."""
    from django.contrib.contenttypes.models import ContentType

    from pingan.core.models import Transition

    ids = Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(CourtCase), name="import",
        object_id__in=[str(c.pk) for c in cases]).values_list("object_id", flat=True)
    return {int(i) for i in ids}


def _log_data(case: CourtCase) -> dict[str, Any]:
    return {"historical": True, "received_on": case.received_on.isoformat(),
            "delegated_at": case.delegated_at.isoformat() if case.delegated_at else None,
            "outcome": case.outcome, "outcome_at": case.outcome_at.isoformat() if case.outcome_at else None}


def import_cases(*, court: Agency, rows: Sequence[CaseRow], by, dry_run: bool = False,
                 source: str = "api") -> ImportResult:
    """Import the batch for `court` (all or nothing). Raises ImportRejected with the row errors,
    PermissionDenied when `by` may not receive cases at this court. A dry run returns what the
    import would do and writes nothing."""
    result = ImportResult(dry_run=dry_run)
    if court.kind not in COURT_KINDS:
        raise ValidationError({"court": _("受理单位须为人民法院或人民法庭。")})
    if not rows:
        raise ValidationError({"cases": _("没有要导入的案件。")})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"cases": _("一次最多导入 %(n)s 件，请分批导入。") % {"n": MAX_ROWS}})
    with transaction.atomic():
        _run(court=court, rows=rows, by=by, result=result, source=source)
        if result.errors or dry_run:
            transaction.set_rollback(True)
    if result.errors:
        result.created = result.updated = result.skipped = 0
        if not dry_run:
            raise ImportRejected(result)
    return result


def _run(*, court: Agency, rows: Sequence[CaseRow], by, result: ImportResult, source: str) -> None:
    errors = result.errors
    today = dl.local_date(timezone.now())
    lk = _Lookups(rows)
    planned = [p for i, r in enumerate(rows) if (p := _plan(i, r, court=court, lk=lk, today=today, errors=errors))]
    _match_existing(planned, errors)
    creates: list[_Planned] = []
    updates: list[_Planned] = []
    items: list[dispute_bulk.BulkDispute] = []
    for p in planned:
        if any(e.index == p.index for e in errors):
            continue
        if p.existing is None:
            item = dispute_bulk.BulkDispute(data=p.dispute_data, parties=p.row.parties,
                                            state=dispute_state_for(p.state))
            for key, messages in dispute_bulk.check(item, source=Source.COURT, by=by).items():
                for m in ValidationError(messages).messages:
                    errors.append(RowError(p.index, "ref" if key == "external_ref" else key, m))
            creates.append(p)
            items.append(item)
        elif p.existing.court_id != court.pk:
            errors.append(RowError(p.index, "ref", _("该案件属于其他法院。")))
        elif _changed(p, p.row.parties):
            updates.append(p)
    if updates:
        imported = _imported_ids([p.existing for p in updates if p.existing])
        for p in updates:
            if p.existing is not None and p.existing.pk not in imported:
                errors.append(RowError(p.index, "ref", _("该案件已在系统中办理，不能通过导入修改。")))
        allowed = set(restrict(CourtCase.objects.filter(pk__in=[p.existing.pk for p in updates if p.existing]),
                               by, "change").values_list("pk", flat=True)) if by is not None else None
        for p in updates:
            assert p.existing is not None
            if allowed is not None and p.existing.pk not in allowed:
                errors.append(RowError(p.index, "ref", _("无权修改该案件。")))
    # What each row would do, also shown by a dry run that found errors elsewhere
    failed = {e.index for e in errors}
    planned_action = {p.index: "create" for p in creates} | {p.index: "update" for p in updates}
    result.actions = ["error" if i in failed else planned_action.get(i, "skip") for i in range(len(rows))]
    if errors:
        return
    _create(court=court, creates=creates, items=items, by=by, result=result)
    if errors:
        return
    for p in updates:
        _update(p, by=by)
    result.updated = len(updates)
    result.skipped = result.actions.count("skip")
    record(actor=by, event_type=AuditEvent.COURT_CHANGED, action="court.case.import", object_type="court.courtcase",
           obj=None, reason=_("诉前调解台账导入（%(s)s）") % {"s": source},
           after={"court": court.pk, "rows": len(rows), "created": result.created, "updated": result.updated,
                  "skipped": result.skipped, "source": source})


def _create(*, court: Agency, creates: list[_Planned], items: list[dispute_bulk.BulkDispute], by,
            result: ImportResult) -> None:
    if not creates:
        return
    from django.core.exceptions import PermissionDenied

    reason = _("诉前调解台账导入（历史案件）")
    try:
        disputes = dispute_bulk.import_disputes(items=items, by=by, source=Source.COURT, reason=reason)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            i, _sep, name = key.partition(".")
            index = creates[int(i)].index if i.isdigit() else creates[0].index
            result.actions[index] = "error"
            for m in messages:
                result.errors.append(RowError(index, "ref" if (name or key) == "external_ref" else (name or key), m))
        return
    user = by if getattr(by, "pk", None) else None
    cases = [CourtCase(court=court, dispute=d, created_by=user, **p.case_values) for p, d in zip(creates, disputes,
                                                                                                 strict=True)]
    for c in cases:
        c.full_clean(exclude=["dispute", "court", "delegated_to", "created_by"], validate_unique=False,
                     validate_constraints=False)
    CourtCase.objects.bulk_create(cases, batch_size=500)
    ids = [c.pk for c in cases]
    if by is not None and restrict(CourtCase.objects.filter(pk__in=ids), by, "add").count() != len(ids):
        raise PermissionDenied(_("无权在该法院收案。"))
    record_imported(objs=cases, by=by, reason=reason, data=_log_data, workflow=COURT_CASE)
    result.created = len(cases)


def _update(p: _Planned, *, by) -> None:
    case = CourtCase.objects.select_for_update().select_related("dispute").get(pk=p.existing.pk)  # type: ignore[union-attr]
    reason = _("诉前调解台账重新导入")
    before = {k: getattr(case, k) for k in COMPARED}
    CourtCase.objects.filter(pk=case.pk).update(**p.case_values)
    case.refresh_from_db()
    dispute_services.update_dispute(
        dispute=case.dispute, by=by, reason=reason, parties=p.row.parties,
        data={k: v for k, v in p.dispute_data.items() if k != "external_ref"})
    dispute_bulk.restate_imported(dispute=Dispute.objects.get(pk=case.dispute_id),
                                  state=dispute_state_for(case.state), by=by, reason=reason)
    if before["state"] != case.state:
        record_imported(objs=[case], by=by, reason=reason, data=_log_data, workflow=COURT_CASE)
    record(actor=by, event_type=AuditEvent.COURT_CHANGED, action="court.case.reimport", obj=case, reason=reason,
           before={k: v for k, v in before.items() if v != getattr(case, k)},
           after={k: getattr(case, k) for k, v in before.items() if v != getattr(case, k)})
