"""Background jobs of the disputes app (run by `pingan worker`).

The periodic scans are idempotent: running them twice, or on two workers at once, acts once.
Their thresholds are core.Setting rows (data/settings.json): `disputes.routing_accept_working_days`
(accept or decline within 2 working days) and `disputes.routing_stalled_days` (15 days without
progress). These are local working rules of the district, not statutory periods."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone
from django_tasks import task

from pingan.core.errors import ApplicationError
from pingan.core.outbox import publish
from pingan.core.settings_store import get_setting
from pingan.core.tasks import periodic

from .models import Dispute, ImportJob, Routing


@task()
def run_import(job_id: int) -> str:
    """Import a large ledger. Claimed with a compare-and-set so a task delivered twice runs once."""
    from . import ledger

    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    if claimed != 1:
        return "already handled"
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    return ledger.run(job).status


def _last_activity(dispute: Dispute, routing: Routing) -> datetime:
    from pingan.core.workflow import history

    times = [routing.routed_at, routing.decided_at or routing.routed_at]
    last_transition = history(dispute).order_by("-at").values_list("at", flat=True).first()
    if last_transition:
        times.append(last_transition)
    for agg in (dispute.sessions.aggregate(m=Max("created_at"))["m"], dispute.notes.aggregate(m=Max("created_at"))["m"]):
        if agg:
            times.append(agg)
    return max(times)


def _escalate_or_note(routing: Routing, reason: str, now: datetime) -> str:
    from .routing import change_tier

    try:
        change_tier(dispute=routing.dispute, by=None, reason=reason, auto=True)
        return "escalated"
    except ApplicationError:
        # Nothing higher (red) or no body found: say so once, for a person to act on.
        if Routing.objects.filter(pk=routing.pk, overdue_noted_at__isnull=True).update(overdue_noted_at=now) == 1:
            publish("disputes.routing.overdue", {"routing": routing.pk, "dispute": routing.dispute_id, "reason": reason})
            return "noted"
        return "already noted"


def escalate_overdue(now: datetime | None = None) -> dict[str, list[int]]:
    """Escalate disputes not accepted in time, and accepted ones that have stalled."""
    now = now or timezone.now()
    done: dict[str, list[int]] = {"unaccepted": [], "stalled": [], "noted": []}
    late = Routing.objects.filter(status=Routing.Status.PENDING, accept_due__lt=now, overdue_noted_at__isnull=True,
                                  dispute__state="routed").select_related("dispute")
    for routing in late:
        result = _escalate_or_note(routing, "超过受理期限未受理，自动升级", now)
        done["unaccepted" if result == "escalated" else "noted"].append(routing.dispute_id)
    stalled_after = timedelta(days=get_setting("disputes.routing_stalled_days", int))
    active = Routing.objects.filter(status=Routing.Status.ACCEPTED, overdue_noted_at__isnull=True,
                                    dispute__state__in=["accepted", "mediating"],
                                    decided_at__lt=now - stalled_after).select_related("dispute")
    for routing in active:
        if _last_activity(routing.dispute, routing) >= now - stalled_after:
            continue
        result = _escalate_or_note(routing, "长期无进展，自动升级", now)
        done["stalled" if result == "escalated" else "noted"].append(routing.dispute_id)
    return done


@periodic(every=timedelta(hours=1), name="disputes.escalate_overdue")
def escalate_overdue_job() -> object:
    return escalate_overdue()


@periodic(every=timedelta(hours=1), name="disputes.remind_overdue_referrals")
def remind_overdue_referrals_job() -> object:
    from .referrals import remind_overdue

    return remind_overdue()
