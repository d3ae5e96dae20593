"""Outbox handlers: the linked dispute follows every court case event (link.py)."""

from __future__ import annotations

from pingan.core.outbox import handles

from .link import sync_dispute


@handles("court.courtcase")
def on_court_case_event(event) -> None:
    # Workflow events carry the case as "object_id"; the services' own events as "case".
    case_id = event.payload.get("object_id") or event.payload.get("case")
    if case_id is not None:
        sync_dispute(int(case_id))
