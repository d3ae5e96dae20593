"""Core endpoints: calendar and deadlines, rule sets. One module per part."""

from __future__ import annotations

from ninja import Router

from .api_calendar import router as calendar_router
from .api_rules import router as rules_router

router = Router(tags=["core"])
router.add_router("/", calendar_router)
router.add_router("/", rules_router)
