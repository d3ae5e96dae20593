"""Disputes driven by another app's case: a dispute the court received follows its court case
(the court decides the state, pingan/court/link.py; this module only knows the disputes side).

`follow` moves the dispute by the workflow's system transitions `court_*` (COURT_TRANSITIONS) to
the target state, and never backwards: a dispute already there, or one that has moved on by its
own workflow (closed and followed up, reopened), stays as it is. That makes it safe to call for
every event, again and again."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from pingan.core.workflow import transition

from .followups import schedule_follow_up
from .models import Dispute
from .workflow import COURT_TRANSITIONS, DISPUTE


@transaction.atomic
def follow(*, dispute: Dispute, target: str, reason: str = "", data: dict[str, Any] | None = None) -> str | None:
    """Move `dispute` to `target` if a court transition leads there from its current state;
    returns the transition's name, or None when there was nothing to do."""
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.state == target:
        return None
    move = next((t for t in DISPUTE.from_state(dispute.state) if t.name in COURT_TRANSITIONS and t.target == target),
                None)
    if move is None:
        return None
    transition(obj=dispute, name=move.name, by=None, reason=reason, data=data or {})
    if target == "closed":
        schedule_follow_up(dispute=dispute, by=None, reason=reason)
    return move.name
