"""Base schemas for every app's API input: unknown fields are refused, never silently dropped
(a typo in a field name must not look like success)."""

from __future__ import annotations

from ninja import Schema


class StrictSchema(Schema):
    """Input schemas subclass this; an unknown field gives 422 with code "extra_forbidden"."""

    model_config = {"extra": "forbid"}
