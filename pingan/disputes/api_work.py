"""/api/v1/disputes/{uuid}/…: the work on a dispute (grading, routing, mediation, outcomes,
referrals, closure, follow-up). Thin: parse, call the service, answer with the work summary.

Every write accepts `expected_state`: when given and the dispute has moved on, the answer is 409
(someone else acted first) and nothing is written. A transition that is not allowed from the
current state is a 400 with code `transition_not_allowed`; outside the user's scope, 404/403."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from pingan.core.documents import DOCX_CONTENT_TYPE, PDF_CONTENT_TYPE
from pingan.core.errors import ConflictError
from pingan.core.schemas import StrictSchema
from pingan.core.workflow import allowed_transitions, history
from pingan.orgs.api_auth import scope_required
from pingan.orgs.models import Agency

from . import selectors, services
from .grading import latest_grading
from .mediation import agreement_document
from .models import Dispute
from .routing import current_routing
from .schemas import GradeName
from .workflow import DISPUTE, SYSTEM_TRANSITIONS

router = Router(tags=["disputes-work"])


class WorkIn(StrictSchema):
    expected_state: str | None = Field(None, max_length=30)


class OverrideIn(WorkIn):
    grade: GradeName
    reason: str = Field(..., max_length=2000)


class RouteIn(WorkIn):
    tier: GradeName | None = None
    reason: str = Field("", max_length=2000)


class ReasonIn(WorkIn):
    reason: str = Field(..., max_length=2000)


class TierIn(WorkIn):
    to_tier: GradeName | None = None
    reason: str = Field(..., max_length=2000)


class SessionIn(WorkIn):
    held_at: dt.datetime
    mode: Literal["in_person", "online", "phone"] = "in_person"
    place: str = Field("", max_length=200)
    attendees: str = Field(..., min_length=1, max_length=2000)
    minutes: str = Field("", max_length=20000)


class AgreementIn(WorkIn):
    agreed_on: dt.date
    facts: str = Field(..., max_length=20000)
    disputed_matters: str = Field(..., max_length=5000)
    responsibility: str = Field(..., max_length=5000)
    terms: str = Field(..., max_length=20000)
    performance_method: str = Field(..., max_length=300)
    performance_deadline: dt.date
    copies: int = Field(3, ge=2, le=20)


class SignIn(StrictSchema):
    role: Literal["party", "mediator", "seal"]
    party: int | None = None
    signed_at: dt.datetime | None = None


class OutcomeIn(WorkIn):
    kind: Literal["oral_agreement", "performed", "reconciled", "withdrawn"]
    decided_on: dt.date
    reason: str = Field("", max_length=2000)
    content: str = Field("", max_length=20000)


class FailIn(WorkIn):
    reason: str = Field(..., max_length=2000)
    undisputed_facts: str = Field("", max_length=20000)


class ReferIn(WorkIn):
    recipient: str = Field(..., max_length=64, description="接收单位编码")
    request: str = Field(..., max_length=5000)
    contact: str = Field("", max_length=100)


class CloseIn(WorkIn):
    reason: str = Field("", max_length=2000)


class ReplyIn(StrictSchema):
    reply: str = Field(..., max_length=5000)


class FollowUpIn(WorkIn):
    method: Literal["phone", "visit", "online"]
    satisfaction: Literal["satisfied", "basically", "dissatisfied"]
    notes: str = Field("", max_length=5000)
    flared_up: bool = False


class WorkOut(Schema):
    uuid: UUID
    state: str
    state_label: str
    grade: str | None
    allowed: list[str]
    grading: dict[str, Any] | None
    routing: dict[str, Any] | None
    sessions: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    agreement: dict[str, Any] | None
    referrals: list[dict[str, Any]]
    follow_ups: list[dict[str, Any]]
    timeline: list[dict[str, Any]]


def work_summary(*, user, dispute: Dispute) -> dict[str, Any]:
    dispute.refresh_from_db()
    g = latest_grading(dispute)
    r = current_routing(dispute)
    a = dispute.agreements.select_related("committee").first()
    return {
        "uuid": dispute.uuid, "state": dispute.state, "state_label": DISPUTE.label(dispute.state), "grade": dispute.grade,
        "allowed": [t.name for t in allowed_transitions(dispute, user) if t.allowed and t.name not in SYSTEM_TRANSITIONS],
        "grading": g and {"grade": g.grade, "kind": g.kind, "rules_grade": g.rules_grade, "fired": g.fired,
                          "ruleset_version": g.ruleset_version, "explanation": g.explanation, "reason": g.reason},
        "routing": r and {"id": r.pk, "tier": r.tier, "kind": r.kind, "status": r.status, "lead": r.lead_agency.code,
                          "agencies": sorted(x.code for x in r.agencies.all()), "accept_due": r.accept_due,
                          "explanation": r.explanation},
        "sessions": [{"id": s.pk, "held_at": s.held_at, "mode": s.mode, "place": s.place, "attendees": s.attendees}
                     for s in dispute.sessions.all()],
        "outcomes": [{"id": o.pk, "kind": o.kind, "decided_on": o.decided_on, "reason": o.reason, "content": o.content}
                     for o in dispute.outcomes.all()],
        "agreement": a and {"id": a.pk, "number": a.number, "agreed_on": a.agreed_on, "committee": a.committee.code,
                            "effective_at": a.effective_at,
                            "signatures": [{"role": s.role, "party": s.party_id, "name": s.name, "signed_at": s.signed_at}
                                           for s in a.signatures.all()]},
        "referrals": [{"id": x.pk, "letter_number": x.letter_number, "recipient": x.recipient.code,
                       "reply_due": x.deadline.due if x.deadline else None, "replied_at": x.replied_at,
                       "reminded_at": x.reminded_at}
                      for x in dispute.referrals.select_related("recipient", "deadline")],
        "follow_ups": [{"id": f.pk, "due_on": f.due_on, "method": f.method, "satisfaction": f.satisfaction,
                        "flared_up": f.flared_up, "done_at": f.done_at} for f in dispute.follow_ups.all()],
        "timeline": [{"name": t.name, "from": t.from_state, "to": t.to_state, "at": t.at,
                      "by": t.by.username if t.by else None, "reason": t.reason} for t in history(dispute)],
    }


def _dispute(request, uuid: UUID, payload: WorkIn | None = None) -> Dispute:
    dispute = selectors.get_dispute(user=request.user, uuid=uuid)
    if payload is not None and payload.expected_state and payload.expected_state != dispute.state:
        raise ConflictError(_("记录状态已被他人改变，请刷新后重试。"), code="state_changed",
                            extra={"state": dispute.state})
    return dispute


def _done(request, dispute: Dispute) -> dict[str, Any]:
    return work_summary(user=request.user, dispute=dispute)


def _act(request, uuid: UUID, payload: WorkIn, service: Callable[..., Any], *, as_data: bool = False) -> dict[str, Any]:
    """The body of every plain write: the dispute (409 when it moved on), the service with the
    payload's fields as keywords (or as `data=` for the services that take a record's fields),
    then the work summary."""
    d = _dispute(request, uuid, payload)
    fields = payload.dict(exclude={"expected_state"})
    service(dispute=d, by=request.user, **({"data": fields} if as_data else fields))
    return _done(request, d)


@router.get("/{uuid}/work", response=WorkOut)
@scope_required("read")
def work_get(request: HttpRequest, uuid: UUID):
    return _done(request, _dispute(request, uuid))


@router.post("/{uuid}/grade", response=WorkOut)
@scope_required("write")
def grade(request: HttpRequest, uuid: UUID, payload: WorkIn):
    return _act(request, uuid, payload, services.grade_dispute)


@router.post("/{uuid}/grade/override", response=WorkOut)
@scope_required("write")
def grade_override(request: HttpRequest, uuid: UUID, payload: OverrideIn):
    return _act(request, uuid, payload, services.override_grade)


@router.post("/{uuid}/route", response=WorkOut)
@scope_required("write")
def route(request: HttpRequest, uuid: UUID, payload: RouteIn):
    return _act(request, uuid, payload, services.route_dispute)


@router.post("/{uuid}/accept", response=WorkOut)
@scope_required("write")
def accept(request: HttpRequest, uuid: UUID, payload: WorkIn):
    return _act(request, uuid, payload, services.accept_routing)


@router.post("/{uuid}/decline", response=WorkOut)
@scope_required("write")
def decline(request: HttpRequest, uuid: UUID, payload: ReasonIn):
    return _act(request, uuid, payload, services.decline_routing)


@router.post("/{uuid}/tier", response=WorkOut)
@scope_required("write")
def change_tier(request: HttpRequest, uuid: UUID, payload: TierIn):
    return _act(request, uuid, payload, services.change_tier)


@router.post("/{uuid}/sessions", response=WorkOut)
@scope_required("write")
def session_add(request: HttpRequest, uuid: UUID, payload: SessionIn):
    return _act(request, uuid, payload, services.add_session, as_data=True)


@router.post("/{uuid}/agreement", response=WorkOut)
@scope_required("write")
def agreement_create(request: HttpRequest, uuid: UUID, payload: AgreementIn):
    return _act(request, uuid, payload, services.create_agreement, as_data=True)


@router.post("/{uuid}/agreement/signatures", response=WorkOut)
@scope_required("write")
def agreement_sign(request: HttpRequest, uuid: UUID, payload: SignIn):
    from django.http import Http404

    d = _dispute(request, uuid)
    agreement = d.agreements.first()
    if agreement is None:
        raise Http404(_("该纠纷没有调解协议书。"))
    party = d.parties.filter(pk=payload.party).first() if payload.party else None
    services.sign_agreement(agreement=agreement, role=payload.role, party=party, by=request.user,
                            signed_at=payload.signed_at)
    return _done(request, d)


@router.get("/{uuid}/agreement.{fmt}")
@scope_required("read")
def agreement_file(request: HttpRequest, uuid: UUID, fmt: Literal["docx", "pdf"]):
    from django.http import Http404

    d = selectors.get_dispute(user=request.user, uuid=uuid, action="mediate")
    agreement = d.agreements.select_related("committee", "mediator").first()
    if agreement is None:
        raise Http404(_("该纠纷没有调解协议书。"))
    data = agreement_document(agreement=agreement, by=request.user, fmt=fmt)
    response = HttpResponse(data, content_type=PDF_CONTENT_TYPE if fmt == "pdf" else DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="agreement-{agreement.pk}.{fmt}"'
    return response


@router.post("/{uuid}/outcome", response=WorkOut)
@scope_required("write")
def outcome(request: HttpRequest, uuid: UUID, payload: OutcomeIn):
    return _act(request, uuid, payload, services.record_outcome)


@router.post("/{uuid}/fail", response=WorkOut)
@scope_required("write")
def fail(request: HttpRequest, uuid: UUID, payload: FailIn):
    return _act(request, uuid, payload, services.fail_mediation)


@router.post("/{uuid}/referrals", response=WorkOut)
@scope_required("write")
def refer(request: HttpRequest, uuid: UUID, payload: ReferIn):
    from django.core.exceptions import ValidationError

    d = _dispute(request, uuid, payload)
    recipient = Agency.objects.filter(code=payload.recipient, is_active=True).first()
    if recipient is None:
        raise ValidationError({"recipient": _("未知的单位编码：%(code)s") % {"code": payload.recipient}})
    services.refer_dispute(dispute=d, by=request.user, recipient=recipient, request=payload.request,
                           contact=payload.contact)
    return _done(request, d)


@router.post("/{uuid}/referrals/{referral_id}/reply", response=WorkOut)
@scope_required("write")
def referral_reply(request: HttpRequest, uuid: UUID, referral_id: int, payload: ReplyIn):
    from django.http import Http404

    d = _dispute(request, uuid)
    referral = d.referrals.filter(pk=referral_id).first()
    if referral is None:
        raise Http404(_("记录不存在或无权查看。"))
    services.record_reply(referral=referral, reply=payload.reply, by=request.user)
    return _done(request, d)


@router.post("/{uuid}/close", response=WorkOut)
@scope_required("write")
def close(request: HttpRequest, uuid: UUID, payload: CloseIn):
    return _act(request, uuid, payload, services.close_dispute)


@router.post("/{uuid}/follow-up", response=WorkOut)
@scope_required("write")
def follow_up(request: HttpRequest, uuid: UUID, payload: FollowUpIn):
    return _act(request, uuid, payload, services.record_follow_up)
