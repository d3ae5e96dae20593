"""Outbox events of this app, written inside the transaction that raised them (core.outbox):
the alert pipeline (verification queue, notices) consumes them exactly once. Payloads carry ids.

One event per batch (not per breach): a silence scan over many people or a large location
batch would otherwise write thousands of outbox rows one INSERT at a time."""

from __future__ import annotations

from pingan.core.outbox import publish

BREACHES_RAISED = "corrections.breaches_raised"
BREACHES_ENDED = "corrections.breaches_ended"


def breaches_raised(ids: list[int]) -> None:
    if ids:
        publish(BREACHES_RAISED, {"breach_ids": sorted(ids)})


def breaches_ended(ids: list[int]) -> None:
    if ids:
        publish(BREACHES_ENDED, {"breach_ids": sorted(ids)})
