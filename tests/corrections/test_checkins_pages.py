"""Staff pages for check-in: board, enrolment with consent, roll call start/detail/result;
another 司法所's people are 404."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from pingan.corrections.models_checkins import FaceEnrolment, RollCall, RollCallTarget

from .test_checkins import encodings, enrolled, photo, seeded  # noqa: F401  (fixtures)

BASE = "/corrections/checkins"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(data: bytes):
    buf = io.BytesIO(data)
    buf.name = "face.jpg"
    return buf


@pytest.mark.django_db
def test_enrol_page_shows_consent_and_refuses_without_it(seeded, make_supervisee):  # noqa: F811
    s, _device, _token = make_supervisee(name="王五")
    staff = login(seeded["staff_a"])
    page = staff.get(f"{BASE}/supervisees/{s.pk}/face/")
    assert page.status_code == 200 and "告知同意书" in page.content.decode()
    refused = staff.post(f"{BASE}/supervisees/{s.pk}/face/", {"photo": upload(photo("obama")), "consent_by": "王五"})
    assert refused.status_code == 200 and "须取得本人同意" in refused.content.decode()
    assert not FaceEnrolment.objects.exists()
    done = staff.post(f"{BASE}/supervisees/{s.pk}/face/",
                      {"photo": upload(photo("obama")), "consent_by": "王五", "consent_given": "on"})
    assert done.status_code == 302
    assert FaceEnrolment.objects.get().consent_by == "王五"
    assert login(seeded["staff_b"]).get(f"{BASE}/supervisees/{s.pk}/face/").status_code == 404


@pytest.mark.django_db
def test_board_and_roll_call_pages(enrolled, seeded):  # noqa: F811
    s1, _d1, _t1 = enrolled(name="甲一")
    s2, _d2, _t2 = enrolled(name="乙二", office="office_b")
    staff = login(seeded["staff_a"])
    board = staff.get(f"{BASE}/").content.decode()
    assert "甲一" in board and "乙二" not in board

    started = staff.post(f"{BASE}/roll-calls/new/", {"sample_size": 1, "deadline_minutes": 20})
    assert started.status_code == 302
    call = RollCall.objects.get()
    target = RollCallTarget.objects.get(roll_call=call)
    assert target.supervisee == s1 and call.mode == "random"
    detail = staff.get(started.url)
    assert detail.status_code == 200 and "甲一" in detail.content.decode()
    assert login(seeded["staff_b"]).get(started.url).status_code == 404

    staff.post(f"{BASE}/roll-calls/{call.pk}/targets/{target.pk}/result/", {"result": "no_answer", "note": "未接通"})
    target.refresh_from_db()
    assert (target.result, target.result_note, target.recorded_by) == ("no_answer", "未接通", seeded["staff_a"])
    chosen_other = staff.post(f"{BASE}/roll-calls/new/", {"supervisees": [s2.pk]})
    assert chosen_other.status_code == 200 and RollCall.objects.count() == 1  # not a choice for office A
