"""Outbox handlers: every raised breach becomes an alert for the person's 司法所."""

from __future__ import annotations

from pingan.core.outbox import handles

from . import alerts, events


@handles(events.BREACHES_RAISED)
def on_breaches_raised(event) -> None:
    alerts.alerts_for_breaches([int(i) for i in event.payload.get("breach_ids", [])])
