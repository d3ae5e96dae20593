"""Alerts: `raise_alert` is the one way to create one (the breach handler, check-ins, roll calls,
leave and travel-record scans, the API all call it); `verify_alert` is the 司法所's decision.

Deduplication: the unique constraint (supervisee, kind, occurred_at) — the spell's start —
makes a second raise of the same spell return the existing alert instead of a new one, even
when two workers race."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core import deadlines
from pingan.core.audit import AuditEvent, record
from pingan.core.errors import ApplicationError
from pingan.core.outbox import publish
from pingan.core.workflow import transition

from . import config
from .models import Alert, GeofenceBreach, Supervisee

VERIFY_DEADLINE = "corrections.alert_verify"
ALERT_RAISED = "corrections.alert_raised"


def _severity(kind: str) -> str:
    mapping = config.get("corrections.alert.severity_by_kind") or {}
    return mapping.get(kind, Alert.Severity.MEDIUM)


def raise_alert(*, supervisee: Supervisee, kind: str, occurred_at: datetime, evidence: dict[str, Any],
                source: str, by=None, breach: GeofenceBreach | None = None,
                fix_ids: list[int] | None = None) -> Alert:
    """Create the alert for one spell, or return the one already raised for it.

    `kind` is an Alert.Kind value, `source` an Alert.Source value (`manual` = not found by the
    system), `occurred_at` the spell's start (timezone-aware), `evidence` a JSON-able dict
    (ids and facts, no clear ID numbers), `by` the user when a person raises it (None for jobs).
    The alert goes to the person's 司法所 with a verification deadline
    (`corrections.alert.verify_hours`) and an outbox event `corrections.alert_raised`."""
    if kind not in Alert.Kind.values:
        raise ApplicationError(_("未知的告警类型。"), code="invalid", field="kind")
    if source not in Alert.Source.values:
        raise ApplicationError(_("未知的告警来源。"), code="invalid", field="source")
    if timezone.is_naive(occurred_at):
        raise ApplicationError(_("发生时间须带时区。"), code="naive_datetime", field="occurred_at")
    existing = Alert.objects.filter(supervisee=supervisee, kind=kind, occurred_at=occurred_at).first()
    if existing is not None:
        return existing
    now = timezone.now()
    alert = Alert(
        supervisee=supervisee, justice_office_id=supervisee.justice_office_id, kind=kind, severity=_severity(kind),
        source=source, occurred_at=occurred_at, raised_at=now, evidence=evidence, breach=breach,
        fix_ids=list(fix_ids or (breach.evidence_fix_ids if breach else [])),
        created_by=by if getattr(by, "pk", None) else None,
    )
    alert.full_clean(exclude=["breach", "supervisee", "justice_office", "created_by"])
    try:
        with transaction.atomic():
            alert.save(force_insert=True)
            hours = int(config.get("corrections.alert.verify_hours"))
            dl = deadlines.start_deadline(target=alert, kind=VERIFY_DEADLINE, start=now, amount=hours, unit="hours",
                                          source="corrections.alert.verify_hours", by=by)
            alert.verify_due = dl.due
            Alert.objects.filter(pk=alert.pk).update(verify_due=dl.due)
            record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="alert_raised", obj=alert,
                   after={"kind": kind, "source": source, "supervisee": supervisee.pk,
                          "occurred_at": occurred_at.isoformat()})
            publish(ALERT_RAISED, {"alert_id": alert.pk})
    except IntegrityError:
        # Lost a race with another raiser of the same spell: theirs stands.
        found = Alert.objects.filter(supervisee=supervisee, kind=kind, occurred_at=occurred_at).first()
        if found is None:
            raise
        return found
    return alert


def kind_for_breach(breach: GeofenceBreach) -> str:
    if breach.kind == GeofenceBreach.Kind.SILENCE and (breach.detail or {}).get("battery_low"):
        return Alert.Kind.BATTERY_DEAD
    return breach.kind


def alerts_for_breaches(ids: list[int]) -> list[Alert]:
    """One alert per breach row (the outbox handler's work; safe to repeat)."""
    done = set(Alert.objects.filter(breach_id__in=ids).values_list("breach_id", flat=True))
    out = []
    for breach in GeofenceBreach.objects.filter(pk__in=ids).exclude(pk__in=done).select_related("supervisee"):
        evidence = {"breach_id": breach.pk, "breach_kind": breach.kind, **(breach.detail or {})}
        out.append(raise_alert(supervisee=breach.supervisee, kind=kind_for_breach(breach),
                               occurred_at=breach.started_at, evidence=evidence, source=Alert.Source.GEOFENCE,
                               breach=breach))
    return out


OUTCOMES = {"violation": "confirm", "false_alarm": "dismiss", "justified": "justify"}


def verify_alert(*, alert: Alert, outcome: str, by, reason: str = "", facts: dict | None = None) -> Alert:
    """The 司法所's verification. A violation proposes a sanction from the ladder (see
    sanctions.propose_sanction); `facts` refine it (absent_days, prohibition, serious …)."""
    from .sanctions import propose_sanction

    name = OUTCOMES.get(outcome)
    if name is None:
        raise ApplicationError(_("核查结论无效。"), code="invalid", field="outcome")
    now = timezone.now()
    with transaction.atomic():
        transition(obj=alert, name=name, by=by, reason=reason, data={"reason": reason, "facts": facts or {}},
                   updates={"verified_at": now, "verified_by": by, "outcome_reason": reason})
        for dl in deadlines.deadlines_for(alert).filter(kind=VERIFY_DEADLINE, status__in=["running", "paused"]):
            deadlines.complete_deadline(deadline=dl, by=by)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="alert_verified", obj=alert,
               before={"state": "open"}, after={"state": alert.state, "reason": reason})
        if outcome == "violation":
            propose_sanction(supervisee=alert.supervisee, by=by, alert=alert, facts=facts or {},
                             description=reason or alert.get_kind_display())
            if (facts or {}).get("out_of_contact"):
                # 失去联系: organise a search at once (社区矫正法 Art. 30).
                from .search import open_search

                open_search(supervisee=alert.supervisee, by=by, alert=alert,
                            reason=reason or str(_("核查确认失去联系")))
    return alert


ALERT_ESCALATED = "corrections.alert_escalated"
ESCALATION = "corrections.alert_escalation"


def escalate_alerts(*, now: datetime | None = None) -> list[int]:
    """Open alerts the rule set `corrections.alert_escalation` sends up to the county bureau;
    each at most once (escalated_at), so the job may run any number of times."""
    from pingan.core.rules import active_ruleset, evaluate

    now = now or timezone.now()
    rs = active_ruleset(ESCALATION)
    done: list[int] = []
    for alert in Alert.objects.filter(state=Alert.State.OPEN, escalated_at__isnull=True).order_by("pk"):
        rec = {"kind": alert.kind, "severity": alert.severity,
               "hours_open": round((now - alert.raised_at).total_seconds() / 3600, 2),
               "overdue": bool(alert.verify_due and alert.verify_due < now)}
        ev = evaluate(rs, rec)
        if "notify_bureau" not in (ev.result or []):
            continue
        with transaction.atomic():
            if not Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            publish(ALERT_ESCALATED, {"alert_id": alert.pk, "rules": [f.id for f in ev.fired]})
            record(actor=None, event_type=AuditEvent.CORRECTIONS_CHANGED, action="alert_escalated", obj=alert,
                   after={"rules": [f.id for f in ev.fired]})
        done.append(alert.pk)
    return done
