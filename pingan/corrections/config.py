"""Thresholds for this app, read from core.Setting rows (keys `corrections.*`, seeded from
data/settings.json by migration 0002). The file's values are the fallback if a row was deleted."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pingan.core.models import Setting

_FILE = Path(__file__).parent / "data" / "settings.json"


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    data = json.loads(_FILE.read_text(encoding="utf-8"))
    return {row["key"]: row["value"] for row in data["settings"]}


def get(key: str) -> Any:
    row = Setting.objects.filter(key=key).values_list("value", flat=True).first()
    return row if row is not None else _defaults()[key]


def many(*keys: str) -> dict[str, Any]:
    found = dict(Setting.objects.filter(key__in=keys).values_list("key", "value"))
    defaults = _defaults()
    return {k: found.get(k, defaults[k]) for k in keys}
