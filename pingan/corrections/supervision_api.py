"""/api/v1/corrections/: search tasks (查找) and electronic monitoring decisions (电子定位装置).
Thin: services decide, selectors/get_for decide visibility (another office's record is a 404);
a decision without a statutory ground or longer than the statutory months is a 422."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from pingan.core.schemas import StrictSchema
from pingan.orgs.api_auth import scope_required

from . import evaluation, monitoring, search, selectors, supervision_selectors
from .models import Device, MonitoringDecision, SearchTask

router = Router(tags=["corrections"])


class AttemptOut(Schema):
    id: int
    searched_at: datetime
    searchers: str
    method: str
    found: bool
    place: str
    note: str


class SearchOut(Schema):
    id: int
    supervisee_id: int
    justice_office_id: int
    alert_id: int | None
    trigger: str
    reason: str
    state: str
    opened_at: datetime
    result_due: datetime | None
    found_at: datetime | None
    found_place: str
    escalated_at: datetime | None
    escalation_note: str
    attempts: list[AttemptOut]


def search_out(t: SearchTask) -> dict:
    return {**{f: getattr(t, f) for f in ("id", "supervisee_id", "justice_office_id", "alert_id", "trigger", "reason",
                                          "state", "opened_at", "result_due", "found_at", "found_place",
                                          "escalated_at", "escalation_note")},
            "attempts": list(t.attempts.all())}


class OpenSearchIn(StrictSchema):
    supervisee_id: int
    reason: str


class AttemptIn(StrictSchema):
    searched_at: datetime
    searchers: str
    method: Literal["phone", "home_visit", "family", "community", "location", "police", "other"]
    note: str
    found: bool = False
    place: str = ""


class EscalateIn(StrictSchema):
    note: str


@router.get("/searches", response=list[SearchOut], summary="查找任务")
@scope_required("read")
@paginate(LimitOffsetPagination)
def list_searches(request: HttpRequest, state: str | None = None):
    return supervision_selectors.search_list(user=request.user, state=state)


@router.get("/searches/{pk}", response=SearchOut)
@scope_required("read")
def get_search(request: HttpRequest, pk: int):
    return search_out(supervision_selectors.search_get(user=request.user, pk=pk))


@router.post("/searches", response={201: SearchOut, 200: SearchOut}, summary="标记失去联系，启动查找")
@scope_required("write")
def open_search(request: HttpRequest, payload: OpenSearchIn):
    person = selectors.supervisee_get(user=request.user, pk=payload.supervisee_id, action="open_search")
    before = search.running_task(person)
    task = search.open_search(supervisee=person, by=request.user, reason=payload.reason)
    out = search_out(supervision_selectors.search_get(user=request.user, pk=task.pk))
    return Status(200 if before is not None else 201, out)


@router.post("/searches/{pk}/attempts", response={201: SearchOut}, summary="记录一次查找")
@scope_required("write")
def add_attempt(request: HttpRequest, pk: int, payload: AttemptIn):
    task = supervision_selectors.search_get(user=request.user, pk=pk, action="change")
    search.record_attempt(task=task, by=request.user, **payload.dict())
    return Status(201, search_out(supervision_selectors.search_get(user=request.user, pk=pk)))


@router.post("/searches/{pk}/escalate", response=SearchOut, summary="查找未果，报告区县司法局和公安机关")
@scope_required("write")
def escalate(request: HttpRequest, pk: int, payload: EscalateIn):
    task = supervision_selectors.search_get(user=request.user, pk=pk, action="change")
    search.escalate(task=task, by=request.user, note=payload.note)
    return search_out(supervision_selectors.search_get(user=request.user, pk=pk))


# --- electronic monitoring -----------------------------------------------------------------------

class DecisionOut(Schema):
    id: int
    supervisee_id: int
    device_id: int | None
    ground: str
    ground_label: str
    ground_facts: str
    decision_number: str
    decided_on: date
    approved_by_name: str
    start_date: date
    end_date: date
    renewal_of_id: int | None
    state: str
    removed_at: datetime | None
    removal_reason: str

    @staticmethod
    def resolve_ground_label(obj) -> str:
        label = obj.get("ground_label") if isinstance(obj, dict) else None
        return label or monitoring.grounds().get(obj["ground"] if isinstance(obj, dict) else obj.ground, "")


def decision_out(d: MonitoringDecision) -> dict:
    return {**{f: getattr(d, f) for f in ("id", "supervisee_id", "device_id", "ground", "ground_facts",
                                          "decision_number", "decided_on", "approved_by_name", "start_date",
                                          "end_date", "renewal_of_id", "state", "removed_at", "removal_reason")},
            "ground_label": monitoring.grounds().get(d.ground, d.ground)}


class GroundOut(Schema):
    code: str
    label: str


class DecisionIn(StrictSchema):
    ground: str
    ground_facts: str
    decision_number: str
    decided_on: date
    approved_by_name: str
    end_date: date


class FitIn(DecisionIn):
    supervisee_id: int
    start_date: date
    device_id: int | None = None


class RenewIn(DecisionIn):
    start_date: date | None = None


class RemoveIn(StrictSchema):
    reason: str


@router.get("/monitoring/grounds", response=list[GroundOut], summary="电子定位装置的法定适用情形")
@scope_required("read")
def list_grounds(request: HttpRequest):
    return [{"code": c, "label": label} for c, label in monitoring.grounds().items()]


@router.get("/monitoring", response=list[DecisionOut], summary="电子定位装置使用决定")
@scope_required("read")
@paginate(LimitOffsetPagination)
def list_decisions(request: HttpRequest, state: str | None = None):
    return supervision_selectors.monitoring_list(user=request.user, state=state)


@router.post("/monitoring", response={201: DecisionOut}, summary="决定使用电子定位装置（≤ 3 个月）")
@scope_required("write")
def fit(request: HttpRequest, payload: FitIn):
    person = selectors.supervisee_get(user=request.user, pk=payload.supervisee_id, action="fit_monitoring")
    data = payload.dict()
    data.pop("supervisee_id")
    device_id = data.pop("device_id")
    device = Device.objects.filter(pk=device_id, supervisee=person).first() if device_id else None
    if device_id and device is None:
        raise monitoring.DecisionRefused(_("该设备不属于此对象。"), code="invalid", field="device_id")
    d = monitoring.fit_device(supervisee=person, by=request.user, device=device, **data)
    return Status(201, decision_out(d))


@router.post("/monitoring/{pk}/renew", response={201: DecisionOut}, summary="续用（新的决定，≤ 3 个月）")
@scope_required("write")
def renew(request: HttpRequest, pk: int, payload: RenewIn):
    d = supervision_selectors.monitoring_get(user=request.user, pk=pk, action="approve_monitoring")
    return Status(201, decision_out(monitoring.renew_device(decision=d, by=request.user, **payload.dict())))


@router.post("/monitoring/{pk}/remove", response=DecisionOut, summary="解除电子定位装置")
@scope_required("write")
def remove(request: HttpRequest, pk: int, payload: RemoveIn):
    d = supervision_selectors.monitoring_get(user=request.user, pk=pk, action="approve_monitoring")
    return decision_out(monitoring.remove_device(decision=d, by=request.user, reason=payload.reason))


# --- justice-office evaluation -------------------------------------------------------------------

class OfficeRowOut(Schema):
    office_id: int
    office: str
    rank: int
    score: float
    checkins_due: int
    checkins_passed: int
    checkin_completion: float | None
    verifications_due: int
    verified_on_time: int
    verification_timeliness: float | None
    verified: int
    false_alarms: int
    false_alarm_ratio: float | None
    overdue_alerts: int
    overdue_searches: int
    overdue: int


class EvaluationOut(Schema):
    since: date
    until: date
    offices_total: int
    rows: list[OfficeRowOut]


def _evaluation(request, since: date | None, until: date | None) -> evaluation.Evaluation:
    default_since, default_until = evaluation.default_period()
    return evaluation.evaluation_for(user=request.user, since=since or default_since, until=until or default_until)


@router.get("/evaluation", response=EvaluationOut, summary="司法所考核排名（默认本月）")
@scope_required("read")
def get_evaluation(request: HttpRequest, since: date | None = None, until: date | None = None):
    ev = _evaluation(request, since, until)
    return {"since": ev.since, "until": ev.until, "offices_total": ev.offices_total,
            "rows": [r.as_dict() for r in ev.rows]}


@router.get("/evaluation.xlsx", summary="司法所考核排名 Excel 导出")
@scope_required("read")
def get_evaluation_xlsx(request: HttpRequest, since: date | None = None, until: date | None = None):
    from pingan.core.audit import AuditEvent, record
    from pingan.core.spreadsheets import XLSX_CONTENT_TYPE

    ev = _evaluation(request, since, until)
    record(actor=request.user, event_type=AuditEvent.CORRECTIONS_CHANGED, action="evaluation_exported",
           after={"since": ev.since.isoformat(), "until": ev.until.isoformat(), "offices": len(ev.rows)})
    resp = HttpResponse(evaluation.workbook(ev), content_type=XLSX_CONTENT_TYPE)
    resp["Content-Disposition"] = f'attachment; filename="evaluation-{ev.since}-{ev.until}.xlsx"'
    return resp
