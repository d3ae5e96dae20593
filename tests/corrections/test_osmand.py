"""The OsmAnd/Traccar-compatible endpoint: every query and JSON form, timestamps, bad input."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from pingan.corrections.models import LocationFix

from .conftest import INSIDE

URL = "/api/v1/corrections/osmand"


@pytest.fixture
def device(make_supervisee):
    _s, device, _token = make_supervisee(kind="osmand")
    return device


def _only_fix() -> LocationFix:
    fixes = list(LocationFix.objects.all())
    assert len(fixes) == 1
    return fixes[0]


@pytest.mark.django_db
@pytest.mark.parametrize("id_param", ["id", "deviceid"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_query_form_full(client, device, id_param, method):
    ts = int(timezone.now().timestamp()) - 60
    params = {id_param: device.identifier, "lat": INSIDE[0], "lon": INSIDE[1], "timestamp": ts, "speed": 10,
              "bearing": 90, "altitude": 1800, "accuracy": 12, "hdop": 1.2, "batt": 77, "charge": "true", "valid": "true"}
    if method == "get":
        resp = client.get(URL, params)
    else:  # Traccar Client POSTs with the parameters in the query string and an empty body
        resp = client.post(URL + "?" + "&".join(f"{k}={v}" for k, v in params.items()))
    assert resp.status_code == 200, resp.content
    assert resp.json() == {"stored": 1, "duplicates": 0}
    fix = _only_fix()
    assert fix.recorded_at == dt.datetime.fromtimestamp(ts, tz=dt.UTC)
    assert (fix.lat, fix.lon) == INSIDE
    assert fix.speed == pytest.approx(10 * 0.514444)  # knots → m/s
    assert (fix.heading, fix.altitude, fix.accuracy, fix.battery, fix.charging) == (90, 1800, 12, 77, True)
    assert fix.extra == {"hdop": 1.2}
    assert fix.source == "osmand" and fix.zone == 0


@pytest.mark.django_db
def test_form_encoded_post(client, device):
    # application/x-www-form-urlencoded, as clients post forms (the test client's default is multipart)
    form = urlencode({"id": device.identifier, "lat": INSIDE[0], "lon": INSIDE[1], "heading": 45})
    resp = client.post(URL, form, content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 200, resp.content
    assert _only_fix().heading == 45


@pytest.mark.django_db
def test_location_parameter_and_no_timestamp_uses_server_time(client, device):
    before = timezone.now()
    resp = client.get(URL, {"id": device.identifier, "location": f"{INSIDE[0]},{INSIDE[1]}"})
    assert resp.status_code == 200, resp.content
    fix = _only_fix()
    assert (fix.lat, fix.lon) == INSIDE
    assert before <= fix.recorded_at <= timezone.now()


def _ts_forms():
    base = dt.datetime(2026, 11, 24, 8, 30, 15, tzinfo=dt.UTC)
    secs = int(base.timestamp())
    return base, [
        (str(secs), base),
        (str(secs * 1000 + 250), base + dt.timedelta(milliseconds=250)),
        ("2026-11-24T08:30:15Z", base),
        ("2026-11-24T16:30:15+08:00", base),
        ("2026-11-24T08:30:15.500Z", base + dt.timedelta(milliseconds=500)),
        ("2026-11-24 08:30:15", base),  # yyyy-MM-dd HH:mm:ss, taken as UTC like Traccar
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(6))
def test_timestamp_formats(client, device, index):
    base, forms = _ts_forms()
    raw, expected = forms[index]
    now = base + dt.timedelta(hours=1)
    from pingan.corrections import services
    from pingan.corrections.parsing import parse_osmand_query

    fix = parse_osmand_query({"id": "x", "lat": "26.55", "lon": "104.95", "timestamp": raw}, now=now)
    assert fix.recorded_at == expected
    services.ingest_osmand(device=device, fix=fix, now=now)
    assert _only_fix().recorded_at == expected


@pytest.mark.django_db
def test_json_body_form(client, device):
    ts = (timezone.now() - dt.timedelta(minutes=2)).replace(microsecond=0)
    body = {
        "device_id": device.identifier,
        "location": {
            "timestamp": ts.isoformat().replace("+00:00", "Z"),
            "coords": {"latitude": INSIDE[0], "longitude": INSIDE[1], "accuracy": 8, "speed": 1.5, "heading": 180,
                       "altitude": 1750},
            "is_moving": True, "odometer": 1234.5, "event": "motionchange",
            "battery": {"level": 0.42, "is_charging": False},
            "activity": {"type": "walking"}, "mock": False,
        },
    }
    resp = client.post(URL, data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 200, resp.content
    fix = _only_fix()
    assert fix.recorded_at == ts
    assert (fix.accuracy, fix.speed, fix.heading, fix.altitude, fix.charging, fix.mock) == (8, 1.5, 180, 1750, False, False)
    assert fix.battery == pytest.approx(42)
    assert fix.extra == {"is_moving": True, "odometer": 1234.5, "event": "motionchange", "activity": "walking"}


@pytest.mark.django_db
def test_json_body_mock_flag_and_unknown_values(client, device):
    body = {"device_id": device.identifier, "location": {
        "coords": {"latitude": INSIDE[0], "longitude": INSIDE[1], "speed": -1, "heading": -1},
        "battery": {"level": -1}, "mock": True}}
    resp = client.post(URL, data=json.dumps(body), content_type="application/json")
    assert resp.status_code == 200, resp.content
    fix = _only_fix()
    assert fix.mock is True and fix.speed is None and fix.heading is None and fix.battery is None


@pytest.mark.django_db
def test_unknown_device_is_400(client, device):
    resp = client.get(URL, {"id": "nobody", "lat": INSIDE[0], "lon": INSIDE[1]})
    assert resp.status_code == 400
    assert resp.json()["errors"]["id"][0]["code"] == "unknown_device"
    resp = client.get(URL, {"lat": INSIDE[0], "lon": INSIDE[1]})
    assert resp.status_code == 400
    assert "id" in resp.json()["errors"]
    assert not LocationFix.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "abc", "lon": "104.95"}, "lat"),
        ({"lat": "95", "lon": "104.95"}, "lat"),
        ({"lat": "26.5", "lon": "190"}, "lon"),
        ({"lat": "0", "lon": "0"}, "lat"),
        ({"lat": "26.5"}, "lon"),
        ({"location": "26.5;104.9"}, "location"),
        ({"lat": "26.5", "lon": "104.9", "timestamp": "yesterday"}, "timestamp"),
        ({"lat": "26.5", "lon": "104.9", "timestamp": "-5"}, "timestamp"),
        ({"lat": "26.5", "lon": "104.9", "timestamp": str(int(timezone.now().timestamp()) + 86_400)}, "timestamp"),
        ({"lat": "26.5", "lon": "104.9", "timestamp": "946684800"}, "timestamp"),  # year 2000: clock reset
        ({"lat": "26.5", "lon": "104.9", "speed": "nan"}, "speed"),
        ({"lat": "26.5", "lon": "104.9", "bearing": "400"}, "bearing"),
        ({"lat": "26.5", "lon": "104.9", "batt": "150"}, "batt"),
        ({"lat": "26.5", "lon": "104.9", "charge": "maybe"}, "charge"),
    ],
)
def test_malformed_query_is_400_with_field(client, device, params, field):
    resp = client.get(URL, {"id": device.identifier, **params})
    assert resp.status_code == 400, resp.content
    body = resp.json()
    assert field in body["errors"], body
    assert body["errors"][field][0]["message"]
    assert not LocationFix.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    ["{not json", "[1, 2]", json.dumps({"device_id": "X", "location": "here"}),
     json.dumps({"device_id": "X", "location": {"coords": {"latitude": 26.5}}})],
)
def test_malformed_json_is_400(client, device, body):
    body = body.replace('"X"', json.dumps(device.identifier))
    resp = client.post(URL, data=body, content_type="application/json")
    assert resp.status_code == 400, resp.content
    assert resp.json()["errors"]
    assert not LocationFix.objects.exists()


@pytest.mark.django_db
def test_body_over_the_limit_is_413_as_from_the_fast_handler(client, device):
    """The route reads requests with osmand_http's reader: the same limit and answer."""
    from pingan.corrections.osmand_http import MAX_BODY

    body = json.dumps({"device_id": device.identifier, "pad": "x" * MAX_BODY})
    resp = client.post(URL, data=body, content_type="application/json")
    assert resp.status_code == 413 and resp.json()["errors"]["__all__"][0]["code"] == "too_large"
    assert not LocationFix.objects.exists()


@pytest.mark.django_db
def test_same_fix_twice_is_stored_once(client, device):
    params = {"id": device.identifier, "lat": INSIDE[0], "lon": INSIDE[1], "timestamp": int(timezone.now().timestamp())}
    assert client.get(URL, params).json() == {"stored": 1, "duplicates": 0}
    assert client.get(URL, params).json() == {"stored": 0, "duplicates": 1}
    assert LocationFix.objects.count() == 1


@pytest.mark.django_db
def test_rate_limited_per_device(client, make_supervisee):
    _s, device, _t = make_supervisee(kind="osmand", rate=2)
    _s2, other, _t2 = make_supervisee(kind="osmand", rate=2, name="李四")
    now = int(timezone.now().timestamp())
    codes = [client.get(URL, {"id": device.identifier, "lat": INSIDE[0], "lon": INSIDE[1], "timestamp": now - i}).status_code
             for i in range(3)]
    assert codes == [200, 200, 429]
    # another device has its own bucket
    assert client.get(URL, {"id": other.identifier, "lat": INSIDE[0], "lon": INSIDE[1]}).status_code == 200
    assert LocationFix.objects.filter(device=device).count() == 2


@pytest.mark.django_db
def test_inactive_device_is_unknown(client, device):
    device.active = False
    device.save()
    assert client.get(URL, {"id": device.identifier, "lat": INSIDE[0], "lon": INSIDE[1]}).status_code == 400
