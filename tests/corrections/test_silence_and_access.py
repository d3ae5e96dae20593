"""The silence scan, outbox events, and who may see whom."""

from __future__ import annotations

import datetime as dt

import pytest

from pingan.core.models import AuditEntry, OutboxEvent, Setting
from pingan.core.outbox import drain
from pingan.corrections import events, selectors, services
from pingan.corrections.models import Alert, GeofenceBreach, LocationFix, SuperviseeLastSeen
from pingan.corrections.parsing import RawFix

from .conftest import INSIDE, PANZHOU

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def fix(hours: float, where=INSIDE) -> RawFix:
    return RawFix(recorded_at=T0 + dt.timedelta(hours=hours), lat=where[0], lon=where[1])


def silences(s):
    return list(GeofenceBreach.objects.filter(supervisee=s, kind="silence").order_by("started_at"))


@pytest.mark.django_db
def test_silence_once_per_spell(make_supervisee):
    s, device, _t = make_supervisee(reported_at=T0 - dt.timedelta(days=2))
    services.ingest_fixes(device=device, fixes=[fix(0)], source="app", now=T0)
    assert services.scan_silence(now=T0 + dt.timedelta(hours=23)) == []
    first = services.scan_silence(now=T0 + dt.timedelta(hours=25))
    assert len(first) == 1
    assert services.scan_silence(now=T0 + dt.timedelta(hours=26)) == []  # same spell: nothing new
    [b] = silences(s)
    assert b.started_at == T0
    # the phone comes back, then goes quiet again: a second spell, a second alert
    services.ingest_fixes(device=device, fixes=[fix(30)], source="app", now=T0 + dt.timedelta(hours=30))
    assert services.scan_silence(now=T0 + dt.timedelta(hours=31)) == []
    assert len(services.scan_silence(now=T0 + dt.timedelta(hours=55))) == 1
    assert [b.started_at for b in silences(s)] == [T0, T0 + dt.timedelta(hours=30)]
    payloads = list(OutboxEvent.objects.filter(topic=events.BREACHES_RAISED).values_list("payload", flat=True))
    assert payloads == [{"breach_ids": [b.pk]}, {"breach_ids": [silences(s)[1].pk]}]


@pytest.mark.django_db
def test_silence_threshold_per_level_and_people_who_never_reported(make_supervisee):
    Setting.objects.filter(key="corrections.silence.hours_by_level").update(
        value={"strict": 6, "normal": 24, "lenient": 48}
    )
    strict, _d1, _ = make_supervisee(level="strict", name="严管", reported_at=T0)
    normal, _d2, _ = make_supervisee(level="normal", name="普管", reported_at=T0)
    ended, _d3, _ = make_supervisee(level="strict", name="已解矫", reported_at=T0)
    services.end_supervision(supervisee=ended, by=None, reason="completed", at=T0 + dt.timedelta(hours=1))
    services.scan_silence(now=T0 + dt.timedelta(hours=7))
    assert [len(silences(x)) for x in (strict, normal, ended)] == [1, 0, 0]
    services.scan_silence(now=T0 + dt.timedelta(hours=25))
    assert [len(silences(x)) for x in (strict, normal, ended)] == [1, 1, 0]
    assert silences(normal)[0].started_at == T0  # no fix ever: the spell starts at reporting


@pytest.mark.django_db
def test_registered_person_who_never_sends_a_fix_is_alerted_once(make_supervisee):
    s, _device, _t = make_supervisee(reported_at=T0 - dt.timedelta(hours=25))
    seen = SuperviseeLastSeen.objects.get(supervisee=s)  # made at registration, holding no fix
    assert (seen.last_fix_at, seen.lat, seen.lon, seen.silent_since) == (None, None, None, s.reported_at)
    [breach_id] = services.scan_silence(now=T0)
    assert services.scan_silence(now=T0) == []
    assert services.scan_silence(now=T0 + dt.timedelta(hours=5)) == []  # the same spell
    [b] = silences(s)
    assert (b.pk, b.started_at) == (breach_id, s.reported_at)
    drain()
    drain()
    assert list(Alert.objects.filter(supervisee=s).values_list("kind", flat=True)) == ["silence"]


@pytest.mark.django_db
def test_a_late_fix_raises_no_false_silence(make_supervisee):
    s, device, _t = make_supervisee(reported_at=T0)
    # the first fix to arrive was recorded 30 hours before reporting in (buffered on the phone)
    services.ingest_fixes(device=device, fixes=[fix(-30)], source="app", now=T0 + dt.timedelta(hours=1))
    seen = SuperviseeLastSeen.objects.get(supervisee=s)
    assert (seen.last_fix_at, seen.silent_since) == (T0 - dt.timedelta(hours=30), T0)
    assert services.scan_silence(now=T0 + dt.timedelta(hours=2)) == []  # silent since reporting, not 32 h
    # a fix at 20 h, then a late one from 1 h: the silence still runs from 20 h
    services.ingest_fixes(device=device, fixes=[fix(20)], source="app", now=T0 + dt.timedelta(hours=20))
    services.ingest_fixes(device=device, fixes=[fix(1)], source="app", now=T0 + dt.timedelta(hours=22))
    assert SuperviseeLastSeen.objects.get(supervisee=s).silent_since == T0 + dt.timedelta(hours=20)
    assert services.scan_silence(now=T0 + dt.timedelta(hours=30)) == []
    assert len(services.scan_silence(now=T0 + dt.timedelta(hours=45))) == 1
    assert [b.started_at for b in silences(s)] == [T0 + dt.timedelta(hours=20)]


@pytest.mark.django_db
def test_the_registration_row_is_not_a_fix(client, org, make_supervisee):
    s, device, _t = make_supervisee(reported_at=T0 - dt.timedelta(days=3))
    client.force_login(org["staff_a"])
    [item] = client.get("/api/v1/corrections/supervisees").json()["items"]
    assert (item["last_fix_at"], item["inside"]) == (None, None)
    assert client.get("/corrections/map.json").json()["people"] == []
    # the first fix, 90 km away and outside: not a speed jump from a registration "position", and
    # not ten minutes outside counted from the reporting time
    result = services.ingest_fixes(device=device, fixes=[fix(0, PANZHOU)], source="app", now=T0)
    assert result.breach_ids == [] and list(GeofenceBreach.objects.filter(supervisee=s)) == []
    seen = SuperviseeLastSeen.objects.get(supervisee=s)
    assert (seen.last_fix_at, seen.lat, seen.consecutive_outside, seen.first_outside_at) == (T0, PANZHOU[0], 1, T0)
    # the debounce goes on as before: the third fix outside in a row makes one breach
    services.ingest_fixes(device=device, fixes=[fix(1 / 60, PANZHOU), fix(2 / 60, PANZHOU)], source="app", now=T0)
    [b] = GeofenceBreach.objects.filter(supervisee=s)
    assert (b.kind, b.started_at, len(b.evidence_fix_ids)) == ("left_area", T0, 3)
    [point] = client.get("/corrections/map.json").json()["people"]
    assert (point["id"], point["lat"], point["inside"]) == (s.pk, PANZHOU[0], False)


@pytest.mark.django_db
def test_breach_writes_outbox_events(make_supervisee):
    s, device, _t = make_supervisee()
    services.ingest_fixes(device=device, fixes=[fix(h / 60, PANZHOU) for h in range(3)] + [fix(2)],  # back home at a plausible speed
                          source="app", now=T0 + dt.timedelta(hours=3))
    [b] = GeofenceBreach.objects.filter(supervisee=s)
    topics = list(OutboxEvent.objects.values_list("topic", "payload"))
    # raised and ended in the same batch: one event each
    assert topics == [(events.BREACHES_RAISED, {"breach_ids": [b.pk]}), (events.BREACHES_ENDED, {"breach_ids": [b.pk]})]
    assert b.ended_at is not None


@pytest.mark.django_db
def test_justice_office_sees_only_its_people(client, org, make_supervisee):
    mine, device, _ = make_supervisee(office="office_a", name="甲")
    theirs, _d, _ = make_supervisee(office="office_b", name="乙")
    staff_a, officer = org["staff_a"], org["officer"]
    assert list(selectors.supervisee_list(user=staff_a)) == [mine]
    assert set(selectors.supervisee_list(user=officer)) == {mine, theirs}  # the county bureau sees both

    client.force_login(staff_a)
    listing = client.get("/api/v1/corrections/supervisees").json()
    assert [p["id"] for p in listing["items"]] == [mine.pk]
    assert listing["items"][0]["masked_id_number"] != mine.id_number
    assert "*" in listing["items"][0]["masked_id_number"]
    assert client.get(f"/api/v1/corrections/supervisees/{mine.pk}").status_code == 200
    for path in ("", "/id-number", "/track"):
        assert client.get(f"/api/v1/corrections/supervisees/{theirs.pk}{path}").status_code == 404
    assert client.get("/api/v1/corrections/supervisees/999999").status_code == 404


@pytest.mark.django_db
def test_id_number_and_track_views_are_audited(client, org, make_supervisee):
    s, device, _ = make_supervisee()
    services.ingest_fixes(device=device, fixes=[fix(0), fix(1)], source="app", now=T0 + dt.timedelta(hours=2))
    client.force_login(org["staff_a"])
    before = AuditEntry.objects.filter(action="view_sensitive").count()
    resp = client.get(f"/api/v1/corrections/supervisees/{s.pk}/id-number", {"reason": "核对身份"})
    assert resp.status_code == 200 and resp.json()["id_number"] == s.id_number
    resp = client.get(f"/api/v1/corrections/supervisees/{s.pk}/track",
                      {"since": T0.isoformat(), "until": (T0 + dt.timedelta(hours=3)).isoformat()})
    assert resp.status_code == 200
    assert [f["lat"] for f in resp.json()["fixes"]] == [INSIDE[0], INSIDE[0]]
    views = list(AuditEntry.objects.filter(action="view_sensitive").order_by("seq"))[before:]
    assert [v.after["fields"] for v in views] == [["id_number"], ["track"]]
    assert all(v.actor_id == org["staff_a"].pk and v.object_id == str(s.pk) for v in views)


@pytest.mark.django_db
def test_breach_list_is_scoped(client, org, make_supervisee):
    mine, d1, _ = make_supervisee(office="office_a", name="甲")
    theirs, d2, _ = make_supervisee(office="office_b", name="乙")
    for d in (d1, d2):
        services.ingest_fixes(device=d, fixes=[fix(h / 60, PANZHOU) for h in range(3)], source="app",
                              now=T0 + dt.timedelta(hours=1))
    client.force_login(org["staff_b"])
    items = client.get("/api/v1/corrections/breaches").json()["items"]
    assert [b["supervisee_id"] for b in items] == [theirs.pk]


@pytest.mark.django_db
def test_id_number_is_encrypted_at_rest_and_unique_while_open(org, make_supervisee):
    from django.db import connection

    s, _d, _ = make_supervisee()
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM corrections_supervisee WHERE id = %s", [s.pk])
        raw = cur.fetchone()[0]
    assert raw.startswith("enc1:") and s.id_number not in raw
    from pingan.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        services.register_supervisee(
            by=None, id_number=s.id_number, name="重复", sentence_type="parole", court="x", judgment_number="y",
            start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 1, 1), offence="z", justice_office=org["office_a"],
            residence=org["town_a"],
        )
    assert LocationFix.objects.count() == 0
