"""Closure and follow-up (回访): every closed dispute gets a follow-up scheduled after
`disputes.follow_up_delay_days`; the visit records the method and the satisfaction, and a dispute
that has flared up again is reopened (and graded again)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.settings_store import get_setting
from pingan.core.workflow import transition

from .mediation import _check, _locked
from .models import Dispute, FollowUp, Routing


@transaction.atomic
def close_dispute(*, dispute: Dispute, by, reason: str = "") -> FollowUp:
    """Close (after an agreement, a referral, a return for filing or a withdrawal) and schedule
    the follow-up visit."""
    dispute = _locked(dispute)
    transition(obj=dispute, name="close", by=by, reason=reason)
    return schedule_follow_up(dispute=dispute, by=by, reason=reason)


def schedule_follow_up(*, dispute: Dispute, by, reason: str = "") -> FollowUp:
    """What closing does after the state move (also when the court's case closes a linked
    dispute, see linked.py): open routings end, the follow-up visit is scheduled."""
    dispute.routings.filter(status__in=[Routing.Status.PENDING, Routing.Status.ACCEPTED]).update(
        status=Routing.Status.SUPERSEDED
    )
    due = timezone.localdate() + timedelta(days=get_setting("disputes.follow_up_delay_days", int))
    follow_up = FollowUp.objects.create(dispute=dispute, due_on=due)
    record(actor=by, event_type=AuditEvent.DISPUTE_FOLLOWED_UP, action="dispute.follow_up_scheduled", obj=dispute,
           after={"follow_up": follow_up.pk, "due_on": due.isoformat()}, reason=reason)
    return follow_up


def open_follow_up(dispute: Dispute) -> FollowUp | None:
    return dispute.follow_ups.filter(done_at__isnull=True).first()


@transaction.atomic
def record_follow_up(*, dispute: Dispute, method: str, satisfaction: str, by, notes: str = "",
                     flared_up: bool = False, done_at: datetime | None = None) -> FollowUp:
    """Record the visit; `flared_up` reopens the dispute (back to "received", graded again)."""
    errors = {}
    if method not in FollowUp.Method.values:
        errors["method"] = _("请选择回访方式。")
    if satisfaction not in FollowUp.Satisfaction.values:
        errors["satisfaction"] = _("请选择满意度。")
    if errors:
        raise ValidationError(errors, code="required")
    dispute = _locked(dispute)
    _check(by, dispute, "follow_up")
    follow_up = open_follow_up(dispute)
    if follow_up is None:
        raise ValidationError({"method": _("该纠纷没有待进行的回访。")}, code="no_follow_up")
    done_at = done_at or timezone.now()
    if done_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"done_at": _("回访时间不能晚于现在。")}, code="in_future")
    follow_up.method, follow_up.satisfaction, follow_up.notes = method, satisfaction, (notes or "").strip()
    follow_up.flared_up, follow_up.done_at = flared_up, done_at
    follow_up.done_by = by if getattr(by, "pk", None) else None
    follow_up.full_clean()
    follow_up.save()
    transition(obj=dispute, name="follow_up", by=by, data={"follow_up": follow_up.pk, "satisfaction": satisfaction})
    record(actor=by, event_type=AuditEvent.DISPUTE_FOLLOWED_UP, action="dispute.follow_up", obj=dispute,
           after={"follow_up": follow_up.pk, "method": method, "satisfaction": satisfaction, "flared_up": flared_up})
    if flared_up:
        reopen_dispute(dispute=dispute, by=by, reason=notes or _("回访发现纠纷反弹"))
    return follow_up


@transaction.atomic
def reopen_dispute(*, dispute: Dispute, by, reason: str) -> Dispute:
    """The dispute flared up again: back to "received" and graded again by the rules in force."""
    from .grading import grade_dispute

    if not (reason or "").strip():
        raise ValidationError({"reason": _("重新启动须说明理由。")}, code="required")
    dispute = _locked(dispute)
    FollowUp.objects.filter(dispute=dispute, done_at__isnull=True).delete()  # a pending visit no longer applies
    transition(obj=dispute, name="reopen", by=by, reason=reason, updates={"handling_agency": None})
    grade_dispute(dispute=dispute, by=by)
    dispute.refresh_from_db()
    return dispute


def follow_ups_due(*, on: date | None = None):
    return FollowUp.objects.filter(done_at__isnull=True, due_on__lte=on or timezone.localdate())
