"""Pages: command centre, map data, alert queue and verify form, person page, approvals,
document downloads; another 司法所 gets 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pingan.corrections import alerts, services
from pingan.corrections.models import Alert, Sanction
from pingan.corrections.parsing import RawFix

from .conftest import INSIDE

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_queue_verify_approve_download(client, org, make_supervisee):
    s, device, _t = make_supervisee(name="孙八")
    services.ingest_fixes(device=device, fixes=[RawFix(recorded_at=T0, lat=INSIDE[0], lon=INSIDE[1])], source="app",
                          now=T0)
    a = alerts.raise_alert(supervisee=s, kind="left_area", occurred_at=T0, evidence={}, source="platform")
    client.force_login(org["staff_a"])
    page = client.get(reverse("corrections:command")).content.decode()
    assert "孙八" in page and "越界" in page and "leaflet.js" in page and "<script>" not in page
    partial = client.get(reverse("corrections:command"), HTTP_HX_REQUEST="true").content.decode()
    assert "孙八" in partial and "<html" not in partial
    data = client.get(reverse("corrections:map_data")).json()
    assert data["boundary"]["type"] in ("Polygon", "MultiPolygon")
    assert data["people"] == [{"id": s.pk, "name": "孙八", "lat": INSIDE[0], "lon": INSIDE[1], "inside": True,
                               "at": T0.isoformat(), "alert": True}]
    assert "孙八" in client.get(reverse("corrections:alerts")).content.decode()
    r = client.post(reverse("corrections:alert_verify", args=[a.pk]),
                    {"outcome": "violation", "reason": "擅自离开", "serious": "on", "prohibition": "none"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.state == "violation"
    sanction = Sanction.objects.get(alert=a)
    assert sanction.kind == "warning"
    # the office cannot approve; the county bureau can
    client.post(reverse("corrections:sanction_act", args=[sanction.pk, "approve"]))
    sanction.refresh_from_db()
    assert sanction.state == "proposed"
    client.force_login(org["officer"])
    assert "孙八" in client.get(reverse("corrections:approvals")).content.decode()
    client.post(reverse("corrections:sanction_act", args=[sanction.pk, "approve"]))
    client.post(reverse("corrections:sanction_act", args=[sanction.pk, "notify"]))
    sanction.refresh_from_db()
    assert sanction.state == "notified"
    r = client.get(reverse("corrections:sanction_document", args=[sanction.pk, "docx"]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    person = client.get(reverse("corrections:person", args=[s.pk])).content.decode()
    assert "警告" in person and sanction.document_number in person
    # another office: 404 everywhere
    client.force_login(org["staff_b"])
    assert client.get(reverse("corrections:person", args=[s.pk])).status_code == 404
    assert client.get(reverse("corrections:sanction_document", args=[sanction.pk, "pdf"])).status_code == 404
    assert client.post(reverse("corrections:alert_verify", args=[a.pk]), {"outcome": "false_alarm"}).status_code == 404
    assert "孙八" not in client.get(reverse("corrections:command")).content.decode()
    assert client.get(reverse("corrections:map_data")).json()["people"] == []
    assert Alert.objects.get(pk=a.pk).state == "violation"
