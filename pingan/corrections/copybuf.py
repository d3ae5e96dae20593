"""PostgreSQL binary COPY buffer for a whole FixBatch, built with numpy (no Python loop per fix).

Binary COPY rows are fixed-size once we know which nullable columns a row leaves empty, so the
batch is split by its null pattern (a batch from one client kind has one or two patterns) and
each part is laid out as a numpy structured array in network byte order and dumped with
`tobytes()`. Only rows that carry `extra` (variable-length JSON, the last column) are finished
one by one. Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .store import FixBatch

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01T00:00:00Z, the zero of PostgreSQL timestamps

# (column, binary dtype, nullable) in store._COLUMNS order; "extra" (jsonb) is appended per row.
_NULLABLE_FLOATS = ("accuracy", "speed", "heading", "altitude", "battery")


def _layout(source_len: int, null_mask: int) -> list[tuple[str, str]]:
    """Structured dtype of one row for the given null pattern (bit k set: nullable field k empty,
    k over _NULLABLE_FLOATS then charging)."""
    fields: list[tuple[str, str]] = [("nfields", ">i2")]

    def col(name: str, dtype: str, null: bool = False) -> None:
        fields.append((f"{name}_len", ">i4"))
        if not null:
            fields.append((name, dtype))

    col("device_id", ">i8")
    col("supervisee_id", ">i8")
    col("recorded_at", ">i8")
    col("received_at", ">i8")
    col("lat", ">f8")
    col("lon", ">f8")
    col("crs", "S5")
    for k, name in enumerate(_NULLABLE_FLOATS):
        col(name, ">f8", bool(null_mask >> k & 1))
    col("charging", "u1", bool(null_mask >> len(_NULLABLE_FLOATS) & 1))
    col("mock", "u1")
    col("source", f"S{source_len}")
    col("zone", ">i2")
    fields.append(("extra_len", ">i4"))
    return fields


def build(batch: FixBatch, zone: np.ndarray, received_us: int) -> bytes:
    n = len(batch)
    crs = batch.crs.astype("S5")
    if n and not np.all(np.char.str_len(crs) == 5):
        raise ValueError("crs must be wgs84 or gcj02")
    source = batch.source.encode()
    nulls = [np.isnan(getattr(batch, name)) for name in _NULLABLE_FLOATS] + [batch.charging < 0]
    mask = np.zeros(n, dtype=np.int64)
    for k, isnull in enumerate(nulls):
        mask |= isnull.astype(np.int64) << k
    has_extra = np.zeros(n, dtype=bool)
    if batch.extra is not None:
        has_extra = np.array([e is not None for e in batch.extra], dtype=bool)
    parts = [HEADER]
    for pattern in np.unique(mask).tolist():
        rows = np.flatnonzero(mask == pattern)
        arr = np.zeros(rows.size, dtype=np.dtype(_layout(len(source), pattern)))
        arr["nfields"] = 17
        for name, size, values in (
            ("device_id", 8, batch.device_id[rows]),
            ("supervisee_id", 8, batch.supervisee_id[rows]),
            ("recorded_at", 8, batch.t_us[rows] - PG_EPOCH_US),
            ("received_at", 8, received_us - PG_EPOCH_US),
            ("lat", 8, batch.lat[rows]),
            ("lon", 8, batch.lon[rows]),
            ("crs", 5, crs[rows]),
            ("mock", 1, batch.mock[rows].astype(np.uint8)),
            ("source", len(source), source),
            ("zone", 2, zone[rows]),
        ):
            arr[f"{name}_len"] = size
            arr[name] = values
        for k, name in enumerate(_NULLABLE_FLOATS):
            if pattern >> k & 1:
                arr[f"{name}_len"] = -1
            else:
                arr[f"{name}_len"] = 8
                arr[name] = getattr(batch, name)[rows]
        if pattern >> len(_NULLABLE_FLOATS) & 1:
            arr["charging_len"] = -1
        else:
            arr["charging_len"] = 1
            arr["charging"] = batch.charging[rows]
        arr["extra_len"] = -1
        with_extra = has_extra[rows]
        if not with_extra.any():
            parts.append(arr.tobytes())
            continue
        # Rows with extra: drop the trailing -1 and append jsonb (version 1 + UTF-8 text).
        raw = arr.view(np.uint8).reshape(rows.size, arr.dtype.itemsize)
        parts.append(arr[~with_extra].tobytes())
        assert batch.extra is not None
        for i in np.flatnonzero(with_extra).tolist():
            text = json.dumps(batch.extra[int(rows[i])], ensure_ascii=False).encode()
            parts.append(raw[i, :-4].tobytes() + (len(text) + 1).to_bytes(4, "big") + b"\x01" + text)
    parts.append(TRAILER)
    return b"".join(parts)
