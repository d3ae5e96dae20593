"""Mock locations and impossible speed jumps, found over a whole batch with numpy (called by
store.store_batch inside its transaction). Both are instantaneous events: the breach row starts
and ends at the offending fix; a person raises at most one of each kind per
`corrections.realert_hours` (a phone running a mock-location app reports every fix as mock)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np

from . import config
from .models import GeofenceBreach, LocationFix

if TYPE_CHECKING:
    from .store import FixBatch, StoreResult

EARTH_M = 6_371_008.8
US = 1_000_000


def haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def equirect_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Equirectangular distance: within 0.5 % of haversine at these scales, and a third of its cost."""
    k = np.pi / 180.0
    x = (lon2 - lon1) * np.cos((lat1 + lat2) * (k / 2))
    return EARTH_M * k * np.hypot(x, lat2 - lat1)


def first_per_person(sup: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The first of `rows` (already in time order) for each person."""
    _u, idx = np.unique(sup[rows], return_index=True)
    return rows[np.sort(idx)]


def _sorted(idx: np.ndarray, sup: np.ndarray, t: np.ndarray) -> np.ndarray:
    """`idx` ordered by (person, time); batches usually arrive ordered, so check before sorting."""
    s, tt = sup[idx], t[idx]
    if idx.size < 2 or bool(np.all((s[1:] > s[:-1]) | ((s[1:] == s[:-1]) & (tt[1:] >= tt[:-1])))):
        return idx
    return idx[np.lexsort((tt, s))]


def jumps(batch: FixBatch, previous: dict[int, tuple[int, float, float]], *, max_mps: float, min_m: float) -> list[dict]:
    """Consecutive valid, non-mock fixes of a person (the stored last position before the batch
    included) whose implied speed exceeds `max_mps` over at least `min_m` metres."""
    ok = np.flatnonzero(batch.valid & ~batch.mock)
    if ok.size == 0:
        return []
    order = _sorted(ok, batch.supervisee_id, batch.t_us)
    sup, t = batch.supervisee_id[order], batch.t_us[order]
    lat, lon = batch.lat[order], batch.lon[order]
    n = order.size
    first = np.ones(n, dtype=bool)
    first[1:] = sup[1:] != sup[:-1]
    p_t, p_lat, p_lon = np.roll(t, 1), np.roll(lat, 1), np.roll(lon, 1)
    has_prev = ~first
    if previous:
        for row in np.flatnonzero(first).tolist():
            prev = previous.get(int(sup[row]))
            if prev is not None and prev[0] < t[row]:
                p_t[row], p_lat[row], p_lon[row] = prev
                has_prev[row] = True
    d = equirect_m(p_lat, p_lon, lat, lon)
    secs = np.maximum((t - p_t) / US, 1.0)
    hit = np.flatnonzero(has_prev & (d >= min_m) & (d / secs > max_mps))
    if hit.size == 0:
        return []
    out = []
    for row in first_per_person(sup, hit).tolist():
        out.append({"supervisee_id": int(sup[row]), "t_us": int(t[row]), "detail": {
            "from": [float(p_lat[row]), float(p_lon[row])], "to": [float(lat[row]), float(lon[row])],
            "km": round(float(d[row]) / 1000, 1), "kmh": round(float(d[row]) / float(secs[row]) * 3.6, 1),
        }})
    return out


def mocks(batch: FixBatch) -> list[dict]:
    idx = np.flatnonzero(batch.mock)
    if idx.size == 0:
        return []
    idx = idx[np.lexsort((batch.t_us[idx], batch.supervisee_id[idx]))]
    out = []
    for row in first_per_person(batch.supervisee_id, idx).tolist():
        sid = int(batch.supervisee_id[row])
        count = int(np.count_nonzero(batch.supervisee_id[idx] == sid))
        out.append({"supervisee_id": sid, "t_us": int(batch.t_us[row]),
                    "detail": {"mock_fixes": count, "lat": float(batch.lat[row]), "lon": float(batch.lon[row])}})
    return out


def detect(batch: FixBatch, previous: dict[int, tuple[int, float, float]], *, now_us: int, result: StoreResult) -> None:
    from .store import us_to_dt

    candidates: list[tuple[str, dict]] = [("mock_location", c) for c in mocks(batch)]
    if len(batch) > 1 or previous:
        values = config.many("corrections.speed.max_kmh", "corrections.speed.min_jump_km")
        candidates += [("impossible_speed", c) for c in jumps(
            batch, previous, max_mps=float(values["corrections.speed.max_kmh"]) / 3.6,
            min_m=float(values["corrections.speed.min_jump_km"]) * 1000)]
    if not candidates:
        return
    window = timedelta(hours=float(config.get("corrections.realert_hours")))
    rows = []
    for kind, c in candidates:
        at = us_to_dt(c["t_us"])
        if GeofenceBreach.objects.filter(supervisee_id=c["supervisee_id"], kind=kind, started_at__gt=at - window,
                                         started_at__lte=at + window).exists():
            continue
        fix_ids = list(LocationFix.objects.filter(supervisee_id=c["supervisee_id"], recorded_at=at)
                       .values_list("id", flat=True)[:1])
        rows.append(GeofenceBreach(supervisee_id=c["supervisee_id"], kind=kind, started_at=at, ended_at=at,
                                   detected_at=us_to_dt(now_us), evidence_fix_ids=fix_ids, detail=c["detail"]))
    created = GeofenceBreach.objects.bulk_create(rows)
    result.breach_ids.extend(b.pk for b in created)
