"""Outbox events of this app, written inside the transaction that raised them (core.outbox):
the alert pipeline (verification queue, notices) consumes them exactly once. Payloads carry ids."""

from __future__ import annotations

from pingan.core.outbox import publish

BREACH_RAISED = "corrections.breach_raised"
BREACH_ENDED = "corrections.breach_ended"


def breaches_raised(ids: list[int]) -> None:
    for pk in ids:
        publish(BREACH_RAISED, {"breach_id": pk})


def breaches_ended(ids: list[int]) -> None:
    for pk in ids:
        publish(BREACH_ENDED, {"breach_id": pk})
