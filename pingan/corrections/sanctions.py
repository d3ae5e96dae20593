"""Sanctions: the ladder proposes (rule set `corrections.sanction_ladder`), the county bureau
approves, admonitions and warnings are notified to the person, proposals to the court (revocation,
custody, arrest) or police are submitted and tracked against their statutory decision periods."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core import deadlines
from pingan.core.audit import AuditEvent, record
from pingan.core.errors import ApplicationError
from pingan.core.rules import evaluate
from pingan.core.settings_store import get_period, get_setting
from pingan.core.workflow import transition

from .models import Alert, Sanction, Supervisee

LADDER = "corrections.sanction_ladder"
DOC_PREFIX = {"admonition": "训", "warning": "警", "revocation": "撤", "custody": "收", "arrest": "捕",
              "police_penalty": "治"}
COURT_PERIOD = {"revocation": "corrections.revocation_decision_days", "custody": "corrections.revocation_decision_days",
                "arrest": "corrections.arrest_decision_hours"}
DECISION_DEADLINE = "corrections.court_decision"


def prior_counts(supervisee: Supervisee) -> dict[str, int]:
    """Effective admonitions since the latest warning (an admonition 'corrected' by a warning no
    longer counts towards the next warning) and all effective warnings."""
    effective = Sanction.objects.filter(supervisee=supervisee, state__in=Sanction.EFFECTIVE)
    last_warning = effective.filter(kind="warning").order_by("-decided_on", "-pk").values_list("decided_on", flat=True).first()
    admonitions = effective.filter(kind="admonition")
    if last_warning is not None:
        admonitions = admonitions.filter(decided_on__gt=last_warning)
    return {"admonitions": admonitions.count(), "warnings": effective.filter(kind="warning").count()}


def ladder_record(*, supervisee: Supervisee, facts: dict[str, Any], alert: Alert | None = None,
                  today: date | None = None) -> dict[str, Any]:
    """The facts the ladder sees; the statutory thresholds (settings) turn numbers into flags."""
    today = today or timezone.localdate()
    absent_days = facts.get("absent_days")
    if absent_days is None and alert is not None and alert.kind in ("left_area", "silence", "battery_dead"):
        end = alert.breach.ended_at if alert.breach_id and alert.breach and alert.breach.ended_at else timezone.now()
        absent_days = max(0, (end - alert.occurred_at).days)
    absent_days = int(absent_days or 0)
    months = get_setting("corrections.revocation_absent_months", int)
    absent_start = today - timedelta(days=absent_days)
    prior = prior_counts(supervisee)
    return {
        "sentence_type": supervisee.sentence_type,
        "violation": alert.kind if alert else facts.get("violation", "other"),
        "absent_days": absent_days,
        "absent_over_admonition_limit": absent_days > get_setting("corrections.admonition_max_absent_days", int),
        "absent_over_revocation_limit": absent_days > 0 and deadlines.add_months(absent_start, months) < today,
        "admonitions_reached": prior["admonitions"] >= get_setting("corrections.admonitions_before_warning", int),
        "warnings_reached": prior["warnings"] >= get_setting("corrections.warnings_before_revocation", int),
        "prior": prior,
        "prohibition": facts.get("prohibition", "none"),
        "serious": bool(facts.get("serious", False)),
        "public_order_offence": bool(facts.get("public_order_offence", False)),
        "police_penalty_uncorrected": bool(facts.get("police_penalty_uncorrected", False)),
        "arrest_grounds": bool(facts.get("arrest_grounds", False)),
    }


def propose(*, supervisee: Supervisee, facts: dict[str, Any], alert: Alert | None = None) -> tuple[str, dict]:
    """(kind, grounds) the ladder proposes — no write; pages show it before saving."""
    rec = ladder_record(supervisee=supervisee, facts=facts, alert=alert)
    ev = evaluate(LADDER, rec)
    return str(ev.result), {"record": rec, "evaluation": ev.as_dict(), "explanation": ev.explanation}


def propose_sanction(*, supervisee: Supervisee, by, facts: dict[str, Any], description: str,
                     alert: Alert | None = None, kind: str | None = None) -> Sanction:
    """The 司法所's proposal. `kind` overrides the ladder's suggestion (kept in proposed_kind)."""
    suggested, grounds = propose(supervisee=supervisee, facts=facts, alert=alert)
    chosen = kind or suggested
    if chosen not in Sanction.Kind.values:
        raise ApplicationError(_("处理措施无效。"), code="invalid", field="kind")
    if alert is not None and alert.state != Alert.State.VIOLATION:
        raise ApplicationError(_("只有确认违规的告警才能提出处理建议。"), code="invalid_state", field="alert")
    sanction = Sanction(
        supervisee=supervisee, justice_office_id=supervisee.justice_office_id, alert=alert, kind=chosen,
        proposed_kind=suggested, facts=description, grounds=grounds,
        found_by_system=bool(alert is not None and alert.found_by_system),
        proposed_by=by if getattr(by, "pk", None) else None,
    )
    sanction.full_clean(exclude=["supervisee", "justice_office", "alert", "proposed_by"])
    with transaction.atomic():
        sanction.save(force_insert=True)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="sanction_proposed", obj=sanction,
               after={"kind": chosen, "suggested": suggested, "alert": alert.pk if alert else None})
    return sanction


def _document_number(sanction: Sanction, year: int) -> str:
    prefix = f"水司矫{DOC_PREFIX[sanction.kind]}〔{year}〕"
    n = Sanction.objects.filter(document_number__startswith=prefix).count() + 1
    return f"{prefix}{n}号"


def approve_sanction(*, sanction: Sanction, by, reason: str = "") -> Sanction:
    today = timezone.localdate()
    with transaction.atomic():
        number = _document_number(sanction, today.year)
        transition(obj=sanction, name="approve", by=by, reason=reason,
                   updates={"decided_on": today, "approved_by": by, "document_number": number})
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="sanction_approved", obj=sanction,
               after={"kind": sanction.kind, "document_number": number})
    return sanction


def reject_sanction(*, sanction: Sanction, by, reason: str) -> Sanction:
    with transaction.atomic():
        transition(obj=sanction, name="reject", by=by, reason=reason, data={"reason": reason})
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="sanction_rejected", obj=sanction,
               after={"reason": reason})
    return sanction


def notify_sanction(*, sanction: Sanction, by, method: str = "当面宣告") -> Sanction:
    """Record that the decision was served on the person (告知本人)."""
    now = timezone.now()
    with transaction.atomic():
        transition(obj=sanction, name="notify", by=by, data={"method": method},
                   updates={"notified_at": now, "notice_method": method})
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="sanction_notified", obj=sanction,
               after={"method": method, "at": now.isoformat()})
    return sanction


def submit_sanction(*, sanction: Sanction, by) -> Sanction:
    """Send the proposal to the court (revocation/custody/arrest) or police; the court's decision
    period runs from now (社区矫正法 Art. 46–48)."""
    now = timezone.now()
    with transaction.atomic():
        transition(obj=sanction, name="submit", by=by)
        key = COURT_PERIOD.get(sanction.kind)
        if key:
            amount, unit = get_period(key)
            deadlines.start_deadline(target=sanction, kind=DECISION_DEADLINE, start=now, amount=amount, unit=unit,
                                     source=key, by=by)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="sanction_submitted", obj=sanction)
    return sanction


def record_decision(*, sanction: Sanction, by, decision: str) -> Sanction:
    if not decision.strip():
        raise ApplicationError(_("请填写决定内容。"), code="required", field="decision")
    with transaction.atomic():
        transition(obj=sanction, name="record_decision", by=by, data={"decision": decision},
                   updates={"court_decision": decision})
        for dl in deadlines.deadlines_for(sanction).filter(kind=DECISION_DEADLINE, status__in=["running", "paused"]):
            deadlines.complete_deadline(deadline=dl, by=by)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="sanction_decided", obj=sanction,
               after={"decision": decision})
    return sanction
