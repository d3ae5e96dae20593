"""Core endpoints: the calendar, deadlines preview, and rule-set explain (filled by core's parts)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["core"])
