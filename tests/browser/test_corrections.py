"""Done-when check of issue 5 (corrections): in a real browser, an alert created through the API
arrives in the command centre (htmx poll), the 司法所 verifies it as a violation, the ladder
proposes a warning, the county bureau approves it and the 警告决定书 PDF downloads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from pingan.corrections import seed, services
from pingan.corrections.models import Alert, Sanction
from pingan.corrections.parsing import RawFix
from tests.core.seed import ensure_core_seed
from tests.corrections.conftest import INSIDE, make_supervisee, org  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "x-long-password"  # noqa: S105  (the corrections fixtures' test password)


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def logout(page) -> None:
    page.click("header form button[type=submit]:has-text('退出')")
    page.wait_for_load_state()


def test_alert_arrives_is_verified_and_warning_pdf_downloads(new_page, org, make_supervisee):  # noqa: F811
    ensure_core_seed()
    seed.load_all()
    person, device, _t = make_supervisee(name="周某某")
    services.ingest_fixes(device=device, fixes=[RawFix(recorded_at=timezone.now() - dt.timedelta(minutes=5),
                                                       lat=INSIDE[0], lon=INSIDE[1])], source="app")
    page = new_page()
    login(page, org["staff_a"].username)
    page.goto("/corrections/")
    page.wait_for_selector("#map[data-ready='1']")  # Leaflet drew the boundary and the one position
    assert page.locator("#map .leaflet-interactive").count() >= 2
    assert "周某某" not in page.locator("#alert-rows").inner_text()

    # The external platform reports a breach through the API; the page picks it up by itself.
    api = Client()
    api.force_login(org["officer"])
    r = api.post("/api/v1/corrections/alerts", {
        "supervisee_id": person.pk, "kind": "left_area", "source": "platform",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=2)).isoformat(), "evidence": {"place": "盘州市"},
    }, content_type="application/json")
    assert r.status_code == 201, r.content
    page.wait_for_selector("#alert-rows >> text=周某某", timeout=15_000)
    assert "越界" in page.locator("#alert-rows").inner_text()

    # The justice office verifies it: a serious violation → the ladder proposes a warning.
    page.goto("/corrections/alerts/")
    card = page.locator(f"#alert-{r.json()['id']}")
    card.locator("select[name=outcome]").select_option("violation")
    card.locator("textarea[name=reason]").fill("擅自离开水城区前往盘州市")
    card.locator("input[name=serious]").check()
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "警告" in page.locator(".messages").inner_text()
    assert Alert.objects.get().state == "violation"
    sanction = Sanction.objects.get()
    assert (sanction.kind, sanction.found_by_system) == ("warning", True)
    assert page.csp_errors == []  # type: ignore[attr-defined]
    logout(page)

    # The county bureau approves; the decision's PDF downloads.
    login(page, org["officer"].username)
    page.goto("/corrections/approvals/")
    page.locator(f"#sanction-{sanction.pk} button:has-text('批准')").first.click()
    page.wait_for_load_state()
    with page.expect_download() as info:
        page.locator(f"#issued-{sanction.pk} a.pdf").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf") and "警告决定书" in download.suggested_filename
    with open(download.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    sanction.refresh_from_db()
    assert sanction.state == "approved" and sanction.document_number
    assert page.csp_errors == []  # type: ignore[attr-defined]
