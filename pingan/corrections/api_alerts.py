"""/api/v1/corrections/ (slice 2): alerts and their verification, sanctions with their
documents, leave, travel-record and sanctions-ledger imports, statistics. Thin: services do the
work, selectors/restrict decide visibility (another office's record is a 404)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from pingan.core.documents import DOCX_CONTENT_TYPE, PDF_CONTENT_TYPE
from pingan.core.errors import ApplicationError
from pingan.core.schemas import StrictSchema
from pingan.orgs.api_auth import scope_required
from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import get_for, requires, restrict

from . import alerts, documents, leave, ledger, sanctions, selectors, statistics, travel
from .models import Alert, Leave, Sanction, Supervisee, TravelRecord
from .tables import read_table

router = Router(tags=["corrections"])


class AlertOut(Schema):
    id: int
    supervisee_id: int
    supervisee_name: str
    justice_office: str
    kind: str
    kind_label: str
    severity: str
    source: str
    state: str
    occurred_at: datetime
    raised_at: datetime
    verify_due: datetime | None
    escalated_at: datetime | None
    evidence: dict
    fix_ids: list[int]
    outcome_reason: str


def alert_out(a: Alert) -> dict:
    return {"id": a.pk, "supervisee_id": a.supervisee_id, "supervisee_name": a.supervisee.name,
            "justice_office": a.justice_office.name, "kind": a.kind, "kind_label": str(a.get_kind_display()),
            "severity": a.severity, "source": a.source, "state": a.state, "occurred_at": a.occurred_at,
            "raised_at": a.raised_at, "verify_due": a.verify_due, "escalated_at": a.escalated_at,
            "evidence": a.evidence, "fix_ids": a.fix_ids, "outcome_reason": a.outcome_reason}


class AlertIn(StrictSchema):
    supervisee_id: int
    kind: str
    occurred_at: datetime
    source: str = "platform"
    evidence: dict[str, Any] = {}


class VerifyIn(StrictSchema):
    outcome: Literal["violation", "false_alarm", "justified"]
    reason: str = ""
    facts: dict[str, Any] = {}


class SanctionOut(Schema):
    id: int
    supervisee_id: int
    alert_id: int | None
    kind: str
    proposed_kind: str
    state: str
    facts: str
    found_by_system: bool
    decided_on: date | None
    document_number: str
    notified_at: datetime | None
    court_decision: str


class ReasonIn(StrictSchema):
    reason: str = ""


class NotifyIn(StrictSchema):
    method: str = "当面宣告"


class DecisionIn(StrictSchema):
    decision: str


class ProposeIn(StrictSchema):
    supervisee_id: int
    description: str
    facts: dict[str, Any] = {}
    kind: str | None = None


class LeaveIn(StrictSchema):
    supervisee_id: int
    reason: str
    destination: str
    start_date: date
    end_date: date
    geometry: dict | None = None
    lat: float | None = None
    lon: float | None = None
    radius_m: float | None = None


class LeaveOut(Schema):
    id: int
    supervisee_id: int
    destination: str
    start_date: date
    end_date: date
    approver: str
    state: str
    area_id: int | None
    returned_at: datetime | None


class ImportOut(Schema):
    received: int
    created: int
    duplicates: int
    unmatched: int = 0
    alerts: list[int] = []
    errors: dict[str, list[dict[str, str]]]


# --- alerts -------------------------------------------------------------------------------------

@router.get("/alerts", response=list[AlertOut])
@scope_required("read")
@paginate(LimitOffsetPagination)
def list_alerts(request: HttpRequest, state: str | None = None, kind: str | None = None):
    return [alert_out(a) for a in selectors.alert_list(user=request.user, state=state, kind=kind)]


@router.get("/alerts/{pk}", response=AlertOut)
@scope_required("read")
def get_alert(request: HttpRequest, pk: int):
    return alert_out(selectors.alert_get(user=request.user, pk=pk))


@router.post("/alerts", response={201: AlertOut}, summary="登记告警（外部平台或人工）")
@scope_required("write")
@requires("add", Alert)
def create_alert(request: HttpRequest, payload: AlertIn):
    person = get_for(Supervisee.objects.all(), user=request.user, pk=payload.supervisee_id, action="view")
    a = alerts.raise_alert(supervisee=person, kind=payload.kind, occurred_at=payload.occurred_at,
                           evidence=payload.evidence, source=payload.source, by=request.user)
    return Status(201, alert_out(selectors.alert_get(user=request.user, pk=a.pk)))


@router.post("/alerts/{pk}/verify", response=AlertOut, summary="核查告警")
@scope_required("write")
def verify(request: HttpRequest, pk: int, payload: VerifyIn):
    a = selectors.alert_get(user=request.user, pk=pk, action="verify")
    alerts.verify_alert(alert=a, outcome=payload.outcome, by=request.user, reason=payload.reason, facts=payload.facts)
    return alert_out(selectors.alert_get(user=request.user, pk=pk))


# --- sanctions ----------------------------------------------------------------------------------

def _sanction(request, pk: int, action: str = "view") -> Sanction:
    return get_for(Sanction.objects.select_related("supervisee"), user=request.user, pk=pk, action=action)


@router.get("/sanctions", response=list[SanctionOut])
@scope_required("read")
@paginate(LimitOffsetPagination)
def list_sanctions(request: HttpRequest, state: str | None = None):
    qs = restrict(Sanction.objects.all(), request.user, "view")
    return qs.filter(state=state) if state else qs


@router.post("/sanctions", response={201: SanctionOut}, summary="提出处理建议（非告警发现）")
@scope_required("write")
@requires("propose_sanction", Sanction)
def propose(request: HttpRequest, payload: ProposeIn):
    person = get_for(Supervisee.objects.all(), user=request.user, pk=payload.supervisee_id, action="view")
    return Status(201, sanctions.propose_sanction(supervisee=person, by=request.user, facts=payload.facts,
                                                  description=payload.description, kind=payload.kind))


@router.post("/sanctions/{pk}/approve", response=SanctionOut)
@scope_required("write")
def approve(request: HttpRequest, pk: int, payload: ReasonIn):
    return sanctions.approve_sanction(sanction=_sanction(request, pk), by=request.user, reason=payload.reason)


@router.post("/sanctions/{pk}/reject", response=SanctionOut)
@scope_required("write")
def reject(request: HttpRequest, pk: int, payload: ReasonIn):
    return sanctions.reject_sanction(sanction=_sanction(request, pk), by=request.user, reason=payload.reason)


@router.post("/sanctions/{pk}/notify", response=SanctionOut, summary="登记送达本人")
@scope_required("write")
def notify(request: HttpRequest, pk: int, payload: NotifyIn):
    return sanctions.notify_sanction(sanction=_sanction(request, pk), by=request.user, method=payload.method)


@router.post("/sanctions/{pk}/submit", response=SanctionOut, summary="提请法院/公安机关")
@scope_required("write")
def submit(request: HttpRequest, pk: int):
    return sanctions.submit_sanction(sanction=_sanction(request, pk), by=request.user)


@router.post("/sanctions/{pk}/decision", response=SanctionOut, summary="登记法院/公安机关决定")
@scope_required("write")
def decision(request: HttpRequest, pk: int, payload: DecisionIn):
    return sanctions.record_decision(sanction=_sanction(request, pk), by=request.user, decision=payload.decision)


@router.get("/sanctions/{pk}/document", summary="下载文书（docx 或 pdf）")
@scope_required("read")
def document(request: HttpRequest, pk: int, format: Literal["docx", "pdf"] = "pdf"):  # noqa: A002
    s = _sanction(request, pk)
    body = documents.sanction_pdf(s) if format == "pdf" else documents.sanction_docx(s)
    resp = HttpResponse(body, content_type=PDF_CONTENT_TYPE if format == "pdf" else DOCX_CONTENT_TYPE)
    from urllib.parse import quote

    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(documents.filename(s, format))}"
    return resp


@router.post("/sanctions/ledger", response=ImportOut, summary="导入奖惩台账（Excel/CSV）")
@scope_required("write")
@requires("add", Sanction)
def import_ledger(request: HttpRequest, file: UploadedFile = File(...)):  # noqa: B008
    return ledger.import_sanctions_ledger(file=file, by=request.user)


# --- leave --------------------------------------------------------------------------------------

def _leave(request, pk: int) -> Leave:
    return get_for(Leave.objects.select_related("supervisee", "area"), user=request.user, pk=pk, action="view")


@router.post("/leaves", response={201: LeaveOut}, summary="外出申请")
@scope_required("write")
@requires("add", Leave)
def apply(request: HttpRequest, payload: LeaveIn):
    person = get_for(Supervisee.objects.all(), user=request.user, pk=payload.supervisee_id, action="view")
    data = payload.dict(exclude={"supervisee_id"})
    return Status(201, leave.apply_leave(supervisee=person, by=request.user, **data))


@router.get("/leaves", response=list[LeaveOut])
@scope_required("read")
@paginate(LimitOffsetPagination)
def list_leaves(request: HttpRequest, state: str | None = None):
    qs = restrict(Leave.objects.all(), request.user, "view")
    return qs.filter(state=state) if state else qs


@router.post("/leaves/{pk}/approve", response=LeaveOut)
@scope_required("write")
def approve_leave(request: HttpRequest, pk: int):
    return leave.approve_leave(leave=_leave(request, pk), by=request.user)


@router.post("/leaves/{pk}/reject", response=LeaveOut)
@scope_required("write")
def reject_leave(request: HttpRequest, pk: int, payload: ReasonIn):
    return leave.reject_leave(leave=_leave(request, pk), by=request.user, reason=payload.reason)


@router.post("/leaves/{pk}/return", response=LeaveOut, summary="销假")
@scope_required("write")
def report_return(request: HttpRequest, pk: int):
    return leave.report_return(leave=_leave(request, pk), by=request.user)


# --- travel records -----------------------------------------------------------------------------

class TravelIn(StrictSchema):
    record_id: str
    kind: str
    id_number: str
    occurred_at: datetime
    place: str = ""
    region_code: str = ""
    lat: float | None = None
    lon: float | None = None


@router.post("/travel-records", response=ImportOut, summary="提交公安信息查询结果（JSON）")
@scope_required("write")
@requires("add", TravelRecord)
def post_travel(request: HttpRequest, payload: list[TravelIn]):
    return travel.import_travel_records(rows=[p.dict() for p in payload], by=request.user)


@router.post("/travel-records/import", response=ImportOut, summary="导入公安信息查询结果（Excel/CSV）")
@scope_required("write")
@requires("add", TravelRecord)
def import_travel(request: HttpRequest, file: UploadedFile = File(...)):  # noqa: B008
    return travel.import_travel_records(rows=read_table(file, file.name or ""), by=request.user)


# --- statistics ---------------------------------------------------------------------------------

class CountOut(Schema):
    total: int
    found_by_system: int


class StatsOut(Schema):
    since: date
    until: date
    sanctions: dict[str, CountOut]
    alerts: dict[str, dict[str, int]]
    checkins: dict[str, float]


@router.get("/statistics", response=StatsOut, summary="统计（任意期间、辖区）")
@scope_required("read")
def stats(request: HttpRequest, since: date, until: date, jurisdiction: str | None = None):
    if until < since:
        raise ApplicationError(_("结束日期不能早于开始日期。"), code="invalid_range", field="until")
    j = Jurisdiction.objects.filter(code=jurisdiction).first() if jurisdiction else None
    if jurisdiction and j is None:
        raise ApplicationError(_("辖区不存在。"), code="invalid", field="jurisdiction")
    return statistics.overview(user=request.user, since=since, until=until, jurisdiction=j)
