"""/api/v1/court/: thin — parse, call a service or selector, shape the answer."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from pingan.core.pagination import PagePagination
from pingan.core.workflow import allowed_transitions
from pingan.disputes.api import resolve_codes
from pingan.disputes.models import Party
from pingan.orgs.api_auth import scope_required
from pingan.orgs.models import Agency, User
from pingan.orgs.permissions import requires

from . import imports, selectors, services
from .models import CaseSeries, CourtCase, ReturnReason
from .schemas import (
    AssignIn,
    CaseImportIn,
    CaseIn,
    CaseListOut,
    CaseOut,
    CommentIn,
    CommentOut,
    ConfirmationIn,
    ConsentIn,
    DelegateIn,
    ExtendIn,
    FailIn,
    ImportResultOut,
    MediatorOut,
    NoteIn,
    PauseIn,
    ReasonIn,
    ResolveIn,
    RulingIn,
    SeriesCasesIn,
    SeriesConfirmIn,
    SeriesIn,
    SeriesOut,
    SucceedIn,
)
from .workflow import state_label

router = Router(tags=["court"])


class ListFilterIn(Schema):
    state: str | None = None
    q: str | None = None


def list_row(case: CourtCase) -> dict[str, Any]:
    return {
        "uuid": case.uuid, "number": case.number, "title": case.dispute.title, "state": case.state,
        "state_label": state_label(case.state), "court": case.court.name, "received_on": case.received_on,
        "mediator": str(case.mediator) if case.mediator else None, "outcome": case.outcome,
    }


def case_detail(*, user, case: CourtCase) -> dict[str, Any]:
    return {
        **list_row(case),
        "claim": case.claim, "amount": case.amount, "dispute": case.dispute.uuid,
        "delegated_to": case.delegated_to.name if case.delegated_to else None,
        "series": case.series.uuid if case.series else None,
        "return_reason": case.return_reason, "agreed_terms": case.agreed_terms,
        "undisputed_facts": case.undisputed_facts, "disputed_matters": case.disputed_matters,
        "agreement_effective_on": case.agreement_effective_on,
        "deadlines": [vars(d) for d in selectors.case_deadlines(case)],
        "confirmations": list(case.confirmations.values("number", "applied_on", "ruling", "ruling_reason", "ruled_on")),
        "allowed": [a.name for a in allowed_transitions(case, user) if a.allowed],
    }


def _parties(case: CourtCase, ids: list[int]) -> list[Party]:
    found = list(case.dispute.parties.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"parties": _("含有不属于本案的当事人。")})
    return found


def _agency(code: str, field: str) -> Agency:
    agency = Agency.objects.filter(code=code, is_active=True).first()
    if agency is None:
        raise ValidationError({field: _("未知的单位编码：%(code)s") % {"code": code}})
    return agency


def _done(request, uuid: UUID):
    return case_detail(user=request.user, case=selectors.get_case(user=request.user, uuid=uuid))


@router.get("/cases", response=list[CaseListOut])
@scope_required("read")
@paginate(PagePagination)
def case_list(request: HttpRequest, filters: Query[ListFilterIn]):
    return selectors.case_list(user=request.user, state=filters.state, q=filters.q)


@router.post("/cases", response={201: CaseOut})
@scope_required("write")
@requires("add", CourtCase)
def case_create(request: HttpRequest, payload: CaseIn):
    codes = resolve_codes(category=payload.category, jurisdiction=payload.jurisdiction)
    case = services.receive_case(
        court=_agency(payload.court, "court"), claim=payload.claim, received_on=payload.received_on,
        amount=payload.amount, filing_division=payload.filing_division,
        dispute_data={"title": payload.title, "facts": payload.facts, **codes},
        parties=[p.dict() for p in payload.parties], by=request.user,
    )
    return Status(201, _done(request, case.uuid))


def import_row(row) -> imports.CaseRow:
    return imports.CaseRow(**{**row.dict(), "parties": [p.dict() for p in row.parties]})


@router.post("/import/cases", response=ImportResultOut)
@scope_required("write")
@requires("add", CourtCase)
def case_import(request: HttpRequest, payload: CaseImportIn):
    """The court's ledger of historical cases, in one batch (all or nothing). `dry_run` answers
    what would be created, updated or skipped and every row error, writing nothing; a real run
    with errors is refused with 422 and the errors under `cases.<index>.<field>`."""
    try:
        result = imports.import_cases(court=_agency(payload.court, "court"), by=request.user,
                                      rows=[import_row(r) for r in payload.cases], dry_run=payload.dry_run)
    except imports.ImportRejected as exc:
        raise exc.as_validation_error() from None
    return result.as_dict()


@router.get("/cases/{uuid}", response=CaseOut)
@scope_required("read")
def case_get(request: HttpRequest, uuid: UUID):
    return _done(request, uuid)


def _case(request, uuid: UUID) -> CourtCase:
    return selectors.get_case(user=request.user, uuid=uuid)


@router.post("/cases/{uuid}/screen", response=CaseOut)
@scope_required("write")
def screen(request: HttpRequest, uuid: UUID, payload: NoteIn):
    services.screen_case(case=_case(request, uuid), by=request.user, note=payload.note)
    return _done(request, uuid)


@router.post("/cases/{uuid}/consents", response=CaseOut)
@scope_required("write")
def consent(request: HttpRequest, uuid: UUID, payload: ConsentIn):
    case = _case(request, uuid)
    party = _parties(case, [payload.party])[0]
    services.record_consent(case=case, party=party, consents=payload.consents, note=payload.note, by=request.user)
    return _done(request, uuid)


@router.post("/cases/{uuid}/delegate", response=CaseOut)
@scope_required("write")
def delegate(request: HttpRequest, uuid: UUID, payload: DelegateIn):
    services.delegate_case(case=_case(request, uuid), organisation=_agency(payload.organisation, "organisation"),
                           by=request.user)
    return _done(request, uuid)


@router.post("/cases/{uuid}/mediator", response=CaseOut)
@scope_required("write")
def assign(request: HttpRequest, uuid: UUID, payload: AssignIn):
    mediator = User.objects.filter(username=payload.mediator, mediator_profile__active=True).first()
    if mediator is None:
        raise ValidationError({"mediator": _("该人员不在调解员名册中或已停用。")})
    services.assign_mediator(case=_case(request, uuid), mediator=mediator, chosen_by=payload.chosen_by,
                             by=request.user)
    return _done(request, uuid)


@router.get("/cases/{uuid}/recommendations", response=list[MediatorOut])
@scope_required("read")
def recommendations(request: HttpRequest, uuid: UUID):
    recs = selectors.recommend_mediators(user=request.user, case=_case(request, uuid))
    return [mediator_row(r.profile, r.load, r.reasons) for r in recs]


def mediator_row(p, load: int, reasons: list[str] | None = None) -> dict[str, Any]:
    return {
        "username": p.user.username, "name": str(p.user), "organisation": p.organisation.name,
        "place": p.place.name, "specialities": [c.code for c in p.specialities.all()], "load": load,
        "reasons": reasons or [],
    }


@router.post("/cases/{uuid}/accept", response=CaseOut)
@scope_required("write")
def accept(request: HttpRequest, uuid: UUID):
    services.accept_delegation(case=_case(request, uuid), by=request.user)
    return _done(request, uuid)


@router.post("/cases/{uuid}/decline", response=CaseListOut)
@scope_required("write")
def decline(request: HttpRequest, uuid: UUID, payload: ReasonIn):
    """The answer is the list row only: once declined, the case is no longer the mediator's."""
    case = _case(request, uuid)
    services.decline_delegation(case=case, reason=payload.reason, by=request.user)
    return list_row(case)


@router.post("/cases/{uuid}/extend", response=CaseOut)
@scope_required("write")
def extend(request: HttpRequest, uuid: UUID, payload: ExtendIn):
    case = _case(request, uuid)
    services.extend_mediation(case=case, days=payload.days, parties=_parties(case, payload.parties),
                              reason=payload.reason, by=request.user)
    return _done(request, uuid)


@router.post("/cases/{uuid}/pause", response=CaseOut)
@scope_required("write")
def pause(request: HttpRequest, uuid: UUID, payload: PauseIn):
    services.pause_mediation(case=_case(request, uuid), on=payload.on, reason=payload.reason, by=request.user)
    return _done(request, uuid)


@router.post("/cases/{uuid}/resume", response=CaseOut)
@scope_required("write")
def resume(request: HttpRequest, uuid: UUID, payload: PauseIn):
    services.resume_mediation(case=_case(request, uuid), on=payload.on, reason=payload.reason, by=request.user)
    return _done(request, uuid)


@router.post("/cases/{uuid}/succeed", response=CaseOut)
@scope_required("write")
def succeed(request: HttpRequest, uuid: UUID, payload: SucceedIn):
    services.succeed_mediation(case=_case(request, uuid), by=request.user, **payload.dict())
    return _done(request, uuid)


@router.post("/cases/{uuid}/fail", response=CaseOut)
@scope_required("write")
def fail(request: HttpRequest, uuid: UUID, payload: FailIn):
    services.fail_mediation(case=_case(request, uuid), by=request.user, **payload.dict())
    return _done(request, uuid)


@router.post("/cases/{uuid}/resolve", response=CaseOut)
@scope_required("write")
def resolve(request: HttpRequest, uuid: UUID, payload: ResolveIn):
    services.record_resolution(case=_case(request, uuid), outcome=payload.outcome, note=payload.note,
                               by=request.user)
    return _done(request, uuid)


@router.post("/cases/{uuid}/confirmation", response=CaseOut)
@scope_required("write")
def apply_confirmation(request: HttpRequest, uuid: UUID, payload: ConfirmationIn):
    case = _case(request, uuid)
    services.apply_for_confirmation(case=case, applicants=_parties(case, payload.applicants),
                                    applied_on=payload.applied_on, by=request.user)
    return _done(request, uuid)


@router.post("/cases/{uuid}/ruling", response=CaseOut)
@scope_required("write")
def ruling(request: HttpRequest, uuid: UUID, payload: RulingIn):
    services.rule_on_confirmation(case=_case(request, uuid), confirmed=payload.confirmed, ruled_on=payload.ruled_on,
                                  reason=payload.reason, by=request.user)
    return _done(request, uuid)


@router.post("/cases/{uuid}/return", response=CaseOut)
@scope_required("write")
def return_for_filing(request: HttpRequest, uuid: UUID, payload: NoteIn):
    case = _case(request, uuid)
    reason = ReturnReason.REJECTED if case.state == CourtCase.State.REJECTED else ReturnReason.OTHER
    services.return_for_filing(case=case, note=payload.note, by=request.user, reason=reason)
    return _done(request, uuid)


@router.get("/cases/{uuid}/comments", response=list[CommentOut])
@scope_required("read")
def comments(request: HttpRequest, uuid: UUID):
    case = _case(request, uuid)
    return [{"author": str(c.author), "text": c.text, "created_at": c.created_at}
            for c in case.comments.select_related("author")]


@router.post("/cases/{uuid}/comments", response={201: CommentOut})
@scope_required("write")
def comment_add(request: HttpRequest, uuid: UUID, payload: CommentIn):
    c = services.add_comment(case=_case(request, uuid), text=payload.text, by=request.user)
    return Status(201, {"author": str(c.author), "text": c.text, "created_at": c.created_at})


@router.get("/roster", response=list[MediatorOut])
@scope_required("read")
def roster(request: HttpRequest):
    return [mediator_row(p, int(getattr(p, "load", 0))) for p in selectors.roster(user=request.user)]


class SeriesFilterIn(Schema):
    q: str | None = None
    status: Literal["open", "closed"] | None = None


def _series_out(request, series: CaseSeries) -> dict[str, Any]:
    s: Any = selectors.series_list(user=request.user).get(pk=series.pk)  # annotated with the counts
    return {"uuid": s.uuid, "name": s.name, "court": s.court.name, "facts": s.facts, "created_at": s.created_at,
            "case_count": s.case_count, "open_count": s.open_count}


def _chosen_cases(request, uuids: list[UUID]) -> list[CourtCase]:
    cases = list(selectors.case_list(user=request.user).filter(uuid__in=set(uuids)))
    if len(cases) != len(set(uuids)):
        raise ValidationError({"cases": _("所选案件不存在或无权办理，请刷新后重试。")})
    return cases


@router.get("/series", response=list[SeriesOut])
@scope_required("read")
@requires("view", CaseSeries)
@paginate(PagePagination)
def series_list(request: HttpRequest, filters: Query[SeriesFilterIn]):
    return selectors.series_list(user=request.user, q=filters.q, status=filters.status)


@router.post("/series", response={201: SeriesOut})
@scope_required("write")
@requires("add", CaseSeries)
def series_create(request: HttpRequest, payload: SeriesIn):
    """Group cases of one court into a new series (系列案)."""
    cases = _chosen_cases(request, payload.cases)
    series = services.create_series(name=payload.name, facts=payload.facts, court=cases[0].court, cases=cases,
                                    by=request.user)
    return Status(201, _series_out(request, series))


@router.post("/series/{uuid}/cases", response=SeriesOut)
@scope_required("write")
def series_add_cases(request: HttpRequest, uuid: UUID, payload: SeriesCasesIn):
    """More cases of the same court join the series."""
    series = selectors.get_series(user=request.user, uuid=uuid)
    services.add_to_series(series=series, cases=_chosen_cases(request, payload.cases), by=request.user)
    return _series_out(request, series)


@router.post("/series/{uuid}/confirm", response=list[CaseListOut])
@scope_required("write")
def series_confirm(request: HttpRequest, uuid: UUID, payload: SeriesConfirmIn):
    """One action for the whole series: apply (clerk, `applied_on`) or rule (judge, `ruled_on`)."""
    series = selectors.get_series(user=request.user, uuid=uuid)
    if payload.applied_on is not None:
        services.apply_series_confirmation(series=series, applied_on=payload.applied_on, by=request.user)
    elif payload.ruled_on is not None:
        services.confirm_series(series=series, ruled_on=payload.ruled_on, by=request.user)
    else:
        raise ValidationError({"applied_on": _("请填写申请日期或裁定日期。")})
    return [list_row(c) for c in selectors.series_cases(user=request.user, series=series)]
