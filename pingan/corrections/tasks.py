"""Periodic scans (run by `pingan worker`); each is idempotent: spells are unique rows, and
escalation / late-return alerts are marked once."""

from __future__ import annotations

from datetime import timedelta

from pingan.core.tasks import periodic

from . import alerts, services


@periodic(every=timedelta(minutes=5), name="corrections.scan_silence")
def scan_silence() -> None:
    services.scan_silence()


@periodic(every=timedelta(minutes=10), name="corrections.escalate_alerts")
def escalate_alerts() -> None:
    alerts.escalate_alerts()


@periodic(every=timedelta(minutes=30), name="corrections.scan_late_returns")
def scan_late_returns() -> None:
    from .leave import scan_late_returns as scan

    scan()
