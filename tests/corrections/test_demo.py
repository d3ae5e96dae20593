"""The demo loader: people with tracks through the real ingestion path and live alerts; rerun-safe."""

from __future__ import annotations

import pytest

from pingan.corrections.demo import PEOPLE, load_demo
from pingan.corrections.models import Alert, LocationFix, Supervisee


@pytest.mark.django_db
def test_demo_tracks_raise_alerts_and_rerun_adds_nothing(org):
    load_demo()
    assert Supervisee.objects.count() == len(PEOPLE)
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert "left_area" in kinds and ({"silence", "battery_dead"} & kinds)
    fixes, alerts = LocationFix.objects.count(), Alert.objects.count()
    load_demo()
    assert (Supervisee.objects.count(), Alert.objects.count()) == (len(PEOPLE), alerts)
    assert LocationFix.objects.count() in (fixes, fixes + 6 * len(PEOPLE))  # the hour may have turned
