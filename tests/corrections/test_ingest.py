"""App batch API and the debounced geofence: duplicates, late fixes, jitter, N-in-a-row, minutes
outside, exclusion zones, GCJ-02 input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from pingan.corrections import services
from pingan.corrections.geo import wgs84_to_gcj02
from pingan.corrections.models import GeofenceBreach, LocationFix, PermittedArea, SuperviseeLastSeen
from pingan.corrections.parsing import RawFix

from .conftest import INSIDE, PANZHOU, ZHONGSHAN

URL = "/api/v1/corrections/locations"
T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(hours=6)
# Just outside the western border near 26.30N (see test_geo): ~100 m out.
EDGE_OUT: tuple[float, float]


@pytest.fixture(scope="module", autouse=True)
def _edge_point():
    import json

    from pingan.corrections.geo import Area
    from pingan.corrections.seed import BOUNDARY_FILE

    area = Area.from_geojson(json.loads(BOUNDARY_FILE.read_text()))
    lons = np.linspace(104.75, 104.40, 3501)
    inside = area.contains(np.full(lons.size, 26.30), lons)
    global EDGE_OUT
    EDGE_OUT = (26.30, float(lons[np.argmax(~inside)] - 0.001))


def fix(minute: float, where=INSIDE, **kw) -> RawFix:
    return RawFix(recorded_at=T0 + dt.timedelta(minutes=minute), lat=where[0], lon=where[1], **kw)


def ingest(device, *fixes, now=NOW):
    return services.ingest_fixes(device=device, fixes=list(fixes), source="app", now=now)


def breaches(s, kind="left_area"):
    return list(GeofenceBreach.objects.filter(supervisee=s, kind=kind).order_by("pk"))


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- the app batch API ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_batch_api_stores_and_reports_per_item_errors(client, make_supervisee):
    s, device, token = make_supervisee()
    now = timezone.now()
    items = [
        {"time": (now - dt.timedelta(minutes=3)).isoformat(), "lat": INSIDE[0], "lon": INSIDE[1], "accuracy": 10,
         "speed": 1.2, "heading": 30, "altitude": 1800, "battery": 80, "mock": False, "source": "gps", "crs": "wgs84"},
        {"time": int((now - dt.timedelta(minutes=2)).timestamp() * 1000), "lat": INSIDE[0], "lon": INSIDE[1]},
        {"time": (now - dt.timedelta(minutes=1)).isoformat(), "lat": 123, "lon": INSIDE[1]},
        {"time": (now + dt.timedelta(days=1)).isoformat(), "lat": INSIDE[0], "lon": INSIDE[1]},
        {"lat": INSIDE[0], "lon": INSIDE[1]},
        {"time": now.isoformat(), "lat": INSIDE[0], "lon": INSIDE[1], "colour": "red"},
        "not an object",
    ]
    resp = client.post(URL, data=items, content_type="application/json", **auth(token))
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert (body["received"], body["stored"], body["duplicates"], body["rejected"]) == (7, 2, 0, 5)
    assert set(body["errors"]) == {"2.lat", "3.timestamp", "4.time", "5.colour", "6.__all__"}
    assert body["errors"]["3.timestamp"][0]["code"] == "future_time"
    assert LocationFix.objects.filter(supervisee=s).count() == 2
    first = LocationFix.objects.order_by("recorded_at").first()
    assert (first.accuracy, first.speed, first.battery, first.extra) == (10, 1.2, 80, {"source": "gps"})


@pytest.mark.django_db
def test_duplicate_batch_is_idempotent(client, make_supervisee):
    s, device, token = make_supervisee()
    now = timezone.now()
    items = [{"time": (now - dt.timedelta(minutes=i)).isoformat(), "lat": INSIDE[0], "lon": INSIDE[1]} for i in range(5)]
    items.append(dict(items[0]))  # repeated inside the same batch too
    first = client.post(URL, data=items, content_type="application/json", **auth(token)).json()
    second = client.post(URL, data=items, content_type="application/json", **auth(token)).json()
    assert (first["stored"], first["duplicates"]) == (5, 1)
    assert (second["stored"], second["duplicates"]) == (0, 6)
    assert LocationFix.objects.filter(supervisee=s).count() == 5


@pytest.mark.django_db
def test_batch_api_auth(client, make_supervisee):
    _s, _device, token = make_supervisee()
    item = [{"time": timezone.now().isoformat(), "lat": INSIDE[0], "lon": INSIDE[1]}]
    assert client.post(URL, data=item, content_type="application/json").status_code == 401
    assert client.post(URL, data=item, content_type="application/json", **auth("dev_wrong")).status_code == 401
    assert client.post(URL, data={"time": 1}, content_type="application/json", **auth(token)).status_code == 422
    resp = client.post(URL, data=[{"lat": 1}, {"time": 1, "lat": 1, "lon": 2}], content_type="application/json",
                       **auth(token))
    assert resp.status_code == 400
    assert set(resp.json()["errors"]) == {"0.time", "1.timestamp"}


@pytest.mark.django_db
def test_gcj02_input_is_stored_as_wgs84(make_supervisee):
    _s, device, _t = make_supervisee()
    glat, glon = wgs84_to_gcj02(np.array([INSIDE[0]]), np.array([INSIDE[1]]))
    ingest(device, fix(0, (float(glat[0]), float(glon[0])), crs="gcj02"))
    stored = LocationFix.objects.get()
    assert stored.crs == "gcj02"
    assert stored.lat == pytest.approx(INSIDE[0], abs=1e-6) and stored.lon == pytest.approx(INSIDE[1], abs=1e-6)


# --- debounce --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_n_consecutive_outside_raise_exactly_one_breach(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, fix(0), fix(1, PANZHOU), fix(2, PANZHOU))
    assert breaches(s) == []  # two outside: still jitter as far as we know
    result = ingest(device, fix(3, PANZHOU), fix(4, PANZHOU), fix(5, PANZHOU))
    [b] = breaches(s)
    assert result.breach_ids == [b.pk]
    assert b.started_at == T0 + dt.timedelta(minutes=1)
    assert len(b.evidence_fix_ids) == 3
    assert set(LocationFix.objects.filter(pk__in=b.evidence_fix_ids).values_list("zone", flat=True)) == {1}
    assert b.ended_at is None
    ingest(device, fix(6, PANZHOU), fix(7, PANZHOU))  # still out: no second alert
    assert len(breaches(s)) == 1
    last = SuperviseeLastSeen.objects.get(supervisee=s)
    assert (last.inside, last.consecutive_outside, last.open_breach_id) == (False, 7, b.pk)
    ingest(device, fix(8))  # back inside: the breach ends, the state resets
    b.refresh_from_db()
    assert b.ended_at == T0 + dt.timedelta(minutes=8)
    last.refresh_from_db()
    assert (last.inside, last.consecutive_outside, last.open_breach_id) == (True, 0, None)
    ingest(device, fix(9, ZHONGSHAN), fix(10, ZHONGSHAN), fix(11, ZHONGSHAN))  # a new spell → a new alert
    assert len(breaches(s)) == 2


@pytest.mark.django_db
def test_breach_in_one_batch_across_many_people(make_supervisee):
    people = [make_supervisee(name=f"人{i}") for i in range(3)]
    # person 0 leaves (3 out), person 1 jitters, person 2 stays in; all in one batch per device
    ingest(people[0][1], *[fix(m, PANZHOU) for m in range(3)], fix(3))
    ingest(people[1][1], *[fix(m, PANZHOU if m % 2 else INSIDE) for m in range(8)])
    ingest(people[2][1], *[fix(m) for m in range(5)])
    # (the minute-by-minute 90 km hops are also impossible_speed breaches; see test_suspicious)
    [b] = GeofenceBreach.objects.filter(kind="left_area")
    assert b.supervisee_id == people[0][0].pk and b.ended_at == T0 + dt.timedelta(minutes=3)


@pytest.mark.django_db
def test_minutes_outside_raise_a_breach_with_few_fixes(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, fix(0), fix(1, PANZHOU))
    ingest(device, fix(12, PANZHOU))  # two fixes, but 11 minutes ≥ 10 outside
    [b] = breaches(s)
    assert b.started_at == T0 + dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_jitter_alternating_in_and_out_raises_nothing(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, *[fix(m, PANZHOU if m % 2 else INSIDE) for m in range(30)])
    for m in range(30, 40):
        ingest(device, fix(m, PANZHOU if m % 2 else INSIDE))
    assert breaches(s) == []
    assert LocationFix.objects.filter(supervisee=s, zone=1).count() == 20


@pytest.mark.django_db
def test_outside_but_accuracy_circle_overlapping_is_not_a_breach(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, *[fix(m, EDGE_OUT, accuracy=300) for m in range(20)])
    assert breaches(s) == []
    assert set(LocationFix.objects.values_list("zone", flat=True)) == {0}
    # the same place with a precise fix is outside
    ingest(device, *[fix(m, EDGE_OUT, accuracy=10) for m in range(20, 24)])
    assert len(breaches(s)) == 1


@pytest.mark.django_db
def test_huge_accuracy_does_not_hide_a_breach(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, *[fix(m, PANZHOU, accuracy=90_000) for m in range(4)])  # credit is capped (500 m)
    assert len(breaches(s)) == 1


@pytest.mark.django_db
def test_late_fix_is_stored_but_moves_nothing(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, fix(10))
    # three late fixes from before the newest one, all outside
    result = ingest(device, fix(1, PANZHOU), fix(2, PANZHOU), fix(3, PANZHOU))
    assert result.stored == 3 and result.breach_ids == []
    assert breaches(s) == []
    last = SuperviseeLastSeen.objects.get(supervisee=s)
    assert last.last_fix_at == T0 + dt.timedelta(minutes=10)
    assert (last.lat, last.lon, last.inside) == (INSIDE[0], INSIDE[1], True)


@pytest.mark.django_db
def test_out_of_order_within_a_batch_is_sorted_by_device_time(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, fix(5), fix(2, PANZHOU), fix(3, PANZHOU), fix(4, PANZHOU), fix(1))
    # sorted: in, out, out, out, in → the run of three outside raises one breach that has ended
    [b] = breaches(s)
    assert b.ended_at == T0 + dt.timedelta(minutes=5)
    assert SuperviseeLastSeen.objects.get(supervisee=s).last_fix_at == T0 + dt.timedelta(minutes=5)


@pytest.mark.django_db
def test_invalid_fixes_never_count(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, *[fix(m, PANZHOU, valid=False) for m in range(5)])
    assert LocationFix.objects.count() == 5
    assert breaches(s) == [] and SuperviseeLastSeen.objects.get(supervisee=s).last_fix_at is None


@pytest.mark.django_db
def test_exclusion_zone_and_personal_inclusion(make_supervisee):
    s, device, _t = make_supervisee()
    other, other_device, _t2 = make_supervisee(name="李四")
    d = 0.01
    square = {"type": "Polygon", "coordinates": [[[INSIDE[1] - d, INSIDE[0] - d], [INSIDE[1] + d, INSIDE[0] - d],
                                                  [INSIDE[1] + d, INSIDE[0] + d], [INSIDE[1] - d, INSIDE[0] + d],
                                                  [INSIDE[1] - d, INSIDE[0] - d]]]}
    PermittedArea.objects.create(name="某网吧周边", kind="exclusion", supervisee=s, geometry=square)
    pz = {"type": "Polygon", "coordinates": [[[PANZHOU[1] - d, PANZHOU[0] - d], [PANZHOU[1] + d, PANZHOU[0] - d],
                                              [PANZHOU[1] + d, PANZHOU[0] + d], [PANZHOU[1] - d, PANZHOU[0] + d],
                                              [PANZHOU[1] - d, PANZHOU[0] - d]]]}
    PermittedArea.objects.create(name="请假目的地", kind="extra_inclusion", supervisee=other, geometry=pz,
                                 valid_from=T0, valid_to=T0 + dt.timedelta(hours=1))
    ingest(device, *[fix(m, accuracy=20) for m in range(3)])
    [b] = breaches(s, "entered_exclusion")
    assert b.supervisee_id == s.pk
    # the other person may be in 盘州 during leave, but not after it
    ingest(other_device, *[fix(m, PANZHOU) for m in range(5)])
    assert breaches(other) == []
    ingest(other_device, *[fix(m, PANZHOU) for m in range(60, 64)])
    assert len(breaches(other)) == 1


# --- references of stored fixes ------------------------------------------------------------------

def _fix_sql(device_id: int, supervisee_id: int) -> tuple[str, list]:
    cols = "device_id, supervisee_id, recorded_at, received_at, lat, lon, crs, mock, source"
    return (f"INSERT INTO {LocationFix._meta.db_table} ({cols}) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, 26.55, 104.95, 'wgs84', FALSE, 'app')",
            [device_id, supervisee_id, T0, NOW])


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["device", "supervisee"])
def test_a_fix_naming_a_missing_device_or_supervisee_is_refused(make_supervisee, bad):
    # PostgreSQL checks the references per statement (migration 0011), SQLite by its foreign keys.
    from django.db import IntegrityError, connection, transaction

    s, device, _token = make_supervisee()
    sql, params = _fix_sql(999_999 if bad == "device" else device.pk, 999_999 if bad == "supervisee" else s.pk)
    with pytest.raises(IntegrityError, match=r"location ?fix"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(sql, params)
        connection.check_constraints(table_names=[LocationFix._meta.db_table])
    ingest(device, fix(0))  # a good fix still goes in
    assert LocationFix.objects.filter(device=device).count() == 1


@pytest.mark.django_db
def test_a_device_or_supervisee_with_fixes_cannot_be_deleted_even_by_sql(make_supervisee):
    from django.db import IntegrityError, connection, transaction

    s, device, _token = make_supervisee()
    ingest(device, fix(0))
    with pytest.raises(IntegrityError, match=r"location ?fix"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {s._meta.db_table} WHERE id = %s", [s.pk])  # noqa: S608
        connection.check_constraints(table_names=[LocationFix._meta.db_table])
    with pytest.raises(IntegrityError, match=r"location ?fix"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {device._meta.db_table} WHERE id = %s", [device.pk])  # noqa: S608
        connection.check_constraints(table_names=[LocationFix._meta.db_table])
    assert LocationFix.objects.filter(device=device).count() == 1


@pytest.mark.django_db
def test_large_and_small_batches_store_the_same_values(make_supervisee):
    # PostgreSQL stores batches up to UNNEST_MAX with one INSERT from arrays and larger ones by
    # binary COPY (falling back to a temp table when some fixes are already stored); SQLite by
    # multi-row INSERTs with a remainder. Every path must store the same columns the same way.
    from pingan.corrections.store import UNNEST_MAX

    s, device, _token = make_supervisee()
    n = UNNEST_MAX + 7

    def raw(i: int) -> RawFix:
        odd = i % 2 == 1
        return RawFix(recorded_at=T0 + dt.timedelta(seconds=i, microseconds=i % 3), lat=26.55 + i * 1e-6, lon=104.95,
                      accuracy=None if i % 5 == 0 else 12.5, speed=1.5 if odd else None, battery=80.0 if odd else None,
                      charging=None if i % 3 == 0 else odd, mock=False,
                      # quotes, a backslash, braces, a comma and "NULL": the array literals must keep them
                      extra={"event": f'e{i} "引\\号" {{a,b}} NULL'} if i % 7 == 0 else None)

    fixes = [raw(i) for i in range(n)]
    small = [raw(i) for i in range(n, n + 10)]
    assert ingest(device, *fixes).stored == n  # COPY (PostgreSQL) / 500-row INSERTs and a remainder (SQLite)
    assert ingest(device, *small).stored == 10  # one INSERT from arrays (PostgreSQL)
    again = ingest(device, *fixes[-20:], *[raw(i) for i in range(n + 10, n + 10 + UNNEST_MAX)])
    assert (again.stored, again.duplicates) == (UNNEST_MAX, 20)  # COPY fails on a duplicate → temp table
    rows = {r[0]: r[1:] for r in LocationFix.objects.filter(device=device).values_list(
        "recorded_at", "lat", "accuracy", "speed", "battery", "charging", "extra", "source", "zone")}
    assert len(rows) == n + 10 + UNNEST_MAX
    for i in (0, 1, 6, 7, 14, n - 1, n, n + 2, n + 3, n + 9, n + 10, n + 10 + UNNEST_MAX - 1):
        f = raw(i)
        assert rows[f.recorded_at] == (f.lat, f.accuracy, f.speed, f.battery, f.charging, f.extra, "app", 0), i
