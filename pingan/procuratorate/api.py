"""/api/v1/procuratorate/: thin — parse, call a service or selector, shape the answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from pingan.core.pagination import PagePagination
from pingan.core.spreadsheets import XLSX_CONTENT_TYPE as XLSX
from pingan.orgs.api_auth import scope_required
from pingan.orgs.models import Agency, Jurisdiction
from pingan.orgs.permissions import can, requires

from . import ledger, selectors, services
from .models import EarlyInvolvement, MinorCase, Offence, Recommendation, VolunteerPlan
from .schemas import (
    ArrestDecisionIn,
    CaseFilterIn,
    CaseIn,
    CaseListOut,
    CaseOut,
    EarlyIn,
    EarlyOut,
    EvaluationIn,
    HearingIn,
    HearingOut,
    HoursIn,
    HoursOut,
    ImplementIn,
    ImportOut,
    OffenceOut,
    OpinionIn,
    PlanIn,
    PlanOut,
    ProsecutionDecisionIn,
    RecommendationIn,
    RecommendationOut,
    ReplyIn,
    StatisticsIn,
    StatisticsOut,
    TransferIn,
)
from .workflow import SUSPECT

router = Router(tags=["procuratorate"])


def _offence(code: str, field: str = "offence") -> Offence:
    found = Offence.objects.filter(code=code, active=True).first()
    if found is None:
        raise ValidationError({field: _("未知的罪名编码：%(c)s") % {"c": code}})
    return found


def _agency(code: str, field: str) -> Agency:
    found = Agency.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise ValidationError({field: _("未知的单位编码：%(c)s") % {"c": code}})
    return found


def _jurisdiction(code: str | None) -> Jurisdiction | None:
    if not code:
        return None
    found = Jurisdiction.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({"jurisdiction": _("未知的区划代码：%(c)s") % {"c": code}})
    return found


def _procuratorate_of(user) -> Agency:
    agency = user.agency if getattr(user, "agency_id", None) else None
    if agency is None or agency.kind != Agency.Kind.PROCURATORATE:
        raise ValidationError({"__all__": _("只有检察院的工作人员可以登记。")})
    return agency


def case_detail(*, user, case: MinorCase, reveal: bool = False) -> dict[str, Any]:
    suspects = []
    for row in selectors.suspect_rows(user=user, case=case, reveal=reveal):
        s = row["suspect"]
        suspects.append({
            "uuid": s.uuid, "name": s.name, "id_number": row["id_number"], "masked": row["masked"], "state": s.state,
            "state_label": SUSPECT.label(s.state), "guilty_plea": s.guilty_plea, "guilty_plea_on": s.guilty_plea_on,
            "first_offender": s.first_offender, "occasional": s.occasional, "negligent": s.negligent,
            "relation": s.relation, "arrest_requested_on": s.arrest_requested_on, "arrest_decision": s.arrest_decision,
            "arrest_decided_on": s.arrest_decided_on, "prosecution_received_on": s.prosecution_received_on,
            "prosecution_decision": s.prosecution_decision, "prosecution_decided_on": s.prosecution_decided_on,
            "hearing_required": s.hearing_required, "volunteer_plan": row["plan"].uuid if row["plan"] else None,
        })
    return {"uuid": case.uuid, "number": case.number, "offence": case.offence.code, "offence_name": case.offence.name,
            "received_on": case.received_on, "police_agency": case.police_agency.code,
            "jurisdiction": case.jurisdiction.code, "fast_track": case.fast_track, "summary": case.summary,
            "suspects": suspects}


def plan_out(plan: VolunteerPlan) -> VolunteerPlan:
    plan.confirmed = selectors.confirmed_hours(plan)  # type: ignore[attr-defined]
    return plan


def rec_out(rec: Recommendation) -> Recommendation:
    return rec


# --- reference data ------------------------------------------------------------------------------


@router.get("/offences", response=list[OffenceOut])
def offences(request: HttpRequest):
    return list(selectors.offence_list())


# --- minor cases ------------------------------------------------------------------------------------


@router.post("/cases", response={201: CaseOut})
@scope_required("write")
@requires("add", MinorCase)
def case_create(request: HttpRequest, payload: CaseIn):
    data = {"number": payload.number, "offence": _offence(payload.offence),
            "procuratorate": _procuratorate_of(request.user),
            "police_agency": _agency(payload.police_agency, "police_agency"),
            "jurisdiction": _jurisdiction(payload.jurisdiction), "prosecutor": request.user,
            "received_on": payload.received_on, "fast_track": payload.fast_track, "summary": payload.summary}
    case = services.create_case(data=data, suspects=[s.dict() for s in payload.suspects], request=payload.request,
                                by=request.user, source="api")
    case = selectors.get_case(user=request.user, uuid=case.uuid)
    return Status(201, case_detail(user=request.user, case=case))


@router.get("/cases", response=list[CaseListOut])
@scope_required("read")
@paginate(PagePagination)
def case_list(request: HttpRequest, filters: Query[CaseFilterIn]):
    return selectors.case_list(user=request.user, filters=selectors.CaseFilters(**filters.dict()))


@router.get("/cases/{uuid}", response=CaseOut)
@scope_required("read")
def case_get(request: HttpRequest, uuid: UUID, reveal: bool = False):
    case = selectors.get_case(user=request.user, uuid=uuid)
    return case_detail(user=request.user, case=case, reveal=reveal)


@router.post("/suspects/{uuid}/arrest-decision", response=CaseOut)
@scope_required("write")
def arrest_decision(request: HttpRequest, uuid: UUID, payload: ArrestDecisionIn):
    s = selectors.get_suspect(user=request.user, uuid=uuid)
    services.decide_arrest(suspect=s, decision=payload.decision, decided_on=payload.decided_on,
                           grounds=payload.grounds, by=request.user)
    return case_detail(user=request.user, case=selectors.get_case(user=request.user, uuid=s.case.uuid))


@router.post("/suspects/{uuid}/transfer", response=CaseOut)
@scope_required("write")
def transfer(request: HttpRequest, uuid: UUID, payload: TransferIn):
    s = selectors.get_suspect(user=request.user, uuid=uuid)
    services.transfer_for_prosecution(suspect=s, received_on=payload.received_on, by=request.user)
    return case_detail(user=request.user, case=selectors.get_case(user=request.user, uuid=s.case.uuid))


@router.post("/suspects/{uuid}/prosecution-decision", response=CaseOut)
@scope_required("write")
def prosecution_decision(request: HttpRequest, uuid: UUID, payload: ProsecutionDecisionIn):
    s = selectors.get_suspect(user=request.user, uuid=uuid)
    services.decide_prosecution(suspect=s, decision=payload.decision, decided_on=payload.decided_on,
                                grounds=payload.grounds, by=request.user)
    return case_detail(user=request.user, case=selectors.get_case(user=request.user, uuid=s.case.uuid))


@router.post("/suspects/{uuid}/hearings", response={201: HearingOut})
@scope_required("write")
def hearing_create(request: HttpRequest, uuid: UUID, payload: HearingIn):
    s = selectors.get_suspect(user=request.user, uuid=uuid)
    h = services.schedule_hearing(suspect=s, decision=payload.decision, scheduled_at=payload.scheduled_at,
                                  place=payload.place, participants=[p.dict() for p in payload.participants],
                                  by=request.user)
    return Status(201, h)


@router.post("/hearings/{uuid}/opinion", response=HearingOut)
@scope_required("write")
def hearing_opinion(request: HttpRequest, uuid: UUID, payload: OpinionIn):
    h = selectors.get_hearing(user=request.user, uuid=uuid)
    return services.record_hearing_opinion(hearing=h, minutes=payload.minutes, opinion=payload.opinion,
                                           by=request.user)


# --- volunteer service --------------------------------------------------------------------------------


@router.post("/suspects/{uuid}/volunteer-plan", response={201: PlanOut})
@scope_required("write")
def plan_create(request: HttpRequest, uuid: UUID, payload: PlanIn):
    s = selectors.get_suspect(user=request.user, uuid=uuid)
    plan = services.create_volunteer_plan(
        suspect=s, partner=_agency(payload.partner, "partner"), service_type=payload.service_type,
        consent_on=payload.consent_on, start_on=payload.start_on, end_on=payload.end_on,
        planned_hours=payload.planned_hours, by=request.user)
    return Status(201, plan_out(plan))


@router.get("/volunteer-plans", response=list[PlanOut])
@scope_required("read")
@paginate(PagePagination)
def plan_list(request: HttpRequest, state: str | None = None):
    return selectors.plan_list(user=request.user, state=state)


@router.get("/volunteer-plans/{uuid}", response=PlanOut)
@scope_required("read")
def plan_get(request: HttpRequest, uuid: UUID):
    return plan_out(selectors.get_plan(user=request.user, uuid=uuid))


@router.get("/volunteer-plans/{uuid}/hours", response=list[HoursOut])
@scope_required("read")
def hours_list(request: HttpRequest, uuid: UUID):
    plan = selectors.get_plan(user=request.user, uuid=uuid)
    return [{"id": h.pk, "served_on": h.served_on, "hours": h.hours, "activity": h.activity,
             "confirmed": h.confirmed_at is not None} for h in plan.hours.all()]


@router.post("/volunteer-plans/{uuid}/hours", response={201: HoursOut})
@scope_required("write")
def hours_log(request: HttpRequest, uuid: UUID, payload: HoursIn):
    plan = selectors.get_plan(user=request.user, uuid=uuid)
    h = services.log_hours(plan=plan, served_on=payload.served_on, hours=payload.hours, activity=payload.activity,
                           by=request.user)
    return Status(201, {"id": h.pk, "served_on": h.served_on, "hours": h.hours, "activity": h.activity,
                        "confirmed": False})


@router.post("/volunteer-plans/{uuid}/hours/{entry_id}/confirm", response=HoursOut)
@scope_required("write")
def hours_confirm(request: HttpRequest, uuid: UUID, entry_id: int):
    plan = selectors.get_plan(user=request.user, uuid=uuid)
    h = services.confirm_hours(entry=selectors.get_hours_entry(user=request.user, plan=plan, pk=entry_id),
                               by=request.user)
    return {"id": h.pk, "served_on": h.served_on, "hours": h.hours, "activity": h.activity, "confirmed": True}


@router.post("/volunteer-plans/{uuid}/evaluation", response=PlanOut)
@scope_required("write")
def plan_evaluate(request: HttpRequest, uuid: UUID, payload: EvaluationIn):
    plan = selectors.get_plan(user=request.user, uuid=uuid)
    services.evaluate_plan(plan=plan, passed=payload.passed, evaluated_on=payload.evaluated_on, notes=payload.notes,
                           by=request.user)
    return plan_out(plan)


# --- recommendations ------------------------------------------------------------------------------------


@router.post("/recommendations", response={201: RecommendationOut})
@scope_required("write")
@requires("add", Recommendation)
def rec_create(request: HttpRequest, payload: RecommendationIn):
    case = selectors.get_case(user=request.user, uuid=payload.case) if payload.case else None
    rec = services.issue_recommendation(
        procuratorate=_procuratorate_of(request.user), recipient=_agency(payload.recipient, "recipient"),
        title=payload.title, problems=payload.problems, measures=payload.measures, issued_on=payload.issued_on,
        case=case, number=payload.number, by=request.user, source="api")
    return Status(201, rec_out(rec))


@router.get("/recommendations", response=list[RecommendationOut])
@scope_required("read")
@paginate(PagePagination)
def rec_list(request: HttpRequest, state: str | None = None):
    return selectors.recommendation_list(user=request.user, state=state).prefetch_related("followups")


@router.get("/recommendations/{uuid}", response=RecommendationOut)
@scope_required("read")
def rec_get(request: HttpRequest, uuid: UUID):
    return rec_out(selectors.get_recommendation(user=request.user, uuid=uuid))


@router.post("/recommendations/{uuid}/reply", response=RecommendationOut)
@scope_required("write")
def rec_reply(request: HttpRequest, uuid: UUID, payload: ReplyIn):
    rec = selectors.get_recommendation(user=request.user, uuid=uuid)
    services.record_reply(rec=rec, replied_on=payload.replied_on, reply=payload.reply, by=request.user)
    return rec_out(rec)


@router.post("/recommendations/{uuid}/implementation", response=RecommendationOut)
@scope_required("write")
def rec_implement(request: HttpRequest, uuid: UUID, payload: ImplementIn):
    rec = selectors.get_recommendation(user=request.user, uuid=uuid)
    services.record_implementation(rec=rec, implemented_on=payload.implemented_on,
                                   evidence=payload.rectification_evidence, by=request.user)
    return rec_out(rec)


# --- early involvement --------------------------------------------------------------------------------------


@router.post("/early-involvements", response={201: EarlyOut})
@scope_required("write")
@requires("add", EarlyInvolvement)
def early_create(request: HttpRequest, payload: EarlyIn):
    data = {**payload.dict(), "offence": _offence(payload.offence),
            "police_agency": _agency(payload.police_agency, "police_agency"),
            "jurisdiction": _jurisdiction(payload.jurisdiction), "procuratorate": _procuratorate_of(request.user),
            "prosecutor": request.user}
    ei = services.record_early_involvement(data=data, by=request.user, source="api")
    return Status(201, ei)


@router.get("/early-involvements", response=list[EarlyOut])
@scope_required("read")
@paginate(PagePagination)
def early_list(request: HttpRequest):
    return selectors.early_list(user=request.user)


# --- ledgers and statistics -------------------------------------------------------------------------------


@router.post("/imports/{kind}", response=ImportOut)
@scope_required("write")
def ledger_import(request: HttpRequest, kind: str, file: File[UploadedFile], dry_run: bool = False):
    """Import a ledger (.xlsx or .csv). Dry run: the report only. Errors: 400 with every row's
    errors keyed "第N行·列名", nothing written."""
    model = MinorCase if kind == "minor_cases" else EarlyInvolvement
    if not can(request.user, "import", model):
        raise PermissionDenied(_("无权执行此操作。"))
    report = ledger.import_file(data=file, filename=file.name or "", kind=kind, by=request.user,
                                dry_run=dry_run)
    if report.errors and not dry_run:
        raise ledger.errors_as_validation(report)
    return report.as_dict()


@router.get("/ledger.xlsx")
@scope_required("read")
@requires("export", MinorCase)
def ledger_export(request: HttpRequest, filters: Query[CaseFilterIn]):
    qs = selectors.case_list(user=request.user, filters=selectors.CaseFilters(**filters.dict()))
    response = HttpResponse(ledger.export_minor_cases(user=request.user, cases=qs), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename=minor-cases.xlsx"
    return response


@router.get("/statistics", response=StatisticsOut)
@scope_required("read")
def statistics(request: HttpRequest, params: Query[StatisticsIn]):
    return selectors.statistics(user=request.user, date_from=params.date_from, date_to=params.date_to,
                                jurisdiction=params.jurisdiction)
