"""Mediation work on the mediation organisation's side: sessions, notes and evidence, outcomes,
the mediation agreement (人民调解协议书, 人民调解法 Art. 29) with its signatures, and failure.

Hooks for the court app (it builds on disputes, never the reverse):
- outbox `disputes.dispute.failed` {dispute, uuid, reason, undisputed_facts, source, external_ref}
  when mediation fails (return for filing carries the undisputed facts);
- outbox `disputes.agreement.effective` {dispute, agreement, effective_at} when the last
  signature/seal is recorded — the 30 days for judicial confirmation (Art. 33) run from then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record, record_view
from pingan.core.deadlines import local_date
from pingan.core.documents import docx_to_pdf, render_docx
from pingan.core.errors import ApplicationError
from pingan.core.outbox import publish
from pingan.core.workflow import transition
from pingan.orgs.models import Agency

from .models import (
    Agreement,
    Attachment,
    Dispute,
    MediationNote,
    MediationSession,
    Outcome,
    Party,
    Signature,
)

TEMPLATES = Path(__file__).resolve().parent / "templates_docx"
SESSION_FIELDS = ("held_at", "mode", "place", "attendees", "minutes")
AGREEMENT_FIELDS = (
    "agreed_on", "facts", "disputed_matters", "responsibility", "terms", "performance_method",
    "performance_deadline", "copies",
)
# Outcomes that end mediation successfully without a written agreement, and their transition.
SIMPLE_OUTCOMES: dict[str, str] = {
    Outcome.Kind.ORAL_AGREEMENT: "agree",
    Outcome.Kind.PERFORMED: "agree",
    Outcome.Kind.RECONCILED: "agree",
    Outcome.Kind.WITHDRAWN: "withdraw",
}


def _check(by, dispute: Dispute, action: str) -> None:
    from .services import _check as check

    check(by, dispute, action)


def _locked(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update(of=("self",)).select_related("handling_agency").get(pk=dispute.pk)


def _not_before_intake(dispute: Dispute, day: dt.date, field: str) -> None:
    received = local_date(dispute.received_at)
    if day < received:
        raise ValidationError(
            {field: _("日期 %(day)s 早于纠纷受理日期 %(received)s。") % {"day": day, "received": received}},
            code="before_intake",
        )
    if day > timezone.localdate():
        raise ValidationError({field: _("日期不能晚于今天。")}, code="in_future")


def _ensure_mediating(dispute: Dispute, by) -> None:
    """Recording a session on an accepted dispute starts mediation (the first session is the start)."""
    if dispute.state == "accepted":
        transition(obj=dispute, name="start_mediation", by=by)
    elif dispute.state != "mediating":
        raise ApplicationError(
            _("当前状态「%(state)s」不能记录调解工作。") % {"state": _state(dispute)}, code="transition_not_allowed"
        )


def _state(dispute: Dispute) -> str:
    from .workflow import DISPUTE

    return DISPUTE.label(dispute.state)


@transaction.atomic
def start_mediation(*, dispute: Dispute, by) -> Dispute:
    dispute = _locked(dispute)
    transition(obj=dispute, name="start_mediation", by=by)
    return dispute


@transaction.atomic
def add_session(*, dispute: Dispute, data: Mapping[str, Any], by) -> MediationSession:
    unknown = set(data) - set(SESSION_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    dispute = _locked(dispute)
    _check(by, dispute, "mediate")
    session = MediationSession(dispute=dispute, mediator=by if getattr(by, "pk", None) else None,
                               created_by=by if getattr(by, "pk", None) else None, **dict(data))
    session.full_clean()
    # Pages give minutes only: a session in the minute of intake is not "before" it.
    if session.held_at < dispute.received_at.replace(second=0, microsecond=0):
        raise ValidationError({"held_at": _("调解时间早于纠纷受理时间。")}, code="before_intake")
    if session.held_at > timezone.now() + dt.timedelta(days=365):
        raise ValidationError({"held_at": _("调解时间不合理。")}, code="invalid")
    _ensure_mediating(dispute, by)
    session.save()
    record(actor=by, event_type=AuditEvent.DISPUTE_MEDIATION, action="dispute.add_session", obj=dispute,
           after={"session": session.pk, "held_at": session.held_at.isoformat(), "mode": session.mode})
    return session


@transaction.atomic
def add_note(*, dispute: Dispute, text: str, by, kind: str = MediationNote.Kind.NOTE,
             attachment: Attachment | None = None) -> MediationNote:
    dispute = _locked(dispute)
    _check(by, dispute, "mediate")
    if attachment is not None and attachment.dispute_id != dispute.pk:
        raise ValidationError({"attachment": _("附件不属于该纠纷。")})
    note = MediationNote(dispute=dispute, kind=kind, text=(text or "").strip(), attachment=attachment,
                         author=by if getattr(by, "pk", None) else None)
    note.full_clean()
    note.save()
    record(actor=by, event_type=AuditEvent.DISPUTE_MEDIATION, action="dispute.add_note", obj=dispute,
           after={"note": note.pk, "kind": kind, "attachment": attachment.pk if attachment else None})
    return note


def _outcome(dispute: Dispute, *, kind: str, decided_on: dt.date, by, reason: str = "", content: str = "") -> Outcome:
    _not_before_intake(dispute, decided_on, "decided_on")
    outcome = Outcome(dispute=dispute, kind=kind, decided_on=decided_on, reason=reason.strip(),
                      content=content.strip(), by=by if getattr(by, "pk", None) else None)
    outcome.full_clean()
    if kind == Outcome.Kind.ORAL_AGREEMENT and not outcome.content:
        raise ValidationError({"content": _("口头协议须由调解员记录协议内容（人民调解法第二十八条）。")}, code="required")
    outcome.save()
    return outcome


@transaction.atomic
def record_outcome(*, dispute: Dispute, kind: str, decided_on: dt.date, by, reason: str = "",
                   content: str = "") -> Outcome:
    """Performed on the spot, reconciled, an oral agreement (Art. 28: the mediator records its
    content) or withdrawn. Written agreements: create_agreement; failure: fail_mediation."""
    if kind not in SIMPLE_OUTCOMES:
        raise ValidationError({"kind": _("请选择有效的调解结果。")}, code="invalid_choice")
    dispute = _locked(dispute)
    _check(by, dispute, "mediate")
    outcome = _outcome(dispute, kind=kind, decided_on=decided_on, by=by, reason=reason, content=content)
    transition(obj=dispute, name=SIMPLE_OUTCOMES[kind], by=by, reason=reason,
               data={"outcome": outcome.pk, "kind": kind})
    record(actor=by, event_type=AuditEvent.DISPUTE_MEDIATION, action="dispute.outcome", obj=dispute,
           after={"outcome": outcome.pk, "kind": kind, "decided_on": decided_on.isoformat()}, reason=reason)
    return outcome


@transaction.atomic
def fail_mediation(*, dispute: Dispute, reason: str, by, undisputed_facts: str = "",
                   decided_on: dt.date | None = None) -> Outcome:
    """Mediation failed, with the reason; the court app picks up `disputes.dispute.failed`."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("调解不成须说明原因。")}, code="required")
    dispute = _locked(dispute)
    _check(by, dispute, "mediate")
    outcome = _outcome(dispute, kind=Outcome.Kind.FAILED, decided_on=decided_on or timezone.localdate(), by=by,
                       reason=reason, content=undisputed_facts)
    transition(obj=dispute, name="fail", by=by, reason=reason, data={"outcome": outcome.pk})
    publish("disputes.dispute.failed", {
        "dispute": dispute.pk, "uuid": str(dispute.uuid), "outcome": outcome.pk, "reason": outcome.reason,
        "undisputed_facts": outcome.content, "source": dispute.source, "external_ref": dispute.external_ref,
    })
    record(actor=by, event_type=AuditEvent.DISPUTE_MEDIATION, action="dispute.fail", obj=dispute,
           after={"outcome": outcome.pk}, reason=reason)
    return outcome


def _committee(dispute: Dispute) -> Agency:
    """The mediation organisation that seals the agreement: the lead if it is one, else the
    first mediation committee or centre taking part, else the lead itself."""
    from .routing import current_routing

    routing = current_routing(dispute)
    if routing is None:
        if dispute.handling_agency is None:
            raise ApplicationError(_("纠纷尚未分流到调解组织。"), code="no_committee")
        return dispute.handling_agency
    mediating = [Agency.Kind.MEDIATION_COMMITTEE, Agency.Kind.MEDIATION_CENTRE]
    if routing.lead_agency.kind in mediating:
        return routing.lead_agency
    other = routing.agencies.filter(kind__in=mediating).order_by("code").first()
    return other or routing.lead_agency


def _agreement_number(committee: Agency, year: int) -> str:
    Agency.objects.select_for_update().filter(pk=committee.pk).first()  # serialise numbering per committee
    seq = Agreement.objects.filter(committee=committee, agreed_on__year=year).count() + 1
    short = committee.short_name or committee.name
    return f"（{year}）{short}调字第{seq}号"


@transaction.atomic
def create_agreement(*, dispute: Dispute, data: Mapping[str, Any], by) -> Agreement:
    """Written mediation agreement (Art. 29): content, then signatures (sign_agreement)."""
    unknown = set(data) - set(AGREEMENT_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    dispute = _locked(dispute)
    _check(by, dispute, "mediate")
    if dispute.state != "mediating":
        raise ApplicationError(
            _("当前状态「%(state)s」不能制作调解协议。") % {"state": _state(dispute)}, code="transition_not_allowed"
        )
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    agreed_on = values.get("agreed_on")
    if not isinstance(agreed_on, dt.date):
        raise ValidationError({"agreed_on": _("请填写协议日期。")}, code="required")
    _not_before_intake(dispute, agreed_on, "agreed_on")
    deadline = values.get("performance_deadline")
    if isinstance(deadline, dt.date) and deadline < agreed_on:
        raise ValidationError({"performance_deadline": _("履行期限不能早于协议日期。")}, code="before_agreement")
    committee = _committee(dispute)
    outcome = _outcome(dispute, kind=Outcome.Kind.AGREEMENT, decided_on=agreed_on, by=by)
    agreement = Agreement(dispute=dispute, outcome=outcome, mediator=by, committee=committee,
                          number=_agreement_number(committee, agreed_on.year), **values)
    agreement.full_clean()
    agreement.save()
    transition(obj=dispute, name="agree", by=by, data={"outcome": outcome.pk, "agreement": agreement.pk})
    record(actor=by, event_type=AuditEvent.DISPUTE_AGREEMENT, action="dispute.agreement", obj=dispute,
           after={"agreement": agreement.pk, "number": agreement.number, "agreed_on": agreed_on.isoformat(),
                  "committee": committee.code})
    return agreement


def missing_signatures(agreement: Agreement) -> list[str]:
    signed = list(agreement.signatures.all())
    parties = {s.party_id for s in signed if s.role == Signature.Role.PARTY}
    roles = {s.role for s in signed}
    missing = [p.name for p in agreement.dispute.parties.all() if p.pk not in parties]
    if Signature.Role.MEDIATOR not in roles:
        missing.append(str(Signature.Role.MEDIATOR.label))
    if Signature.Role.SEAL not in roles:
        missing.append(str(Signature.Role.SEAL.label))
    return missing


@transaction.atomic
def sign_agreement(*, agreement: Agreement, role: str, by, party: Party | None = None,
                   signed_at: dt.datetime | None = None) -> Signature:
    """Record who signed (or sealed) and when. The agreement takes effect with the last one."""
    agreement = Agreement.objects.select_for_update(of=("self",)).select_related("dispute", "committee", "mediator").get(pk=agreement.pk)
    dispute = agreement.dispute
    _check(by, dispute, "mediate")
    signed_at = signed_at or timezone.now()
    if local_date(signed_at) < agreement.agreed_on:
        raise ValidationError({"signed_at": _("签署时间早于协议日期。")}, code="before_agreement")
    if signed_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"signed_at": _("签署时间不能晚于现在。")}, code="in_future")
    if role == Signature.Role.PARTY:
        if party is None or party.dispute_id != dispute.pk:
            raise ValidationError({"party": _("请选择本纠纷的当事人。")}, code="required")
        name = party.name
    elif role == Signature.Role.MEDIATOR:
        party, name = None, agreement.mediator.get_full_name() or agreement.mediator.username
    elif role == Signature.Role.SEAL:
        party, name = None, agreement.committee.name
    else:
        raise ValidationError({"role": _("无效的签署方。")}, code="invalid_choice")
    if agreement.signatures.filter(role=role, party=party).exists():
        raise ValidationError({"role": _("%(name)s 已签署。") % {"name": name}}, code="duplicate")
    sig = Signature(agreement=agreement, role=role, party=party, name=name, signed_at=signed_at,
                    recorded_by=by if getattr(by, "pk", None) else None)
    sig.full_clean(validate_constraints=False)
    sig.save()
    after: dict[str, Any] = {"agreement": agreement.pk, "role": role, "name": name, "signed_at": signed_at.isoformat()}
    if agreement.effective_at is None and not missing_signatures(agreement):
        effective = max(s.signed_at for s in agreement.signatures.all())
        Agreement.objects.filter(pk=agreement.pk).update(effective_at=effective)
        agreement.effective_at = effective
        after["effective_at"] = effective.isoformat()
        publish("disputes.agreement.effective", {
            "dispute": dispute.pk, "agreement": agreement.pk, "effective_at": effective.isoformat(),
        })
    record(actor=by, event_type=AuditEvent.DISPUTE_AGREEMENT, action="dispute.sign_agreement", obj=dispute, after=after)
    return sig


# --- documents ----------------------------------------------------------------------------------


def _fmt_date(d: dt.date | dt.datetime | None) -> str:
    if d is None:
        return ""
    d = local_date(d) if isinstance(d, dt.datetime) else d
    return f"{d.year}年{d.month}月{d.day}日"


def agreement_context(agreement: Agreement) -> dict[str, Any]:
    signatures = {s.party_id: s for s in agreement.signatures.all() if s.role == Signature.Role.PARTY}
    roles = {s.role: s for s in agreement.signatures.all() if s.role != Signature.Role.PARTY}
    parties = []
    for p in agreement.dispute.parties.all():
        sig = signatures.get(p.pk)
        parties.append({
            "role": p.get_role_display(), "name": p.name, "id_number": p.id_number or "", "credit_code": p.credit_code,
            "address": p.address, "phone": p.phone,
            "signature": f"{sig.name}（{_fmt_date(sig.signed_at)}）" if sig else "",
        })
    mediator = roles.get(Signature.Role.MEDIATOR)
    return {
        "number": agreement.number, "parties": parties, "facts": agreement.facts,
        "disputed_matters": agreement.disputed_matters, "responsibility": agreement.responsibility,
        "terms": agreement.terms, "performance_method": agreement.performance_method,
        "performance_deadline": _fmt_date(agreement.performance_deadline), "copies": agreement.copies,
        "mediator": f"{mediator.name}（{_fmt_date(mediator.signed_at)}）" if mediator else "",
        "committee": agreement.committee.name, "sealed": Signature.Role.SEAL in roles,
        "agreed_on": _fmt_date(agreement.agreed_on),
    }


def agreement_document(*, agreement: Agreement, by, fmt: str = "docx") -> bytes:
    """The agreement as DOCX or PDF. It carries the parties' full ID numbers (the parties sign
    it), so producing it is recorded as a view of sensitive data."""
    docx = render_docx(TEMPLATES / "mediation_agreement.docx", agreement_context(agreement))
    record_view(actor=by, obj=agreement.dispute, fields=["agreement", "parties.id_number", "parties.phone"],
                reason=f"调解协议书 {agreement.number} ({fmt})")
    return docx_to_pdf(docx) if fmt == "pdf" else docx
