"""Per-device request limit, shared by every server process through the database (county
intranets may run no Redis): a fixed one-minute window per device in DeviceRateWindow, counted
with one upsert for a whole group of requests (the OsmAnd writer counts a batch of requests from
many devices in the transaction that stores them).

A request over the limit still counts, so a client hammering the endpoint stays refused until
the next minute. A window boundary can let up to twice the limit through within a minute
around it; for a limit meant to stop runaway clients that is fine, and it costs no extra row.
"""

from __future__ import annotations

import time
from collections import Counter

from django.db import connection

from .models import DeviceRateWindow


def take(requests: Counter[int] | dict[int, int], limits: dict[int, int], *, now: float | None = None) -> dict[int, int]:
    """Count `requests[device]` more requests for each device; return how many of them fall
    within the device's `limits[device]` per minute (the first ones in the window are allowed)."""
    if not requests:
        return {}
    minute = int((time.time() if now is None else now) // 60)
    table = DeviceRateWindow._meta.db_table  # from the model, never from input
    rows = sorted((int(d), minute, int(n)) for d, n in requests.items())  # sorted: lock rows in one order
    update = (
        f"ON CONFLICT (device_id) DO UPDATE SET "
        f"used = CASE WHEN {table}.minute = excluded.minute THEN {table}.used + excluded.used ELSE excluded.used END, "
        f"minute = excluded.minute RETURNING device_id, used"
    )
    if connection.vendor == "postgresql":
        from .store import array_text, pg_cursor

        # One statement text for any number of devices, from arrays bound on the server.
        with pg_cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} (device_id, minute, used) "  # noqa: S608
                f"SELECT d, %s, n FROM unnest(%s::bigint[], %s::integer[]) AS u(d, n) ORDER BY d {update}",
                [minute, array_text([r[0] for r in rows]), array_text([r[2] for r in rows])],
            )
            used = dict(cur.fetchall())
    else:
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {table} (device_id, minute, used) VALUES {values} {update}",  # noqa: S608
                        [v for row in rows for v in row])
            used = dict(cur.fetchall())
    out = {}
    for device, n in requests.items():
        before = int(used[int(device)]) - int(n)
        out[int(device)] = max(0, min(int(n), int(limits[device]) - before))
    return out


def allow(device_id: int, per_minute: int) -> bool:
    """One request of one device (the app batch API)."""
    return take({device_id: 1}, {device_id: per_minute})[device_id] == 1
