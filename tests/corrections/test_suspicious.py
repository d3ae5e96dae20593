"""Mock locations and impossible speed jumps in the ingestion path."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pingan.core.outbox import drain
from pingan.corrections import services
from pingan.corrections.models import Alert, GeofenceBreach
from pingan.corrections.parsing import RawFix
from pingan.corrections.suspicious import haversine_m

from .conftest import INSIDE

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
NEAR = (26.56, 104.95)  # ~1.1 km north of INSIDE
BEIJING = (39.90, 116.40)


def fix(minutes: float, where=INSIDE, **kw) -> RawFix:
    return RawFix(recorded_at=T0 + dt.timedelta(minutes=minutes), lat=where[0], lon=where[1], **kw)


def ingest(device, *fixes, minutes=60):
    return services.ingest_fixes(device=device, fixes=list(fixes), source="app", now=T0 + dt.timedelta(minutes=minutes))


def test_haversine_known_distance():
    d = haversine_m(np.array([26.55]), np.array([104.95]), np.array([26.56]), np.array([104.95]))
    assert 1100 < d[0] < 1125


@pytest.mark.django_db
def test_mock_fixes_raise_one_alert_per_window(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, fix(0), fix(1, mock=True), fix(2, mock=True))
    [b] = GeofenceBreach.objects.filter(supervisee=s, kind="mock_location")
    assert b.started_at == T0 + dt.timedelta(minutes=1) and b.detail["mock_fixes"] == 2 and b.evidence_fix_ids
    ingest(device, fix(30, mock=True))  # same window: nothing new
    ingest(device, fix(1, mock=True), fix(2, mock=True))  # a duplicate batch: nothing new
    assert GeofenceBreach.objects.filter(supervisee=s, kind="mock_location").count() == 1
    ingest(device, fix(60 * 25, mock=True), minutes=60 * 25 + 1)
    assert GeofenceBreach.objects.filter(supervisee=s, kind="mock_location").count() == 2
    drain()
    assert Alert.objects.filter(supervisee=s, kind="mock_location").count() == 2


@pytest.mark.django_db
def test_jump_within_a_batch_and_across_batches(make_supervisee):
    s, device, _t = make_supervisee()
    ingest(device, fix(0), fix(5, NEAR), fix(10))  # walking/driving: fine
    assert not GeofenceBreach.objects.filter(kind="impossible_speed").exists()
    ingest(device, fix(12, BEIJING))  # 1,700 km in 2 minutes after the stored last position
    [b] = GeofenceBreach.objects.filter(supervisee=s, kind="impossible_speed")
    assert b.detail["km"] > 1500 and b.detail["kmh"] > 10_000


@pytest.mark.django_db
def test_no_jump_for_slow_long_trip_or_other_people(make_supervisee):
    s1, d1, _ = make_supervisee(name="甲")
    s2, d2, _ = make_supervisee(name="乙")
    ingest(d1, fix(0), fix(60 * 8, BEIJING), minutes=60 * 9)  # 1,700 km in 8 h: a flight, not a jump
    ingest(d2, fix(0, NEAR))
    assert not GeofenceBreach.objects.filter(kind="impossible_speed").exists()
