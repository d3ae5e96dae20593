"""Per-device token bucket in Django's cache (refills `per_minute` tokens a minute, bursts up to
`per_minute`). With the default local-memory cache each server process keeps its own buckets;
configure a shared cache (CACHES) to make the limit global."""

from __future__ import annotations

import time

from django.core.cache import cache


def allow(device_id: int, per_minute: int) -> bool:
    key = f"corrections:bucket:{device_id}"
    now = time.monotonic()
    tokens, stamp = cache.get(key, (float(per_minute), now))
    tokens = min(float(per_minute), tokens + (now - stamp) * per_minute / 60.0)
    if tokens < 1.0:
        cache.set(key, (tokens, now), timeout=120)
        return False
    cache.set(key, (tokens - 1.0, now), timeout=120)
    return True
