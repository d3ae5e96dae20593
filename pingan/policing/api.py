"""/api/v1/policing/: thin — parse, call a service or selector, shape the answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from pingan.core.errors import ApplicationError
from pingan.core.pagination import PagePagination
from pingan.core.spreadsheets import XLSX_CONTENT_TYPE as XLSX
from pingan.orgs.api_auth import scope_required
from pingan.orgs.models import Jurisdiction, User
from pingan.orgs.permissions import can, requires, restrict

from . import ledger, selectors, services
from .models import Assignment, Hazard, Household, Push, RiskPerson, Visit
from .schemas import (
    AssignmentIn,
    AssignmentOut,
    CoverageIn,
    HazardFilterIn,
    HazardIn,
    HazardListOut,
    HazardOut,
    HouseholdIn,
    HouseholdOut,
    ImportResultOut,
    LetterIn,
    PeriodIn,
    PushOut,
    ReplyIn,
    ResolveIn,
    ReviewIn,
    RevisitIn,
    RiskPersonIn,
    RiskPersonOut,
    ToDisputeIn,
    TransitionIn,
    VisitIn,
    VisitOut,
)
from .selectors_stats import policing_figures, three_tier_figures
from .workflow import HAZARD

router = Router(tags=["policing"])


def _jurisdiction(code: str | None, field: str = "jurisdiction") -> Jurisdiction | None:
    if not code:
        return None
    jur = Jurisdiction.objects.filter(code=code).first()
    if jur is None:
        raise ValidationError({field: _("未知的区划代码：%(code)s") % {"code": code}})
    return jur


def _officer(username: str | None, field: str = "officer") -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).select_related("agency").first()
    if user is None:
        raise ValidationError({field: _("没有账号为“%(u)s”的在用用户。") % {"u": username}})
    return user


def _household(user, uuid: UUID | None) -> Household | None:
    return selectors.get_household(user=user, uuid=uuid) if uuid else None


# --- shaping ------------------------------------------------------------------------------------


def hazard_row(h: Hazard) -> dict[str, Any]:
    return {
        "uuid": h.uuid, "external_ref": h.external_ref, "title": h.title, "category": h.category, "grade": h.grade,
        "state": h.state, "state_label": HAZARD.label(h.state), "outcome": h.outcome,
        "jurisdiction": h.jurisdiction.code, "jurisdiction_name": h.jurisdiction.name, "found_at": h.found_at,
        "resolved_at": h.resolved_at, "contact_name": h.masked_contact_name,
    }


def hazard_detail(*, user, hazard: Hazard, reveal: bool = False) -> dict[str, Any]:
    contact = selectors.hazard_contact(user=user, hazard=hazard, reveal=reveal)
    return {
        **hazard_row(hazard), "description": hazard.description, "people_involved": hazard.people_involved,
        "amount": hazard.amount, "contact_name": contact["name"], "contact_phone": contact["phone"],
        "masked": contact["masked"], "grading": hazard.grading, "resolution": hazard.resolution,
        "dispute": hazard.dispute.uuid if hazard.dispute_id and hazard.dispute else None,
        "timeline": [{"at": e["at"], "label": str(e["label"]), "by": str(e["by"]) if e["by"] else None,
                      "note": e["note"] or ""} for e in selectors.hazard_timeline(hazard)],
        "actions": [{"name": a.name, "label": a.label, "allowed": a.allowed, "reasons": a.reasons}
                    for a in selectors.hazard_actions(user=user, hazard=hazard)],
    }


def push_row(p: Push) -> dict[str, Any]:
    return {
        "uuid": p.uuid, "channel": p.channel, "target_name": p.target_name, "letter_number": p.letter_number,
        "jurisdiction": p.jurisdiction.code, "hazard": p.hazard.uuid if p.hazard_id and p.hazard else None,
        "dispute": p.dispute.uuid if p.dispute_id and p.dispute else None, "sent_at": p.sent_at,
        "replied_at": p.replied_at, "closed_at": p.closed_at, "revisited_at": p.revisited_at, "satisfied": p.satisfied,
    }


def visit_row(v: Visit) -> dict[str, Any]:
    return {
        "uuid": v.uuid, "officer": v.officer.username, "jurisdiction": v.jurisdiction.code,
        "jurisdiction_name": v.jurisdiction.name, "household": v.household.uuid if v.household_id and v.household else None,
        "visited_at": v.visited_at, "latitude": v.latitude, "longitude": v.longitude, "people_met": v.people_met,
        "notes": v.notes,
    }


def risk_row(user, p: RiskPerson, reveal: bool = False) -> dict[str, Any]:
    ident = selectors.risk_person_identity(user=user, person=p, reveal=reveal)
    return {"uuid": p.uuid, "name": ident["name"], "id_number": ident["id_number"], "phone": ident["phone"],
            "jurisdiction": p.jurisdiction.code, "risk_level": p.risk_level, "next_review_on": p.next_review_on,
            "overdue": p.next_review_on < timezone.localdate(), "masked": ident["masked"]}


# --- households and assignments -----------------------------------------------------------------


@router.get("/households", response=list[HouseholdOut])
@scope_required("read")
@paginate(PagePagination)
def household_list(request: HttpRequest, jurisdiction: str | None = None):
    qs = selectors.household_list(user=request.user, jurisdiction=jurisdiction)
    return _Mapped(qs, household_row)


def household_row(h: Household) -> dict[str, Any]:
    return {"uuid": h.uuid, "jurisdiction": h.jurisdiction.code, "jurisdiction_name": h.jurisdiction.name,
            "address": h.address, "head_name": h.masked_head_name, "phone": h.masked_phone, "masked": True}


@router.post("/households", response={201: HouseholdOut})
@scope_required("write")
@requires("add", Household)
def household_create(request: HttpRequest, payload: HouseholdIn):
    data = payload.dict()
    data["jurisdiction"] = _jurisdiction(payload.jurisdiction)
    h = services.create_household(data=data, by=request.user)
    return Status(201, household_row(h))


@router.post("/assignments", response={201: AssignmentOut})
@scope_required("write")
@requires("add", Assignment)
def assignment_create(request: HttpRequest, payload: AssignmentIn):
    officer = _officer(payload.officer)
    a = services.assign(officer=officer, by=request.user, jurisdiction=_jurisdiction(payload.jurisdiction),
                        household=_household(request.user, payload.household), interval_days=payload.interval_days,
                        starts_on=payload.starts_on, note=payload.note)
    return Status(201, {"id": a.pk, "officer": a.officer.username,
                        "jurisdiction": a.jurisdiction.code if a.jurisdiction else None,
                        "household": a.household.uuid if a.household else None, "interval_days": a.interval_days,
                        "starts_on": a.starts_on, "ends_on": a.ends_on})


# --- visits -------------------------------------------------------------------------------------


@router.post("/visits", response={201: VisitOut})
@scope_required("write")
@requires("add", Visit)
def visit_create(request: HttpRequest, payload: VisitIn):
    data = payload.dict(exclude={"hazards", "household", "jurisdiction"})
    data["household"] = _household(request.user, payload.household)
    jur = _jurisdiction(payload.jurisdiction)
    if jur is None and data["household"] is None:
        raise ValidationError({"jurisdiction": _("请填写走访地点或走访户。")})
    if jur is not None:
        data["jurisdiction"] = jur
    visit = services.record_visit(data=data, by=request.user, hazards=[h.dict() for h in payload.hazards])
    return Status(201, {**visit_row(visit), "hazards": list(visit.hazards.values_list("uuid", flat=True))})


@router.get("/visits", response=list[VisitOut])
@scope_required("read")
@paginate(PagePagination)
def visit_list(request: HttpRequest, filters: Query[PeriodIn], officer: str | None = None):
    who = _officer(officer)
    qs = selectors.visit_list(user=request.user, filters=selectors.VisitFilters(
        officer=who.pk if who else None, **filters.dict()))
    return _Mapped(qs, visit_row)


class _Mapped:
    """Paginate a queryset, then shape only the page's rows."""

    def __init__(self, qs, fn) -> None:
        self.qs, self.fn = qs, fn

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        return [self.fn(x) for x in self.qs[item]]


# --- hazards ------------------------------------------------------------------------------------


@router.get("/hazards", response=list[HazardListOut])
@scope_required("read")
@paginate(PagePagination)
def hazard_list(request: HttpRequest, filters: Query[HazardFilterIn]):
    return _Mapped(selectors.hazard_list(user=request.user, filters=selectors.HazardFilters(**filters.dict())),
                   hazard_row)


@router.post("/hazards", response={201: HazardOut})
@scope_required("write")
@requires("add", Hazard)
def hazard_create(request: HttpRequest, payload: HazardIn):
    data = payload.dict(exclude={"visit", "household", "jurisdiction"})
    data["household"] = _household(request.user, payload.household)
    visit = None
    if payload.visit:
        visit = restrict(Visit.objects.all(), request.user, "view").filter(uuid=payload.visit).first()
        if visit is None:
            raise ValidationError({"visit": _("走访记录不存在或无权查看。")})
    jur = _jurisdiction(payload.jurisdiction) or (visit.jurisdiction if visit else None)
    if jur is None and data["household"] is None:
        raise ValidationError({"jurisdiction": _("请填写发生地。")})
    if jur is not None:
        data["jurisdiction"] = jur
    hazard = services.report_hazard(data=data, by=request.user, visit=visit)
    hazard = selectors.get_hazard(user=request.user, uuid=hazard.uuid)
    return Status(201, hazard_detail(user=request.user, hazard=hazard))


@router.get("/hazards/{uuid}", response=HazardOut)
@scope_required("read")
def hazard_get(request: HttpRequest, uuid: UUID, reveal: bool = False):
    return hazard_detail(user=request.user, hazard=selectors.get_hazard(user=request.user, uuid=uuid), reveal=reveal)


@router.post("/hazards/{uuid}/transitions", response=HazardOut)
@scope_required("write")
def hazard_transition(request: HttpRequest, uuid: UUID, payload: TransitionIn):
    hazard = selectors.get_hazard(user=request.user, uuid=uuid)
    services.advance_hazard(hazard=hazard, name=payload.name, by=request.user, reason=payload.reason)
    return hazard_detail(user=request.user, hazard=selectors.get_hazard(user=request.user, uuid=uuid))


@router.post("/hazards/{uuid}/resolve", response=HazardOut)
@scope_required("write")
def hazard_resolve(request: HttpRequest, uuid: UUID, payload: ResolveIn):
    hazard = selectors.get_hazard(user=request.user, uuid=uuid)
    services.resolve_hazard(hazard=hazard, by=request.user, resolution=payload.resolution,
                            resolved_at=payload.resolved_at)
    return hazard_detail(user=request.user, hazard=selectors.get_hazard(user=request.user, uuid=uuid))


@router.post("/hazards/{uuid}/to-dispute", response={201: PushOut})
@scope_required("write")
def hazard_to_dispute(request: HttpRequest, uuid: UUID, payload: ToDisputeIn):
    from pingan.disputes.models import Category

    hazard = selectors.get_hazard(user=request.user, uuid=uuid, action="change")
    category = Category.objects.filter(code=payload.category, active=True).first()
    if category is None:
        raise ValidationError({"category": _("未知的纠纷类别：%(code)s") % {"code": payload.category}})
    push = services.hazard_to_dispute(hazard=hazard, by=request.user, category=category,
                                      parties=[p.dict() for p in payload.parties], title=payload.title,
                                      facts=payload.facts)
    return Status(201, push_row(push))


@router.post("/hazards/{uuid}/letters", response={201: PushOut})
@scope_required("write")
def hazard_letter(request: HttpRequest, uuid: UUID, payload: LetterIn):
    hazard = selectors.get_hazard(user=request.user, uuid=uuid, action="change")
    push = services.push_by_letter(by=request.user, hazard=hazard, data=payload.dict())
    return Status(201, push_row(push))


# --- pushes -------------------------------------------------------------------------------------


@router.get("/pushes", response=list[PushOut])
@scope_required("read")
@paginate(PagePagination)
def push_list(request: HttpRequest, filters: Query[PeriodIn], channel: str | None = None,
              awaiting_reply: bool = False):
    return _Mapped(selectors.push_list(user=request.user, channel=channel, awaiting_reply=awaiting_reply,
                                       **filters.dict()), push_row)


@router.post("/pushes/{uuid}/reply", response=PushOut)
@scope_required("write")
def push_reply(request: HttpRequest, uuid: UUID, payload: ReplyIn):
    push = selectors.get_push(user=request.user, uuid=uuid, action="change")
    return push_row(services.record_reply(push=push, by=request.user, reply=payload.reply,
                                          replied_at=payload.replied_at, close=payload.close))


@router.post("/pushes/{uuid}/revisit", response=PushOut)
@scope_required("write")
def push_revisit(request: HttpRequest, uuid: UUID, payload: RevisitIn):
    push = selectors.get_push(user=request.user, uuid=uuid, action="change")
    return push_row(services.revisit_push(push=push, by=request.user, satisfied=payload.satisfied,
                                          revisited_at=payload.revisited_at))


# --- risk persons -------------------------------------------------------------------------------


@router.get("/risk-persons", response=list[RiskPersonOut])
@scope_required("read")
@paginate(PagePagination)
def risk_person_list(request: HttpRequest, jurisdiction: str | None = None, due: bool = False):
    due_by = timezone.localdate() if due else None
    qs = selectors.risk_person_list(user=request.user, jurisdiction=jurisdiction, due_by=due_by)
    return _Mapped(qs, lambda p: risk_row(request.user, p))


@router.post("/risk-persons", response={201: RiskPersonOut})
@scope_required("write")
@requires("add", RiskPerson)
def risk_person_create(request: HttpRequest, payload: RiskPersonIn):
    data = payload.dict(exclude={"jurisdiction", "officer", "hazard"})
    data["jurisdiction"] = _jurisdiction(payload.jurisdiction)
    data["officer"] = _officer(payload.officer)
    data["hazard"] = selectors.get_hazard(user=request.user, uuid=payload.hazard) if payload.hazard else None
    person = services.add_risk_person(data=data, by=request.user)
    return Status(201, risk_row(request.user, person))


@router.get("/risk-persons/{uuid}", response=RiskPersonOut)
@scope_required("read")
def risk_person_get(request: HttpRequest, uuid: UUID, reveal: bool = False):
    return risk_row(request.user, selectors.get_risk_person(user=request.user, uuid=uuid), reveal=reveal)


@router.post("/risk-persons/{uuid}/reviews", response={201: RiskPersonOut})
@scope_required("write")
def risk_person_review(request: HttpRequest, uuid: UUID, payload: ReviewIn):
    person = selectors.get_risk_person(user=request.user, uuid=uuid, action="change")
    services.review_risk_person(person=person, by=request.user, risk_level=payload.risk_level, notes=payload.notes,
                                reviewed_at=payload.reviewed_at)
    return Status(201, risk_row(request.user, selectors.get_risk_person(user=request.user, uuid=uuid)))


# --- queues, coverage, statistics ------------------------------------------------------------------


@router.get("/queue")
@scope_required("read")
@requires("view", Visit)
def queue(request: HttpRequest):
    q = selectors.officer_queue(user=request.user)
    return {
        "households_due": [{"household": r["household"].uuid, "address": r["household"].address,
                            "head_name": r["household"].masked_head_name, "due_on": r["due_on"],
                            "last_visit": r["last_visit"], "overdue": r["overdue"]} for r in q["households_due"]],
        "hazards": [hazard_row(h) for h in q["hazards"]],
        "reviews": [risk_row(request.user, p) for p in q["reviews"]],
        "committee_roles": [{"committee": r.committee.name, "title": r.get_title_display()} for r in q["committee_roles"]],
    }


@router.get("/coverage")
@scope_required("read")
@requires("view", Visit)
def coverage(request: HttpRequest, filters: Query[CoverageIn]):
    data = filters.dict()
    officer = _officer(data.pop("officer"))
    return selectors.coverage(user=request.user, officer=officer, **data)


@router.get("/coverage/villages")
@scope_required("read")
@requires("view", Visit)
def coverage_villages(request: HttpRequest, filters: Query[PeriodIn]):
    return selectors.coverage_by_village(user=request.user, **filters.dict())


@router.get("/statistics")
@scope_required("read")
@requires("view", Hazard)
def statistics(request: HttpRequest, filters: Query[PeriodIn]):
    return policing_figures(user=request.user, **filters.dict())


@router.get("/statistics/three-tier")
@scope_required("read")
@requires("view", Push)
def statistics_three_tier(request: HttpRequest, filters: Query[PeriodIn]):
    return three_tier_figures(user=request.user, **filters.dict())


# --- ledgers --------------------------------------------------------------------------------------

IMPORT_MODELS = {"households": Household, "visits": Visit, "hazards": Hazard, "pushes": Push}


def _import_model(kind: str):
    if kind not in IMPORT_MODELS:
        raise ApplicationError(_("未知的台账类型：%(k)s") % {"k": kind}, code="unknown_kind", field="kind")
    return IMPORT_MODELS[kind]


@router.get("/import/{kind}/template")
@scope_required("read")
def import_template(request: HttpRequest, kind: str):
    _import_model(kind)
    response = HttpResponse(ledger.template_workbook(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="policing-{kind}-template.xlsx"'
    return response


@router.post("/import/{kind}", response=ImportResultOut)
@scope_required("write")
def import_file(request: HttpRequest, kind: str, file: File[UploadedFile], dry_run: bool = False):
    model = _import_model(kind)
    if not can(request.user, "import", model):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("无权执行此操作。"))
    result = ledger.import_ledger(kind=kind, file=file, by=request.user, dry_run=dry_run)
    if result.errors:
        # Row-level errors keyed "row:column" (e.g. "3:区划代码"); nothing was written.
        errors: dict[str, list[str]] = {}
        for e in result.errors[:500]:
            errors.setdefault(f"{e.row}:{e.column}", []).append(e.message)
        raise ValidationError(errors)
    return result.as_dict()


@router.get("/export/{kind}")
@scope_required("read")
def export(request: HttpRequest, kind: str, filters: Query[PeriodIn]):
    data = filters.dict()
    qs: Any
    if kind == "visits":
        qs = selectors.visit_list(user=request.user, filters=selectors.VisitFilters(**data))
        model: Any = Visit
    elif kind == "hazards":
        qs = selectors.hazard_list(user=request.user, filters=selectors.HazardFilters(**data))
        model = Hazard
    else:
        raise ApplicationError(_("未知的台账类型：%(k)s") % {"k": kind}, code="unknown_kind", field="kind")
    if not can(request.user, "export", model):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("无权执行此操作。"))
    response = HttpResponse(ledger.export_workbook(kind=kind, queryset=qs, by=request.user, filters=data),
                            content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="policing-{kind}.xlsx"'
    return response
