"""Check-in and roll-call HTTP API: multipart photo upload with the device token, staff endpoints
scoped to the office, bad input as 4xx, no face data in any response."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from pingan.core.settings_store import set_setting
from pingan.corrections.models_checkins import CheckIn, FaceEnrolment, RollCallTarget

from .test_checkins import encodings, enrolled, photo, seeded  # noqa: F401  (fixtures)

URL = "/api/v1/corrections"


@pytest.fixture
def always_open(seeded):  # noqa: F811
    """One window all day, so a check-in posted now is inside it."""
    set_setting(key="corrections.checkin.windows", value=[{"start": "00:00", "end": "24:00", "label": "全天"}],
                by=seeded["officer"], reason="test")


def device_client(token: str) -> Client:
    return Client(headers={"authorization": f"Bearer {token}"})


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(data: bytes, name: str = "selfie.jpg"):
    buf = io.BytesIO(data)
    buf.name = name
    return buf


@pytest.mark.django_db
def test_device_checks_in_with_a_photo_and_sees_its_day(enrolled, always_open):  # noqa: F811
    s, _device, token = enrolled()
    client = device_client(token)
    response = client.post(f"{URL}/checkins", {"photo": upload(photo("obama2")), "lat": "26.55", "lon": "104.95"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == "matched" and body["window_index"] == 0 and 0.2 < body["distance"] < 0.5
    assert CheckIn.objects.get(pk=body["id"]).supervisee == s

    today = client.get(f"{URL}/checkins/today").json()
    assert today["enrolled"] is True
    assert [w["state"] for w in today["windows"]] == ["done"]
    assert today["roll_calls"] == []


@pytest.mark.django_db
def test_bad_uploads_and_unknown_devices_are_4xx(enrolled, always_open, seeded):  # noqa: F811
    _s, _device, token = enrolled()
    client = device_client(token)
    not_image = client.post(f"{URL}/checkins", {"photo": upload(b"%PDF-1.4 not a photo", "x.jpg")})
    assert not_image.status_code == 400 and "photo" in not_image.json()["errors"]
    assert client.post(f"{URL}/checkins", {}).status_code == 422
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    assert client.post(f"{URL}/checkins", {"photo": upload(gif.getvalue(), "a.gif")}).status_code == 400
    bad_position = client.post(f"{URL}/checkins", {"photo": upload(photo("obama2")), "lat": "95", "lon": "104"})
    assert bad_position.status_code == 400
    set_setting(key="corrections.checkin.max_photo_bytes", value=10_000, by=seeded["officer"], reason="test")
    too_large = client.post(f"{URL}/checkins", {"photo": upload(photo("obama2"))})
    assert too_large.status_code == 400 and too_large.json()["errors"]["photo"][0]["code"] == "too_large"
    unknown = device_client("dev_" + "x" * 40).post(f"{URL}/checkins", {"photo": upload(photo("obama2"))})
    assert unknown.status_code == 401
    assert device_client("dev_" + "x" * 40).get(f"{URL}/checkins/today").status_code == 401
    staff_token_on_device_api = staff_client(seeded["staff_a"]).post(f"{URL}/checkins", {"photo": upload(photo("obama2"))})
    assert staff_token_on_device_api.status_code == 401
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_staff_enrol_with_consent_and_no_face_data_in_output(seeded, make_supervisee):  # noqa: F811
    s, _device, _token = make_supervisee()
    staff = staff_client(seeded["staff_a"])
    refused = staff.post(f"{URL}/supervisees/{s.pk}/face-enrolments",
                         {"photo": upload(photo("obama")), "consent_by": "张三", "consent_version": "2026-01"})
    assert refused.status_code == 400 and refused.json()["errors"]["consent_given"][0]["code"] == "consent_required"
    created = staff.post(f"{URL}/supervisees/{s.pk}/face-enrolments",
                         {"photo": upload(photo("obama")), "consent_given": "true", "consent_by": "张三",
                          "consent_version": "2026-01"})
    assert created.status_code == 201, created.content
    listed = staff.get(f"{URL}/supervisees/{s.pk}/face-enrolments")
    assert listed.status_code == 200 and len(listed.json()) == 1
    for body in (created.json(), listed.json()[0]):
        assert set(body) == {"id", "supervisee", "consent_by", "consent_at", "consent_version", "enrolled_at", "active"}
    other = staff_client(seeded["staff_b"])
    assert other.post(f"{URL}/supervisees/{s.pk}/face-enrolments",
                      {"photo": upload(photo("obama")), "consent_given": "true", "consent_by": "张三",
                       "consent_version": "2026-01"}).status_code == 404
    assert other.get(f"{URL}/supervisees/{s.pk}/face-enrolments").json() == []
    assert FaceEnrolment.objects.count() == 1


@pytest.mark.django_db
def test_staff_roll_call_answered_by_the_app_and_result_recorded(enrolled, seeded):  # noqa: F811
    (s1, _d1, token1), (s2, _d2, _t2) = enrolled(name="一"), enrolled(name="二")
    enrolled(name="乙", office="office_b")
    staff = staff_client(seeded["staff_a"])
    started = staff.post(f"{URL}/roll-calls", {"sample_percent": 100, "seed": 7, "deadline_minutes": 15},
                         content_type="application/json")
    assert started.status_code == 201, started.content
    call = started.json()
    assert sorted(t["supervisee"] for t in call["targets"]) == sorted([s1.pk, s2.pk])

    app = device_client(token1)
    today = app.get(f"{URL}/checkins/today").json()
    assert [c["roll_call_id"] for c in today["roll_calls"]] == [call["id"]]
    assert app.post(f"{URL}/checkins", {"photo": upload(photo("obama2"))}).json()["result"] == "matched"

    detail = staff.get(f"{URL}/roll-calls/{call['id']}").json()
    answered = {t["supervisee"]: t for t in detail["targets"]}
    assert answered[s1.pk]["check_in_result"] == "matched" and answered[s2.pk]["answered_at"] is None
    target = RollCallTarget.objects.get(roll_call_id=call["id"], supervisee=s1)
    recorded = staff.post(f"{URL}/roll-call-targets/{target.pk}/result", {"result": "verified"},
                          content_type="application/json")
    assert recorded.status_code == 200 and recorded.json()["result"] == "verified"
    assert staff.post(f"{URL}/roll-call-targets/{target.pk}/result", {"result": "no_answer"},
                      content_type="application/json").status_code == 409

    other = staff_client(seeded["staff_b"])
    assert other.get(f"{URL}/roll-calls/{call['id']}").status_code == 404
    assert other.post(f"{URL}/roll-call-targets/{target.pk}/result", {"result": "no_answer"},
                      content_type="application/json").status_code == 404
    assert staff.post(f"{URL}/roll-calls", {"supervisee_ids": [s1.pk], "bogus": 1},
                      content_type="application/json").status_code == 422


@pytest.mark.django_db
def test_board_and_completion_are_scoped(enrolled, seeded, always_open):  # noqa: F811
    s1, _d, _t = enrolled(name="一")
    enrolled(name="乙", office="office_b")
    board = staff_client(seeded["staff_a"]).get(f"{URL}/checkins/board").json()
    assert [(r["id"], r["enrolled"], r["windows"]) for r in board] == [(s1.pk, True, ["open"])]
    day = timezone.localdate() - dt.timedelta(days=1)
    mine = staff_client(seeded["staff_a"]).get(f"{URL}/checkins/completion", {"since": day, "until": day}).json()
    everyone = staff_client(seeded["officer"]).get(f"{URL}/checkins/completion", {"since": day, "until": day}).json()
    assert (mine["due"], mine["passed"], mine["rate"]) == (1, 0, 0.0)
    assert everyone["due"] == 2 and len(everyone["offices"]) == 2
