"""Face check-in end to end in a real browser: the 司法所 enrols the person's face on the enrolment
page (consent recorded), the person's phone submits a check-in photo to the app API over HTTP
with its device token, and the staff's board shows the window counted as done. The photos are
the committed face fixtures of tests/corrections (obama.jpg enrolled, obama2.jpg submitted)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pingan.core.settings_store import set_setting
from pingan.corrections import seed
from pingan.corrections.checkins_seed import load_checkin_data
from pingan.corrections.checkins_windows import local_zone
from pingan.corrections.models_checkins import CheckIn, FaceEnrolment
from tests.core.seed import ensure_core_seed
from tests.corrections.conftest import make_supervisee, org  # noqa: F401  (fixtures)
from tests.corrections.test_checkins import FACES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "x-long-password"  # noqa: S105  (the corrections fixtures' test password)


def _window_around_now() -> None:
    """One check-in window holding the current local hour, so the test runs at any time of day."""
    hour = timezone.localtime(timezone.now(), local_zone()).hour
    end = "24:00" if hour == 23 else f"{hour + 1:02d}:00"
    set_setting(key="corrections.checkin.windows", value=[{"start": f"{hour:02d}:00", "end": end, "label": "测"}],
                by=None)


def test_phone_checkin_photo_is_counted_on_the_staff_board(new_page, org, make_supervisee):  # noqa: F811
    ensure_core_seed()
    seed.load_all()
    load_checkin_data()
    _window_around_now()
    person, _device, token = make_supervisee(name="签到甲")

    page = new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", org["staff_a"].username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()

    # The 司法所 enrols the face with the person's consent.
    page.goto(f"/corrections/checkins/supervisees/{person.pk}/face/")
    page.set_input_files("input[name=photo]", str(FACES / "obama.jpg"))
    page.fill("input[name=consent_by]", "签到甲")
    page.check("input[name=consent_given]")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "人脸采集完成" in page.content()
    assert FaceEnrolment.objects.filter(supervisee=person, active=True).count() == 1

    board = page.locator("[data-testid=checkin-board] tr", has_text="签到甲")
    page.goto("/corrections/checkins/")
    assert board.locator("td.state-open").count() == 1

    # The phone submits a photo of the same person over HTTP with its device token.
    resp = page.request.post("/api/v1/corrections/checkins", headers={"Authorization": f"Bearer {token}"},
                             multipart={"photo": {"name": "checkin.jpg", "mimeType": "image/jpeg",
                                                  "buffer": (FACES / "obama2.jpg").read_bytes()}})
    assert resp.status == 200, resp.text()
    assert resp.json()["result"] == "matched"

    page.reload()
    assert board.locator("td.state-done").inner_text() == "已签到"
    assert CheckIn.objects.get(supervisee=person).result == "matched"
    assert page.csp_errors == []  # type: ignore[attr-defined]
