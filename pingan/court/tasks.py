"""Periodic scans of the court app (run by `pingan worker`); each is idempotent and takes `now=`
so tests drive them on a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from pingan.core.tasks import periodic

from . import services


@periodic(every=timedelta(minutes=15), name="court.mediator_accept_timeouts")
def mediator_accept_timeouts(now: datetime | None = None) -> int:
    return len(services.mediator_accept_timeouts(now=now))


@periodic(every=timedelta(hours=1), name="court.remind_due_mediations")
def remind_due_mediations(now: datetime | None = None) -> int:
    return services.remind_due_mediations(now=now)


@periodic(every=timedelta(minutes=15), name="court.return_expired_mediations")
def return_expired_mediations(now: datetime | None = None) -> int:
    return len(services.return_expired_mediations(now=now))


def run_scans(*, now: datetime | None = None) -> dict[str, int]:
    """All scans in their natural order (what the worker does over time), for pages and tests."""
    return {
        "accept_timeouts": len(services.mediator_accept_timeouts(now=now)),
        "reminders": services.remind_due_mediations(now=now),
        "returned": len(services.return_expired_mediations(now=now)),
    }
