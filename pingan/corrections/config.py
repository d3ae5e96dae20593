"""Thresholds for this app: core.Setting rows (keys `corrections.*`) seeded from
data/settings.json by migration 0002 and edited by administrators (core.settings_store)."""

from __future__ import annotations

from typing import Any

from pingan.core.settings_store import get_setting


def get(key: str) -> Any:
    return get_setting(key)


def many(*keys: str) -> dict[str, Any]:
    return {k: get_setting(k) for k in keys}
