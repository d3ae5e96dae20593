"""Every write of the court app: keyword-only, validated, one transaction, audited. State moves go
through pingan.core.workflow.transition (workflow.py); periods through pingan.core.deadlines with
the statutory settings (court.*). Services that depend on the time take `now=` so tests and the
worker's scans run on a fixed clock.

The parties live in the linked disputes.Dispute, created with disputes.services.create_dispute
(source "court"); the court never writes disputes' tables itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core import deadlines as dl
from pingan.core.audit import AuditEvent, record
from pingan.core.case_numbers import issue_case_number
from pingan.core.errors import ApplicationError
from pingan.core.models import Deadline, Setting
from pingan.core.outbox import publish
from pingan.core.settings_store import get_period, get_setting
from pingan.core.workflow import transition
from pingan.disputes import services as dispute_services
from pingan.disputes.models import Party, Source
from pingan.orgs.models import Agency
from pingan.orgs.permissions import can, has_object_permission

from .models import (
    CaseSeries,
    Comment,
    CourtCase,
    JudicialConfirmation,
    MediationDocument,
    MediatorProfile,
    Outcome,
    PartyConsent,
    ReturnReason,
    Session,
)

S = CourtCase.State
CHINA = dl.CHINA

# Deadline kinds (core.Deadline.kind) and the setting that gives each its period.
KIND_CHOOSE = "court.choose_mediator"
KIND_ACCEPT = "court.mediator_accept"
KIND_PERIOD = "court.mediation_period"
KIND_APPLY = "court.judicial_confirmation_apply"
KIND_RULING = "court.special_procedure"
PERIOD_SETTINGS = {
    KIND_CHOOSE: "court.choose_mediator_working_days",
    KIND_ACCEPT: "court.mediator_accept_working_days",
    KIND_PERIOD: "court.delegated_mediation_days",
    KIND_APPLY: "court.judicial_confirmation_apply_days",
    KIND_RULING: "court.special_procedure_days",
}
COURT_KINDS = (Agency.Kind.COURT, Agency.Kind.TRIBUNAL)
MEDIATION_KINDS = (Agency.Kind.MEDIATION_CENTRE, Agency.Kind.MEDIATION_COMMITTEE)
RESOLUTION_OUTCOMES = (Outcome.PERFORMED, Outcome.RECONCILED, Outcome.WITHDRAWN)


# --- helpers ----------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _today(now: datetime | None) -> date:
    return dl.local_date(_now(now))


def _noon(d: date) -> datetime:
    # A period that starts "on a day" (the agreement took effect, the application was filed):
    # the starting day is not counted (民事诉讼法 Art. 85), so any time of that day will do.
    return datetime.combine(d, time(12), tzinfo=CHINA)


def _require(by, case: CourtCase, *actions: str) -> None:
    """`by=None` is the system (worker scans, demo); a user needs one of `actions` on the case."""
    if by is None:
        return
    if not any(has_object_permission(by, case, a) for a in actions):
        raise PermissionDenied(_("无权执行此操作。"))


def _locked(case: CourtCase) -> CourtCase:
    return CourtCase.objects.select_for_update().select_related("dispute", "court").get(pk=case.pk)


def _case_ct() -> ContentType:
    return ContentType.objects.get_for_model(CourtCase)


def open_deadline(target, kind: str) -> Deadline | None:
    return (
        dl.deadlines_for(target).filter(kind=kind, status__in=dl.OPEN_STATUSES).order_by("-created_at", "-pk").first()
    )


def _start(target, kind: str, start: datetime, by) -> Deadline:
    key = PERIOD_SETTINGS[kind]
    amount, unit = get_period(key)
    source = Setting.objects.filter(key=key).values_list("source", flat=True).first() or key
    return dl.start_deadline(target=target, kind=kind, start=start, amount=amount, unit=unit, source=source[:300], by=by)


def _close(target, kind: str, *, by, status: str = Deadline.Status.MET, reason: str = "") -> None:
    d = open_deadline(target, kind)
    if d is not None:
        dl.complete_deadline(deadline=d, by=by, status=status, reason=reason)


def _close_all(case: CourtCase, *, by, status: str, reason: str = "") -> None:
    for d in dl.deadlines_for(case).filter(status__in=dl.OPEN_STATUSES):
        dl.complete_deadline(deadline=d, by=by, status=status, reason=reason)


def court_code_for(court: Agency) -> str:
    """The court's code in case numbers (data: setting court.court_codes, by agency code); a
    tribunal uses its court's code."""
    codes: dict[str, str] = get_setting("court.court_codes", dict)
    for code in reversed([c for c in court.path.split("/") if c]):
        if code in codes:
            return codes[code]
    raise ApplicationError(
        _("没有为“%(court)s”配置案号中的法院代字（参数 court.court_codes）。") % {"court": court.name},
        code="court_code_missing",
        field="court",
    )


def _case_type(which: str) -> str:
    return get_setting("court.case_types", dict)[which]


def _parties(case: CourtCase) -> list[Party]:
    return list(case.dispute.parties.all())


def _snapshot(case: CourtCase) -> dict[str, Any]:
    return {
        "state": case.state,
        "number": case.number,
        "court": case.court_id,
        "delegated_to": case.delegated_to_id,
        "mediator": case.mediator_id,
        "outcome": case.outcome,
        "return_reason": case.return_reason,
    }


def _audit(by, case, action: str, *, before=None, after=None, reason: str = "") -> None:
    record(actor=by, event_type=AuditEvent.COURT_CHANGED, action=action, obj=case, before=before, after=after,
           reason=reason)


# --- intake and consent -----------------------------------------------------------------------


@transaction.atomic
def receive_case(
    *,
    court: Agency,
    claim: str,
    received_on: date,
    dispute_data: dict[str, Any],
    parties: Sequence[dict[str, Any]],
    by,
    amount: Decimal | int | str = 0,
    filing_division: str = "",
    series: CaseSeries | None = None,
) -> CourtCase:
    """A civil or commercial case filed at the court or a tribunal. The parties and facts go into
    a disputes.Dispute (source "court"); `dispute_data` holds its title, facts, category and place."""
    if court.kind not in COURT_KINDS:
        raise ValidationError({"court": _("受理单位须为人民法院或人民法庭。")})
    amount = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    data = {"amount": amount, "received_at": _noon(received_on), "handling_agency": court, **dispute_data}
    dispute = dispute_services.create_dispute(data=data, parties=parties, by=by, source=Source.COURT)
    case = CourtCase(
        court=court, dispute=dispute, claim=(claim or "").strip(), amount=amount, received_on=received_on,
        filing_division=filing_division.strip(), series=series, created_by=by if getattr(by, "pk", None) else None,
    )
    case.full_clean(exclude=["dispute"])
    if series is not None and series.court_id != court.pk:
        raise ValidationError({"series": _("系列案须属于同一法院。")})
    case.save()
    _require_add(by, case)
    _audit(by, case, "court.case.receive", after={**_snapshot(case), "dispute": dispute.pk, "claim_len": len(case.claim)})
    return case


def _require_add(by, case: CourtCase) -> None:
    if by is not None and not has_object_permission(by, case, "add"):
        raise PermissionDenied(_("无权在该法院收案。"))


@transaction.atomic
def screen_case(*, case: CourtCase, by, note: str = "") -> CourtCase:
    """The clerk has screened the case and now asks each party about pre-litigation mediation."""
    transition(obj=case, name="screen", by=by, reason=note)
    return case


@transaction.atomic
def record_consent(
    *, case: CourtCase, party: Party, consents: bool, by, note: str = "", now: datetime | None = None
) -> PartyConsent:
    """Record one party's answer (特邀调解规定 Art. 11). A refusal sends the case on to filing."""
    case = _locked(case)
    _require(by, case, "change")
    if case.state != S.CONSENT_PENDING:
        raise ApplicationError(
            _("只有“征询调解意愿”阶段的案件可以登记当事人意愿，当前为“%(s)s”。") % {"s": case.get_state_display()},
            code="not_consent_pending",
        )
    if party.dispute_id != case.dispute_id:
        raise ValidationError({"party": _("该当事人不属于本案。")})
    if not consents and not note.strip():
        raise ValidationError({"note": _("当事人不同意调解的，请记录其意见。")})
    consent, _created = PartyConsent.objects.update_or_create(
        court_case=case, party=party,
        defaults={"consents": consents, "note": note.strip(), "recorded_by": by if getattr(by, "pk", None) else None,
                  "recorded_at": _now(now)},
    )
    _audit(by, case, "court.case.consent", after={"party": party.pk, "consents": consents}, reason=note)
    if not consents:
        _return_for_filing(
            case=case, reason=ReturnReason.REFUSED, by=by,
            note=_("当事人%(name)s不同意诉前调解：%(note)s") % {"name": party.name, "note": note.strip()}, now=now,
        )
    return consent


def missing_consents(case: CourtCase) -> list[Party]:
    agreed = set(case.consents.filter(consents=True).values_list("party_id", flat=True))
    return [p for p in _parties(case) if p.pk not in agreed]


# --- delegation and the mediator ----------------------------------------------------------------


@transaction.atomic
def delegate_case(*, case: CourtCase, organisation: Agency, by, now: datetime | None = None) -> CourtCase:
    """With every party's consent, delegate to the mediation centre or an organisation: the case
    gets its 民诉前调 number and the parties' period to choose a mediator starts."""
    case = _locked(case)
    if organisation.kind not in MEDIATION_KINDS or not organisation.is_active:
        raise ValidationError({"organisation": _("只能委派给人民调解中心或人民调解委员会。")})
    missing = missing_consents(case) if case.state == S.CONSENT_PENDING else []
    if missing:
        raise ApplicationError(
            _("以下当事人尚未同意诉前调解：%(names)s") % {"names": "、".join(p.name for p in missing)},
            code="consent_missing",
            field="consents",
        )
    at = _now(now)
    number = case.number
    if not number and case.state == S.CONSENT_PENDING:
        number = issue_case_number(
            court_code=court_code_for(case.court), case_type=_case_type("pre_litigation"),
            year=dl.local_date(at).year, target=case, by=by,
        )
    transition(obj=case, name="delegate", by=by, data={"organisation": organisation.pk},
               updates={"number": number, "delegated_to": organisation, "delegated_at": at})
    # The delegated organisation handles the dispute from now on (its mediators see the parties).
    dispute_services.update_dispute(dispute=case.dispute, data={"handling_agency": organisation}, by=by,
                                    reason=_("法院委派诉前调解"))
    _start(case, KIND_CHOOSE, at, by)
    return case


def _profile_for(user) -> MediatorProfile:
    profile = MediatorProfile.objects.filter(user=user, active=True).select_related("organisation").first()
    if profile is None:
        raise ValidationError({"mediator": _("该人员不在调解员名册中或已停用。")})
    return profile


@transaction.atomic
def assign_mediator(
    *, case: CourtCase, mediator, by, chosen_by: str = CourtCase.ChosenBy.COURT, now: datetime | None = None
) -> CourtCase:
    """The parties' choice from the roster (only within their period) or the clerk's designation
    (特邀调解规定 Art. 12; 在线调解规则 Art. 10). The mediator's period to accept starts."""
    case = _locked(case)
    profile = _profile_for(mediator)
    org = case.delegated_to
    if org is not None and not profile.organisation.path.startswith(org.path):
        raise ValidationError({"mediator": _("调解员须属于受委派的调解组织（%(org)s）。") % {"org": org.name}})
    at = _now(now)
    choose = open_deadline(case, KIND_CHOOSE)
    if chosen_by == CourtCase.ChosenBy.PARTIES:
        if choose is None or at > choose.due:
            raise ApplicationError(
                _("当事人选定调解员的期限已过，请由法院指定调解员。"), code="choice_period_over", field="chosen_by"
            )
    elif chosen_by != CourtCase.ChosenBy.COURT:
        raise ValidationError({"chosen_by": _("无效的产生方式。")})
    transition(obj=case, name="assign_mediator", by=by, data={"mediator": mediator.pk, "chosen_by": chosen_by},
               updates={"mediator": mediator, "mediator_chosen_by": chosen_by, "mediator_assigned_at": at,
                        "mediator_accepted_at": None})
    if choose is not None:
        _close(case, KIND_CHOOSE, by=by)
    _start(case, KIND_ACCEPT, at, by)
    publish("court.courtcase.mediator_assigned", {"case": case.pk, "mediator": mediator.pk})
    return case


@transaction.atomic
def accept_delegation(*, case: CourtCase, by, now: datetime | None = None) -> CourtCase:
    """The mediator signs for the case: the 30-day period (特邀调解规定 Art. 27) starts now."""
    case = _locked(case)
    at = _now(now)
    transition(obj=case, name="mediator_accept", by=by, updates={"mediator_accepted_at": at})
    _close(case, KIND_ACCEPT, by=by)
    _start(case, KIND_PERIOD, at, by)
    return case


@transaction.atomic
def decline_delegation(*, case: CourtCase, by, reason: str) -> CourtCase:
    """The mediator declines with reasons (在线调解规则 Art. 12); the clerk designates again."""
    if not reason.strip():
        raise ValidationError({"reason": _("请说明不接受委派的理由。")})
    case = _locked(case)
    transition(obj=case, name="mediator_decline", by=by, reason=reason.strip(),
               updates={"mediator": None, "mediator_chosen_by": "", "mediator_assigned_at": None})
    _close(case, KIND_ACCEPT, by=by, status=Deadline.Status.CANCELLED, reason=reason)
    return case


def _due_targets(kind: str, now: datetime, *, states: Iterable[str]) -> list[tuple[CourtCase, Deadline]]:
    rows = Deadline.objects.filter(
        content_type=_case_ct(), kind=kind, status=Deadline.Status.RUNNING, due__lt=now
    ).order_by("due", "pk")
    by_id = {int(d.object_id): d for d in rows}
    cases = CourtCase.objects.filter(pk__in=by_id, state__in=list(states)).order_by("pk")
    return [(c, by_id[c.pk]) for c in cases]


def mediator_accept_timeouts(*, now: datetime | None = None) -> list[CourtCase]:
    """Worker scan: a mediator who did not accept in time loses the case; it falls back to the
    clerk to designate someone else. Idempotent: a case moved once is no longer waiting."""
    at = _now(now)
    done = []
    for case, deadline in _due_targets(KIND_ACCEPT, at, states=[S.MEDIATOR_ASSIGNED]):
        with transaction.atomic():
            case = _locked(case)
            if case.state != S.MEDIATOR_ASSIGNED:
                continue
            mediator_id = case.mediator_id
            transition(obj=case, name="accept_timeout", by=None,
                       reason=_("调解员未在期限内确认接受委派，退回立案人员重新指定。"),
                       data={"mediator": mediator_id, "due": deadline.due.isoformat()},
                       updates={"mediator": None, "mediator_chosen_by": "", "mediator_assigned_at": None})
            dl.complete_deadline(deadline=deadline, by=None, status=Deadline.Status.EXPIRED)
            done.append(case)
    return done


# --- the mediation period -----------------------------------------------------------------------


def _all_parties_consent(case: CourtCase, consenting: Iterable[Party]) -> None:
    ids = {p.pk for p in consenting}
    missing = [p.name for p in _parties(case) if p.pk not in ids]
    if missing:
        raise ApplicationError(
            _("延长调解期限须经全体当事人同意，尚缺：%(names)s") % {"names": "、".join(missing)},
            code="consent_required", field="parties",
        )


def _period(case: CourtCase) -> Deadline:
    d = open_deadline(case, KIND_PERIOD)
    if d is None or case.state != S.IN_MEDIATION:
        raise ApplicationError(_("案件不在调解期间内。"), code="not_in_mediation")
    return d


@transaction.atomic
def extend_mediation(*, case: CourtCase, days: int, parties: Iterable[Party], reason: str, by) -> Deadline:
    """Extend the period with every party's consent (特邀调解规定 Art. 27; 在线调解规则 Art. 24)."""
    case = _locked(case)
    _require(by, case, "mediate", "change")
    _all_parties_consent(case, parties)
    deadline = dl.extend_deadline(deadline=_period(case), amount=int(days), unit=Deadline.Unit.NATURAL_DAYS,
                                  reason=reason, by=by)
    # A new end: the reminder is due again before it.
    Deadline.objects.filter(pk=deadline.pk).update(reminded_at=None)
    _audit(by, case, "court.case.extend", after={"days": days, "due": deadline.due.isoformat()}, reason=reason)
    return deadline


@transaction.atomic
def pause_mediation(*, case: CourtCase, on: date, reason: str, by) -> Deadline:
    """Appraisal time is not counted (在线调解规则 Art. 26)."""
    case = _locked(case)
    _require(by, case, "mediate", "change")
    return dl.pause_deadline(deadline=_period(case), on=on, reason=reason, by=by)


@transaction.atomic
def resume_mediation(*, case: CourtCase, on: date, by, reason: str = "") -> Deadline:
    case = _locked(case)
    _require(by, case, "mediate", "change")
    return dl.resume_deadline(deadline=_period(case), on=on, by=by, reason=reason)


def remind_due_mediations(*, now: datetime | None = None) -> int:
    """Worker scan: one reminder per period end (court.mediation_reminder_days before it), as an
    outbox event the notification side sends. Idempotent through Deadline.reminded_at."""
    at = _now(now)
    window = timedelta(days=get_setting("court.mediation_reminder_days", int))
    rows = Deadline.objects.filter(
        content_type=_case_ct(), kind=KIND_PERIOD, status=Deadline.Status.RUNNING, reminded_at__isnull=True,
        due__lte=at + window, due__gte=at,
    ).order_by("due", "pk")
    sent = 0
    for deadline in rows:
        with transaction.atomic():
            claimed = Deadline.objects.filter(pk=deadline.pk, reminded_at__isnull=True).update(reminded_at=at)
            if claimed != 1:
                continue
            case = CourtCase.objects.filter(pk=int(deadline.object_id)).values("pk", "mediator_id", "number").first()
            publish("court.mediation_period.reminder", {
                "case": int(deadline.object_id), "deadline": deadline.pk, "due": deadline.due.isoformat(),
                "mediator": case["mediator_id"] if case else None,
            })
            sent += 1
    return sent


def return_expired_mediations(*, now: datetime | None = None) -> list[CourtCase]:
    """Worker scan: a period that ended without extension sends the case back for filing (转立案),
    carrying what was agreed and what was not. Paused periods are not running, so never expire."""
    at = _now(now)
    done = []
    for case, deadline in _due_targets(KIND_PERIOD, at, states=[S.IN_MEDIATION]):
        with transaction.atomic():
            case = _locked(case)
            if case.state != S.IN_MEDIATION:
                continue
            dl.complete_deadline(deadline=deadline, by=None, status=Deadline.Status.EXPIRED)
            _return_for_filing(
                case=case, reason=ReturnReason.TIMED_OUT, by=None, now=at,
                note=_("调解期限已于 %(due)s 届满，未延长。") % {"due": dl.local_date(deadline.due).isoformat()},
            )
            done.append(case)
    return done


# --- outcomes -------------------------------------------------------------------------------


def _close_case(case: CourtCase, outcome: str, at: datetime) -> dict[str, Any]:
    return {"outcome": outcome, "outcome_at": at}


@transaction.atomic
def succeed_mediation(
    *, case: CourtCase, agreed_terms: str, agreement_effective_on: date, by, undisputed_facts: str = "",
    now: datetime | None = None,
) -> CourtCase:
    """An agreement: its effective date starts the parties' 30 days to apply for judicial
    confirmation (人民调解法 Art. 33)."""
    case = _locked(case)
    if not agreed_terms.strip():
        raise ValidationError({"agreed_terms": _("请填写调解协议的内容。")})
    accepted = dl.local_date(case.mediator_accepted_at) if case.mediator_accepted_at else case.received_on
    if agreement_effective_on < accepted or agreement_effective_on > _today(now):
        raise ValidationError({"agreement_effective_on": _("协议生效日期须在调解员接受委派之后、今天或以前。")})
    transition(obj=case, name="succeed", by=by, updates={
        "agreed_terms": agreed_terms.strip(), "undisputed_facts": undisputed_facts.strip(),
        "agreement_effective_on": agreement_effective_on,
    })
    _close_all(case, by=by, status=Deadline.Status.MET)
    _start(case, KIND_APPLY, _noon(agreement_effective_on), by)
    return case


@transaction.atomic
def fail_mediation(
    *, case: CourtCase, reason: str, undisputed_facts: str, disputed_matters: str, by, agreed_terms: str = "",
    now: datetime | None = None,
) -> CourtCase:
    """No agreement: the case returns for filing with the undisputed facts and what was agreed."""
    if not reason.strip():
        raise ValidationError({"reason": _("请说明调解不成的原因。")})
    case = _locked(case)
    transition(obj=case, name="fail", by=by, reason=reason.strip(), updates={
        "undisputed_facts": undisputed_facts.strip(), "disputed_matters": disputed_matters.strip(),
        "agreed_terms": agreed_terms.strip(),
    })
    _return_for_filing(case=case, reason=ReturnReason.FAILED, by=by, note=reason, now=now)
    return case


def _return_for_filing(*, case: CourtCase, reason: str, by, note: str = "", now: datetime | None = None) -> None:
    at = _now(now)
    _close_all(case, by=by, status=Deadline.Status.CANCELLED, reason=note)
    transition(obj=case, name="return_for_filing", by=by, reason=note,
               data={"return_reason": str(reason), "agreed_terms": case.agreed_terms,
                     "undisputed_facts": case.undisputed_facts, "disputed_matters": case.disputed_matters},
               updates={**_close_case(case, Outcome.RETURNED, at), "return_reason": reason})


@transaction.atomic
def return_for_filing(
    *, case: CourtCase, by, reason: str = ReturnReason.OTHER, note: str = "", now: datetime | None = None
) -> CourtCase:
    """The clerk sends a case on to filing (e.g. after a rejected confirmation)."""
    if reason not in ReturnReason.values:
        raise ValidationError({"reason": _("无效的转立案原因。")})
    case = _locked(case)
    _require(by, case, "change")
    _return_for_filing(case=case, reason=reason, by=by, note=note, now=now)
    return case


@transaction.atomic
def record_resolution(*, case: CourtCase, outcome: str, by, note: str = "", now: datetime | None = None) -> CourtCase:
    """Performed on the spot, reconciled or withdrawn (现场兑现、和好、撤诉)."""
    if outcome not in RESOLUTION_OUTCOMES:
        raise ValidationError({"outcome": _("结果须为现场兑现、和好或撤诉。")})
    case = _locked(case)
    transition(obj=case, name="resolve", by=by, reason=note, updates=_close_case(case, outcome, _now(now)))
    _close_all(case, by=by, status=Deadline.Status.CANCELLED, reason=note)
    return case


@transaction.atomic
def apply_mediation_document(*, case: CourtCase, applied_on: date, by, content: str = "") -> MediationDocument:
    case = _locked(case)
    doc = MediationDocument(court_case=case, applied_on=applied_on, content=(content or case.agreed_terms).strip(),
                            created_by=by if getattr(by, "pk", None) else None)
    doc.full_clean(exclude=["court_case"])
    transition(obj=case, name="apply_document", by=by)
    _close_all(case, by=by, status=Deadline.Status.MET)
    doc.save()
    return doc


@transaction.atomic
def issue_mediation_document(*, case: CourtCase, issued_on: date, by, now: datetime | None = None) -> MediationDocument:
    case = _locked(case)
    doc = MediationDocument.objects.select_for_update().get(court_case=case)
    if issued_on < doc.applied_on:
        raise ValidationError({"issued_on": _("出具日期不能早于申请日期。")})
    transition(obj=case, name="issue_document", by=by, updates=_close_case(case, Outcome.MEDIATION_DOCUMENT, _now(now)))
    doc.issued_on = issued_on
    doc.save(update_fields=["issued_on"])
    return doc


@transaction.atomic
def apply_for_confirmation(
    *, case: CourtCase, applicants: Iterable[Party], applied_on: date, by
) -> JudicialConfirmation:
    """The parties' joint application (人民调解法 Art. 33; 民事诉讼法 Art. 205) within the period
    from the agreement's effective date; later applications are refused. Files a 民特 case whose
    own period (Art. 187) starts on the application day."""
    case = _locked(case)
    applicants = list(applicants)
    ids = {p.pk for p in applicants}
    missing = [p.name for p in _parties(case) if p.role != Party.Role.THIRD_PARTY and p.pk not in ids]
    if missing:
        raise ApplicationError(
            _("司法确认须由双方当事人共同申请，尚缺：%(names)s") % {"names": "、".join(missing)},
            code="joint_application_required", field="applicants",
        )
    if any(p.dispute_id != case.dispute_id for p in applicants):
        raise ValidationError({"applicants": _("申请人须为本案当事人。")})
    if case.state != S.SUCCEEDED or case.agreement_effective_on is None:
        raise ApplicationError(_("只有调解成功的案件可以申请司法确认。"), code="transition_not_allowed")
    if applied_on < case.agreement_effective_on:
        raise ValidationError({"applied_on": _("申请日期不能早于调解协议生效日期。")})
    window = open_deadline(case, KIND_APPLY)
    if window is None or applied_on > dl.local_date(window.due):
        last = dl.local_date(window.due) if window is not None else None
        raise ApplicationError(
            _("申请司法确认须在调解协议生效之日起 %(n)s 日内提出（最后一日：%(last)s），本申请已逾期。")
            % {"n": get_setting("court.judicial_confirmation_apply_days", int), "last": last or "—"},
            code="confirmation_out_of_time", field="applied_on",
        )
    number = issue_case_number(court_code=court_code_for(case.court), case_type=_case_type("special_procedure"),
                               year=applied_on.year, target=case, by=by)
    jc = JudicialConfirmation(court_case=case, number=number, applied_on=applied_on,
                              created_by=by if getattr(by, "pk", None) else None)
    jc.full_clean(exclude=["court_case"])
    transition(obj=case, name="apply_confirmation", by=by, data={"number": number, "applied_on": applied_on.isoformat()})
    jc.save()
    jc.applicants.set(applicants)
    dl.complete_deadline(deadline=window, by=by, status=Deadline.Status.MET)
    _start(jc, KIND_RULING, _noon(applied_on), by)
    return jc


def pending_confirmation(case: CourtCase) -> JudicialConfirmation:
    jc = case.confirmations.filter(ruling="").first()
    if jc is None:
        raise ApplicationError(_("本案没有待裁定的司法确认申请。"), code="no_pending_confirmation")
    return jc


@transaction.atomic
def rule_on_confirmation(
    *, case: CourtCase, confirmed: bool, ruled_on: date, by, reason: str = "", now: datetime | None = None
) -> JudicialConfirmation:
    """The court's ruling: the agreement is valid (enforceable), or the application is rejected
    with a reason (the parties may then re-mediate or sue: return for filing)."""
    case = _locked(case)
    jc = JudicialConfirmation.objects.select_for_update().get(pk=pending_confirmation(case).pk)
    if not confirmed and not reason.strip():
        raise ValidationError({"reason": _("驳回申请须说明理由。")})
    if ruled_on < jc.applied_on:
        raise ValidationError({"ruled_on": _("裁定日期不能早于申请日期。")})
    if confirmed:
        transition(obj=case, name="confirm", by=by, reason=reason,
                   updates=_close_case(case, Outcome.JUDICIAL_CONFIRMATION, _now(now)))
    else:
        transition(obj=case, name="reject", by=by, reason=reason)
    jc.ruling = JudicialConfirmation.Ruling.CONFIRMED if confirmed else JudicialConfirmation.Ruling.REJECTED
    jc.ruling_reason = reason.strip()
    jc.ruled_on = ruled_on
    jc.ruled_by = by if getattr(by, "pk", None) else None
    jc.full_clean(exclude=["court_case"])
    jc.save()
    _close(jc, KIND_RULING, by=by)
    return jc


# --- supervision, sessions ---------------------------------------------------------------------


@transaction.atomic
def add_comment(*, case: CourtCase, text: str, by) -> Comment:
    if not text.strip():
        raise ValidationError({"text": _("请填写意见。")})
    _require(by, case, "comment")
    comment = Comment.objects.create(court_case=case, author=by, text=text.strip())
    _audit(by, case, "court.case.comment", after={"comment": comment.pk})
    publish("court.courtcase.commented", {"case": case.pk, "comment": comment.pk, "mediator": case.mediator_id})
    return comment


@transaction.atomic
def record_session(
    *, cases: Sequence[CourtCase], held_at: datetime, by, place: str = "", online: bool = False,
    attendees: str = "", minutes: str = "",
) -> Session:
    """One session, possibly for every case of a series at once."""
    if not cases:
        raise ValidationError({"cases": _("请选择案件。")})
    for case in cases:
        _require(by, case, "mediate")
        if case.state != S.IN_MEDIATION:
            raise ApplicationError(
                _("案件%(n)s不在调解中。") % {"n": case.number or case.pk}, code="not_in_mediation", field="cases"
            )
    session = Session(held_at=held_at, place=place.strip(), online=online, attendees=attendees.strip(),
                      minutes=minutes.strip(), recorded_by=by if getattr(by, "pk", None) else None)
    session.full_clean()
    session.save()
    session.cases.set(cases)
    for case in cases:
        _audit(by, case, "court.case.session", after={"session": session.pk, "cases": len(cases)})
    return session


# --- roster ---------------------------------------------------------------------------------


@transaction.atomic
def save_mediator_profile(
    *, user, organisation: Agency, place, by, specialities: Iterable[Any] = (), active: bool = True, note: str = ""
) -> MediatorProfile:
    if by is not None and not can(by, "add", MediatorProfile):
        raise PermissionDenied(_("无权维护调解员名册。"))
    if organisation.kind not in MEDIATION_KINDS:
        raise ValidationError({"organisation": _("调解员须属于人民调解中心或人民调解委员会。")})
    profile, created = MediatorProfile.objects.update_or_create(
        user=user, defaults={"organisation": organisation, "place": place, "active": active, "note": note}
    )
    profile.full_clean()
    profile.specialities.set(list(specialities))
    record(actor=by, event_type=AuditEvent.COURT_CHANGED, action="court.roster.save", obj=profile,
           after={"user": user.pk, "organisation": organisation.pk, "place": place.pk, "active": active,
                  "specialities": sorted(getattr(s, "code", str(s)) for s in specialities), "created": created})
    return profile


# --- series -------------------------------------------------------------------------------


def _join_series(series: CaseSeries, cases: Sequence[CourtCase], by) -> list[CourtCase]:
    """Put `cases` into `series`, locked and checked one by one: a case the user may not change,
    of another court, already in a series or already finished refuses the whole request."""
    if not cases:
        raise ValidationError({"cases": _("请选择案件。")})
    locked = list(CourtCase.objects.select_for_update().select_related("dispute")
                  .filter(pk__in=[c.pk for c in cases]).order_by("pk"))
    for case in locked:
        label = case.number or case.dispute.title
        _require(by, case, "change")
        if case.court_id != series.court_id:
            raise ValidationError({"cases": _("系列案的案件须属于同一法院：%(n)s") % {"n": label}})
        if case.series_id is not None and case.series_id != series.pk:
            raise ApplicationError(_("案件 %(n)s 已属于另一系列案。") % {"n": label}, code="already_in_series",
                                   field="cases")
        if case.outcome:
            raise ApplicationError(_("案件 %(n)s 已结案，不能并入系列案。") % {"n": label}, code="case_closed",
                                   field="cases")
    CourtCase.objects.filter(pk__in=[c.pk for c in locked]).update(series=series)
    return locked


@transaction.atomic
def create_series(*, name: str, court: Agency, cases: Sequence[CourtCase], by, facts: str = "") -> CaseSeries:
    """The clerk groups related cases (same parties, same facts) of one court into a series."""
    series = CaseSeries(name=name.strip(), court=court, facts=facts.strip(),
                        created_by=by if getattr(by, "pk", None) else None)
    series.full_clean()
    series.save()
    if by is not None and not has_object_permission(by, series, "add"):
        raise PermissionDenied(_("无权在该法院建立系列案。"))
    joined = _join_series(series, cases, by)
    record(actor=by, event_type=AuditEvent.COURT_CHANGED, action="court.series.create", obj=series,
           after={"name": series.name, "court": court.pk, "cases": [c.pk for c in joined]})
    return series


@transaction.atomic
def add_to_series(*, series: CaseSeries, cases: Sequence[CourtCase], by) -> CaseSeries:
    """More cases of the same court join an existing series (the later ones of a batch of suits)."""
    series = CaseSeries.objects.select_for_update().get(pk=series.pk)
    if by is not None and not has_object_permission(by, series, "change"):
        raise PermissionDenied(_("无权执行此操作。"))
    joined = _join_series(series, cases, by)
    record(actor=by, event_type=AuditEvent.COURT_CHANGED, action="court.series.add", obj=series,
           after={"cases": [c.pk for c in joined]})
    return series


def _each(series: CaseSeries, states: Iterable[str], step: Callable[[CourtCase], Any]) -> list[Any]:
    """Run `step` on every case of the series in `states`, all or nothing: a refusal names the
    case and rolls back the whole batch."""
    cases = list(series.cases.filter(state__in=list(states)).select_related("dispute", "court").order_by("pk"))
    if not cases:
        raise ApplicationError(_("系列案中没有可以执行此操作的案件。"), code="nothing_to_do")
    results = []
    with transaction.atomic():
        for case in cases:
            try:
                results.append(step(case))
            except (ApplicationError, ValidationError, PermissionDenied) as exc:
                message = getattr(exc, "message", None) or "；".join(getattr(exc, "messages", [str(exc)]))
                raise ApplicationError(
                    _("案件 %(n)s：%(m)s") % {"n": case.number or case.dispute.title, "m": message},
                    code=getattr(exc, "code", None) or "batch_failed",
                ) from exc
    return results


def delegate_series(*, series: CaseSeries, organisation: Agency, by, now: datetime | None = None) -> list[CourtCase]:
    return _each(series, [S.CONSENT_PENDING], lambda c: delegate_case(case=c, organisation=organisation, by=by, now=now))


def assign_series_mediator(
    *, series: CaseSeries, mediator, by, chosen_by: str = CourtCase.ChosenBy.COURT, now: datetime | None = None
) -> list[CourtCase]:
    return _each(series, [S.DELEGATED],
                 lambda c: assign_mediator(case=c, mediator=mediator, by=by, chosen_by=chosen_by, now=now))


def accept_series(*, series: CaseSeries, by, now: datetime | None = None) -> list[CourtCase]:
    return _each(series, [S.MEDIATOR_ASSIGNED], lambda c: accept_delegation(case=c, by=by, now=now))


def apply_series_confirmation(*, series: CaseSeries, applied_on: date, by) -> list[JudicialConfirmation]:
    """One joint application per succeeded case of the series (each party of each case joins)."""
    return _each(series, [S.SUCCEEDED],
                 lambda c: apply_for_confirmation(case=c, applicants=_parties(c), applied_on=applied_on, by=by))


def confirm_series(*, series: CaseSeries, ruled_on: date, by, now: datetime | None = None) -> list[JudicialConfirmation]:
    return _each(series, [S.CONFIRMATION_APPLIED],
                 lambda c: rule_on_confirmation(case=c, confirmed=True, ruled_on=ruled_on, by=by, now=now))
