"""Thresholds for this app: core.Setting rows (keys `corrections.*`) seeded from
data/settings.json by migration 0002 and edited by administrators (core.settings_store).

Every read is a query, which a request or a batch can afford. The OsmAnd writer stores many
small groups a second, so it reads inside `remembered(seconds)`: values are then kept in that
thread for that long (an administrator's edit reaches the writer within those seconds)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pingan.core.settings_store import get_setting

_local = threading.local()


def get(key: str) -> Any:
    memo = getattr(_local, "memo", None)
    if memo is None:
        return get_setting(key)
    if key not in memo:
        memo[key] = get_setting(key)
    return memo[key]


def many(*keys: str) -> dict[str, Any]:
    return {k: get(k) for k in keys}


@contextmanager
def remembered(seconds: float) -> Iterator[None]:
    """Within the block, keep what `get` read in this thread for up to `seconds` (across blocks)."""
    if getattr(_local, "expires", 0.0) < time.monotonic():
        _local.kept = {}
        _local.expires = time.monotonic() + seconds
    _local.memo = _local.kept
    try:
        yield
    finally:
        _local.memo = None
