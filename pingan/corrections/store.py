"""The batch path for location fixes: arrays in, one geofence check, one bulk insert, one
debounce pass, all in one transaction.

Everything here works on numpy arrays for the whole batch; nothing loops per fix in Python
except building the rows handed to the database driver. Both ingestion endpoints and the
benchmark call `store_batch`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from django.db import connection, transaction

from . import config, copybuf, events, suspicious
from .areas import active_areas
from .models import GeofenceBreach, LocationFix, SuperviseeLastSeen

US = 1_000_000
ZONE_INSIDE, ZONE_OUTSIDE, ZONE_EXCLUSION = 0, 1, 2


@dataclass
class FixBatch:
    """Parsed, validated fixes in WGS-84. Optional numbers are NaN when absent; `charging` is
    -1 (unknown), 0 or 1. `t_us` is device time in microseconds since the Unix epoch (UTC)."""

    device_id: np.ndarray
    supervisee_id: np.ndarray
    t_us: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    crs: np.ndarray  # object array of "wgs84"/"gcj02"
    accuracy: np.ndarray
    speed: np.ndarray
    heading: np.ndarray
    altitude: np.ndarray
    battery: np.ndarray
    charging: np.ndarray
    mock: np.ndarray
    valid: np.ndarray  # False: stored, but never moves the state nor raises a breach
    source: str
    extra: list | None = None

    def __len__(self) -> int:
        return int(self.t_us.shape[0])

    def take(self, idx: np.ndarray) -> FixBatch:
        kw = {
            name: getattr(self, name)[idx]
            for name in ("device_id", "supervisee_id", "t_us", "lat", "lon", "crs", "accuracy", "speed",
                         "heading", "altitude", "battery", "charging", "mock", "valid")
        }
        extra = [self.extra[i] for i in idx.tolist()] if self.extra is not None else None
        return FixBatch(source=self.source, extra=extra, **kw)


@dataclass
class StoreResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    breach_ids: list[int] = field(default_factory=list)
    closed_breach_ids: list[int] = field(default_factory=list)


def us_to_dt(us: int) -> datetime:
    return datetime.fromtimestamp(us / US, tz=UTC).replace(microsecond=int(us % US))


def dt_to_us(value: datetime) -> int:
    return int(value.timestamp()) * US + value.microsecond


# --- geofence ----------------------------------------------------------------------------------

def classify(batch: FixBatch, *, max_credit_m: float) -> np.ndarray:
    """Zone per fix: 0 inside (or no area applies), 1 outside every permitted area, 2 surely inside
    an exclusion zone. One vectorised pass per area; per-person areas only touch that person's
    fixes."""
    n = len(batch)
    zone = np.zeros(n, dtype=np.int8)
    if n == 0:
        return zone
    credit = np.clip(np.nan_to_num(batch.accuracy, nan=0.0), 0.0, max_credit_m)
    applies_any = np.zeros(n, dtype=bool)
    inside_any = np.zeros(n, dtype=bool)
    in_excl = np.zeros(n, dtype=bool)
    for area in active_areas():
        mask = np.ones(n, dtype=bool) if area.supervisee_id is None else batch.supervisee_id == area.supervisee_id
        if area.valid_from_us is not None:
            mask &= batch.t_us >= area.valid_from_us
        if area.valid_to_us is not None:
            mask &= batch.t_us < area.valid_to_us
        if not mask.any():
            continue
        everyone = bool(mask.all())
        lat = batch.lat if everyone else batch.lat[mask]
        lon = batch.lon if everyone else batch.lon[mask]
        acc = credit if everyone else credit[mask]
        if area.exclusion:
            in_excl[mask] |= area.shape.covers_circle(lat, lon, acc)
        else:
            applies_any |= mask
            inside_any[mask] |= area.shape.touches_circle(lat, lon, acc)
    zone[applies_any & ~inside_any] = ZONE_OUTSIDE
    zone[in_excl] = ZONE_EXCLUSION
    return zone


# --- insert ------------------------------------------------------------------------------------

_COLUMNS = ("device_id", "supervisee_id", "recorded_at", "received_at", "lat", "lon", "crs", "accuracy",
            "speed", "heading", "altitude", "battery", "charging", "mock", "source", "zone", "extra")


def _time_strings(t_us: np.ndarray) -> list[str]:
    # Django stores SQLite datetimes as str(naive UTC datetime): a space, and no ".000000".
    b = np.datetime_as_string(t_us.astype("datetime64[us]"), unit="us").astype("S26")
    b.view(np.uint8).reshape(-1, 26)[:, 10] = ord(" ")
    whole = (t_us % US) == 0
    if whole.all():
        return b.astype("S19").astype("U19").tolist()
    s = b.astype("U26")
    if whole.any():
        s[whole] = s[whole].astype("U19")
    return s.tolist()


def _nullable(values: np.ndarray) -> list:
    obj = values.astype(object)
    obj[np.isnan(values)] = None
    return obj.tolist()


_ROWS_PER_STATEMENT = 500  # SQLite: 500 × 17 parameters stays under its 32,766 limit


def _flat_params(batch: FixBatch, zone: np.ndarray, received_us: int) -> list:
    """SQLite parameters of every row, row after row, in _COLUMNS order: one flat list filled
    column by column with slice assignments (no Python loop per fix)."""
    n = len(batch)
    charging = batch.charging.astype(object)
    charging[batch.charging < 0] = None
    charging[batch.charging == 0] = False
    charging[batch.charging == 1] = True
    if batch.extra is None:
        extra: list | None = None
    else:
        extra = [json.dumps(e, ensure_ascii=False) if e is not None else None for e in batch.extra]
    columns: list = [
        batch.device_id.tolist(), batch.supervisee_id.tolist(), _time_strings(batch.t_us),
        _time_strings(np.array([received_us], dtype=np.int64))[0],
        batch.lat.tolist(), batch.lon.tolist(), batch.crs.tolist(), _nullable(batch.accuracy),
        _nullable(batch.speed), _nullable(batch.heading), _nullable(batch.altitude),
        _nullable(batch.battery), charging.tolist(), batch.mock.astype(bool).tolist(),
        batch.source, zone.tolist(), extra,
    ]
    width = len(_COLUMNS)
    flat: list = [None] * (n * width)
    for k, values in enumerate(columns):
        if isinstance(values, list):
            flat[k::width] = values
        elif values is not None:  # one value for every row
            flat[k::width] = [values] * n
    return flat


def pg_cursor():
    """PostgreSQL: a cursor on Django's connection (same transaction) that binds parameters on
    the server. Django's own cursors bind on the client, quoting every element of the arrays
    below into the SQL text in Python — a third of an OsmAnd group's CPU; this one sends them
    in binary and lets psycopg prepare statements it runs again and again."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


# PostgreSQL batches up to this size go in as one INSERT … SELECT FROM unnest(arrays) … ON CONFLICT
# DO NOTHING: one round trip and no savepoint (the OsmAnd writer's groups of requests, most app
# batches); larger ones by binary COPY, which costs less per row.
UNNEST_MAX = 2000
_EPOCH = "TIMESTAMPTZ '1970-01-01 00:00:00+00'"


def _insert_unnest(batch: FixBatch, zone: np.ndarray, received_us: int) -> int:
    table = LocationFix._meta.db_table  # identifiers from the model and _COLUMNS, never from input
    charging = batch.charging.astype(object)
    charging[batch.charging < 0] = None
    charging[batch.charging == 0] = False
    charging[batch.charging == 1] = True
    extra = None if batch.extra is None else [
        json.dumps(e, ensure_ascii=False) if e is not None else None for e in batch.extra]
    arrays = [
        ("bigint", batch.device_id.tolist()), ("bigint", batch.supervisee_id.tolist()), ("bigint", batch.t_us.tolist()),
        ("float8", batch.lat.tolist()), ("float8", batch.lon.tolist()), ("text", batch.crs.tolist()),
        ("float8", _nullable(batch.accuracy)), ("float8", _nullable(batch.speed)), ("float8", _nullable(batch.heading)),
        ("float8", _nullable(batch.altitude)), ("float8", _nullable(batch.battery)), ("boolean", charging.tolist()),
        ("boolean", batch.mock.astype(bool).tolist()), ("smallint", zone.tolist()),
        ("text", extra if extra is not None else [None] * len(batch)),
    ]
    sql = (
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) "  # noqa: S608
        f"SELECT d, s, {_EPOCH} + t * INTERVAL '1 microsecond', {_EPOCH} + %s * INTERVAL '1 microsecond', "
        "la, lo, c, acc, sp, hd, al, bt, ch, mk, %s, z, ex::jsonb "
        f"FROM unnest({', '.join(f'%s::{kind}[]' for kind, _v in arrays)}) "
        "AS u(d, s, t, la, lo, c, acc, sp, hd, al, bt, ch, mk, z, ex) "
        "ON CONFLICT (device_id, recorded_at) DO NOTHING"
    )
    with pg_cursor() as cur:
        cur.execute(sql, [received_us, batch.source, *(array_text(values) for _kind, values in arrays)])
        return cur.rowcount


def _element(value) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, datetime):
        return '"' + value.isoformat() + '"'
    return repr(value)  # int, or float (repr round-trips exactly; NaN and ±inf never get here)


def array_text(values: list) -> str:
    """A PostgreSQL array literal of `values` (None → NULL), sent as one text parameter and cast
    in SQL (`%s::float8[]`): psycopg dumps a Python list element by element in Python, ~14 % of
    the OsmAnd server's GIL time; one string costs a fraction of that."""
    kinds = set(map(type, values))
    if kinds <= {int, float}:
        body = ",".join(map(repr, values))
    elif kinds <= {int, float, type(None)}:
        body = ",".join(["NULL" if v is None else repr(v) for v in values])
    else:
        body = ",".join(map(_element, values))
    return "{" + body + "}"


def _insert(batch: FixBatch, zone: np.ndarray, received_us: int) -> int:
    """Insert, skipping (device, recorded_at) already stored; returns how many were new."""
    # Identifiers below come from the model's metadata and _COLUMNS, never from input.
    table = LocationFix._meta.db_table
    cols = ", ".join(_COLUMNS)
    conflict = "ON CONFLICT (device_id, recorded_at) DO NOTHING"
    connection.ensure_connection()
    if connection.vendor == "postgresql" and len(batch) <= UNNEST_MAX:
        return _insert_unnest(batch, zone, received_us)
    if connection.vendor == "postgresql":
        import psycopg

        # One binary COPY buffer for the whole batch, built with numpy (copybuf.py).
        buffer = copybuf.build(batch, zone, received_us)
        # Fast path: new fixes are the rule, so COPY straight into the table under a savepoint;
        # if any row is already there the COPY fails whole and we fall back to the slower path.
        sid = transaction.savepoint()
        try:
            with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)") as cp:
                cp.write(buffer)
        except psycopg.errors.UniqueViolation:
            transaction.savepoint_rollback(sid)
        else:
            transaction.savepoint_commit(sid)
            return len(batch)
        # Slow path: COPY into a session temp table, then INSERT … SELECT … ON CONFLICT DO NOTHING.
        with connection.cursor() as cur:
            raw = cur.cursor
            raw.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS _corrections_fix_in AS SELECT {cols} FROM {table} WITH NO DATA"  # noqa: S608
            )
            with raw.copy(f"COPY _corrections_fix_in ({cols}) FROM STDIN (FORMAT BINARY)") as cp:
                cp.write(buffer)
            raw.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _corrections_fix_in {conflict}")  # noqa: S608
            stored = raw.rowcount
            raw.execute("TRUNCATE _corrections_fix_in")
            return stored
    # SQLite: multi-row INSERTs (a third less CPU than one row per statement: each statement
    # execution also reads and writes the AUTOINCREMENT counter).
    flat = _flat_params(batch, zone, received_us)
    width = len(_COLUMNS)
    row = "(" + ", ".join(["?"] * width) + ")"
    n, per = len(batch), _ROWS_PER_STATEMENT
    full = n // per * per
    stored = 0
    cur = connection.connection.cursor()
    try:
        if full:
            step = per * width
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES {', '.join([row] * per)} {conflict}",  # noqa: S608
                            (flat[i:i + step] for i in range(0, full * width, step)))
            stored += cur.rowcount
        if n > full:
            cur.execute(f"INSERT INTO {table} ({cols}) VALUES {', '.join([row] * (n - full))} {conflict}",  # noqa: S608
                        flat[full * width:])
            stored += cur.rowcount
        return stored
    finally:
        cur.close()


# --- debounce ----------------------------------------------------------------------------------

@dataclass
class _State:
    last_us: int | None
    consecutive: int
    first_out_us: int | None
    open_breach_id: int | None
    lat: float | None = None
    lon: float | None = None


def _previous_positions(states: dict[int, _State]) -> dict[int, tuple[int, float, float]]:
    return {sid: (st.last_us, st.lat, st.lon) for sid, st in states.items()
            if st.last_us is not None and st.lat is not None and st.lon is not None}


def _load_state(supervisee_ids: np.ndarray) -> dict[int, _State]:
    ids = sorted(set(supervisee_ids.tolist()))
    if connection.vendor == "postgresql":
        table = SuperviseeLastSeen._meta.db_table  # from the model, never from input
        with pg_cursor() as cur:
            cur.execute(
                "SELECT supervisee_id, last_fix_at, consecutive_outside, first_outside_at, open_breach_id, lat, lon "  # noqa: S608
                f"FROM {table} WHERE supervisee_id = ANY(%s::bigint[]) ORDER BY supervisee_id FOR UPDATE",
                [array_text(ids)])
            found = cur.fetchall()
        return {
            sid: _State(dt_to_us(last) if last else None, cons, dt_to_us(first) if first else None, open_id, lat, lon)
            for sid, last, cons, first, open_id, lat, lon in found
        }
    # SQLite: the transaction holds the write lock already (no FOR UPDATE); the ids go in as one
    # JSON array (the ORM's IN list of 10k ids cost more than the query).
    table = SuperviseeLastSeen._meta.db_table  # from the model, never from input
    with connection.cursor() as cur:
        cur.execute(
            "SELECT supervisee_id, last_fix_at, consecutive_outside, first_outside_at, open_breach_id, lat, lon "  # noqa: S608
            f"FROM {table} WHERE supervisee_id IN (SELECT value FROM json_each(%s)) ORDER BY supervisee_id",
            [json.dumps(ids)])
        found = cur.fetchall()
    return {
        sid: _State(_text_us(last), cons, _text_us(first), open_id, lat, lon)
        for sid, last, cons, first, open_id, lat, lon in found
    }


def _text_us(value: str | datetime | None) -> int | None:
    """A datetime as SQLite stores it for Django (naive UTC; the driver's converter may already
    have parsed the text) → microseconds since the epoch."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return dt_to_us(parsed.replace(tzinfo=UTC))


def _debounce(batch: FixBatch, zone: np.ndarray, states: dict[int, _State], *, now_us: int, result: StoreResult) -> None:
    n_fixes, minutes = config.many("corrections.geofence.debounce_fixes", "corrections.geofence.debounce_minutes").values()
    need_n, need_us = int(n_fixes), int(float(minutes) * 60 * US)
    sup_all = batch.supervisee_id
    uniq, inverse = np.unique(sup_all, return_inverse=True)
    floor = np.iinfo(np.int64).min
    last_u = np.array([(st.last_us if (st := states.get(u)) and st.last_us is not None else floor)
                       for u in uniq.tolist()], dtype=np.int64)
    last = last_u[inverse]
    newer = np.flatnonzero((batch.t_us > last) & batch.valid)  # late and out-of-order fixes change nothing here
    if newer.size == 0:
        return
    order = newer[np.lexsort((batch.t_us[newer], sup_all[newer]))]
    sup, t, z = sup_all[order], batch.t_us[order], zone[order]
    n = order.size
    v = z > 0
    gs = np.ones(n, dtype=bool)
    gs[1:] = sup[1:] != sup[:-1]
    v_prev = np.zeros(n, dtype=bool)
    v_prev[1:] = v[:-1]
    rs = v & (gs | ~v_prev)
    run_id = np.cumsum(rs) - 1
    starts = np.flatnonzero(rs)
    n_runs = starts.size
    # A run that begins at the group's first fix continues the run carried in from earlier batches.
    carry = np.zeros(n_runs, dtype=np.int64)
    run_t0 = t[starts].copy()
    run_open = np.zeros(n_runs, dtype=bool)
    run_open_id = np.zeros(n_runs, dtype=np.int64)
    for k in np.flatnonzero(gs[starts]).tolist():
        st = states.get(int(sup[starts[k]]))
        if st is not None and st.consecutive > 0 and st.first_out_us is not None:
            carry[k] = st.consecutive
            run_t0[k] = st.first_out_us
            if st.open_breach_id:
                run_open[k] = True
                run_open_id[k] = st.open_breach_id
    rid = np.where(v, run_id, 0)
    count = np.where(v, np.arange(n) - starts[rid] + 1 + carry[rid], 0) if n_runs else np.zeros(n, dtype=np.int64)
    trig = v & ((count >= need_n) | (t - run_t0[rid] >= need_us)) & ~run_open[rid] if n_runs else np.zeros(n, bool)
    trig_idx = np.flatnonzero(trig)
    trig_runs, first = np.unique(run_id[trig_idx], return_index=True)
    trig_rows = trig_idx[first]

    # Where each run ends: the first later fix of the same person (inside, by construction).
    next_same = np.full(n, -1, dtype=np.int64)
    next_same[:-1] = np.where(sup[1:] == sup[:-1], np.arange(1, n), -1)
    run_end_rows = np.flatnonzero(v & ~np.append(v[1:] & ~gs[1:], False))  # last fix of each run
    run_closer = next_same[run_end_rows] if n_runs else np.zeros(0, dtype=np.int64)

    new_breaches = []
    evidence = _evidence([(int(sup[row]), int(run_t0[k]), int(t[row])) for k, row in
                          zip(trig_runs.tolist(), trig_rows.tolist(), strict=True)], limit=max(need_n, 1))
    for k, row in zip(trig_runs.tolist(), trig_rows.tolist(), strict=True):
        closer = int(run_closer[k])
        sid = int(sup[row])
        t0 = int(run_t0[k])
        new_breaches.append(GeofenceBreach(
            supervisee_id=sid,
            kind=GeofenceBreach.Kind.ENTERED_EXCLUSION if z[row] == ZONE_EXCLUSION else GeofenceBreach.Kind.LEFT_AREA,
            started_at=us_to_dt(t0),
            detected_at=us_to_dt(now_us),
            ended_at=us_to_dt(int(t[closer])) if closer >= 0 else None,
            evidence_fix_ids=evidence.get((sid, t0), []),
            detail={"lat": float(batch.lat[order[row]]), "lon": float(batch.lon[order[row]]),
                    "consecutive": int(count[row]), "minutes": round((int(t[row]) - t0) / US / 60, 1)},
        ))
    created = GeofenceBreach.objects.bulk_create(new_breaches)
    result.breach_ids.extend(b.pk for b in created)
    result.closed_breach_ids.extend(b.pk for b in created if b.ended_at is not None)
    breach_of_run = {int(k): b.pk for k, b in zip(trig_runs.tolist(), created, strict=True)}

    # Carried-over open breaches close at the first inside fix that follows them.
    for k in np.flatnonzero(run_open).tolist():
        closer = int(run_closer[k])
        if closer >= 0 and GeofenceBreach.objects.filter(pk=int(run_open_id[k]), ended_at__isnull=True).update(
            ended_at=us_to_dt(int(t[closer]))
        ):
            result.closed_breach_ids.append(int(run_open_id[k]))
    # A person whose first new fix is inside closes a breach left open by an earlier batch.
    first_rows = np.flatnonzero(gs & ~v)
    for row in first_rows.tolist():
        st = states.get(int(sup[row]))
        if st is not None and st.open_breach_id and GeofenceBreach.objects.filter(
            pk=st.open_breach_id, ended_at__isnull=True
        ).update(ended_at=us_to_dt(int(t[row]))):
            result.closed_breach_ids.append(st.open_breach_id)

    # Final state per person: their newest fix in this batch.
    ge = np.append(np.flatnonzero(gs[1:]), n - 1)
    # Times as the driver wants them: SQLite's text made for all rows at once, datetimes for psycopg.
    times = _time_strings if connection.vendor == "sqlite" else (lambda us: [us_to_dt(int(x)) for x in us.tolist()])
    last_at = times(t[ge])
    first_out = times(run_t0[np.where(v[ge], run_id[ge], 0)]) if n_runs else [None] * ge.size
    rows = []
    for j, row in enumerate(ge.tolist()):
        outside = bool(v[row])
        k = int(run_id[row]) if outside else -1
        open_id = None
        if outside:
            open_id = breach_of_run.get(k) or (int(run_open_id[k]) if run_open[k] else None)
        rows.append((
            int(sup[row]), last_at[j], float(batch.lat[order[row]]), float(batch.lon[order[row]]),
            not outside, int(count[row]) if outside else 0, first_out[j] if outside else None,
            open_id, last_at[j],
        ))
    _upsert_last_seen(rows)


# The last column, silent_since, is given the newest fix's time; an existing row keeps the later
# of that and its own (the reporting time of a person's registration row).
_LAST_SEEN = ("supervisee_id", "last_fix_at", "lat", "lon", "inside", "consecutive_outside", "first_outside_at",
              "open_breach_id", "silent_since")


def _upsert_last_seen(rows: list[tuple]) -> None:
    """One upsert for the batch (the ORM's bulk_create costs more than the rest of a small batch)."""
    if not rows:
        return
    table = SuperviseeLastSeen._meta.db_table  # identifiers from the model, never from input
    cols = ", ".join(_LAST_SEEN)
    latest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    updates = ", ".join([*(f"{c} = excluded.{c}" for c in _LAST_SEEN[1:-1]),
                         f"silent_since = {latest}({table}.silent_since, excluded.silent_since)"])
    if connection.vendor == "postgresql":
        # One statement from arrays: executemany would run one statement per person.
        kinds = ("bigint", "timestamptz", "float8", "float8", "boolean", "integer", "timestamptz", "bigint",
                 "timestamptz")
        arrays = ", ".join(f"%s::{kind}[]" for kind in kinds)
        with pg_cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} ({cols}) SELECT * FROM unnest({arrays}) "  # noqa: S608
                f"ON CONFLICT (supervisee_id) DO UPDATE SET {updates}",
                [array_text(list(column)) for column in zip(*rows, strict=True)],
            )
        return
    with connection.cursor() as cur:
        marks = ", ".join(["%s"] * len(_LAST_SEEN))
        cur.executemany(
            f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT (supervisee_id) DO UPDATE SET {updates}",  # noqa: S608
            rows,
        )


def _evidence(spells: list[tuple[int, int, int]], *, limit: int) -> dict[tuple[int, int], list[int]]:
    """The first `limit` fixes outside of each (person, start, end) spell, in time order: one
    query per 2,000 spells (a large batch raises hundreds of breaches; a query each cost more
    than the insert of their fixes)."""
    out: dict[tuple[int, int], list[int]] = {}
    table = LocationFix._meta.db_table  # identifiers from the model, never from input
    adapt = connection.ops.adapt_datetimefield_value
    for i in range(0, len(spells), 2000):
        chunk = spells[i:i + 2000]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
        params: list = []
        for k, (sid, t0, t1) in enumerate(chunk):
            params += [k, sid, adapt(us_to_dt(t0)), adapt(us_to_dt(t1))]
        cast = "::timestamptz" if connection.vendor == "postgresql" else ""
        sql = (
            f"WITH spell(k, sid, t0, t1) AS (VALUES {values}) "  # noqa: S608
            f"SELECT k, id FROM (SELECT s.k, f.id, f.recorded_at, ROW_NUMBER() OVER "
            f"(PARTITION BY s.k ORDER BY f.recorded_at, f.id) AS rn FROM spell s JOIN {table} f "
            f"ON f.supervisee_id = s.sid AND f.recorded_at >= s.t0{cast} AND f.recorded_at <= s.t1{cast} "
            f"AND f.zone > 0) ranked WHERE rn <= %s ORDER BY k, recorded_at, id"
        )
        with connection.cursor() as cur:
            cur.execute(sql, [*params, limit])
            for k, fix_id in cur.fetchall():
                sid, t0, _t1 = chunk[k]
                out.setdefault((sid, t0), []).append(fix_id)
    return out


# --- entry point -------------------------------------------------------------------------------

def dedupe(batch: FixBatch) -> FixBatch:
    """Drop repeats of the same (device, time) inside one batch, keeping the first."""
    if len(batch) < 2:
        return batch
    _u, idx = np.unique(np.stack([batch.device_id, batch.t_us]), axis=1, return_index=True)
    if idx.size == len(batch):
        return batch
    return batch.take(np.sort(idx))


def store_batch(batch: FixBatch, *, now: datetime) -> StoreResult:
    """Store fixes idempotently, update the per-person state and write an outbox event per
    raised or ended breach; one transaction, so nothing acknowledged is half-written."""
    result = StoreResult(received=len(batch))
    batch = dedupe(batch)
    if len(batch) == 0:
        return result
    max_credit = float(config.get("corrections.geofence.max_accuracy_credit_m"))
    zone = classify(batch, max_credit_m=max_credit)
    now_us = dt_to_us(now)
    # Inside a caller's transaction (the OsmAnd writer's group) no savepoint: an error here fails
    # the caller's whole transaction anyway, and a savepoint costs two round trips.
    with transaction.atomic(savepoint=False):
        result.stored = _insert(batch, zone, now_us)
        states = _load_state(batch.supervisee_id)
        suspicious.detect(batch, _previous_positions(states), now_us=now_us, result=result)
        _debounce(batch, zone, states, now_us=now_us, result=result)
        events.breaches_raised(result.breach_ids)
        events.breaches_ended(result.closed_breach_ids)
    result.duplicates = result.received - result.stored
    return result
