"""Done-when check of issue 3: two roles log in through a real browser and each sees only what it
may see — lists, navigation, a direct URL outside the scope — at desktop and phone width; and an
administrator goes through TOTP enrolment."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def nav_names(page) -> set[str]:
    return set(page.locator("[data-nav]").evaluate_all("els => els.map(e => e.dataset.nav)"))


def test_village_mediator_sees_own_village_only(new_page, village_mediator, other_village_mediator):
    own, other = village_mediator.agency, other_village_mediator.agency
    page = new_page()
    login(page, village_mediator.username)
    assert page.url.endswith("/")
    assert page.locator("h1").inner_text() == "工作台"
    assert {"home", "orgs:agency_list", "orgs:jurisdiction_list"} <= nav_names(page)

    page.click("[data-nav='orgs:agency_list']")
    agencies = page.locator("[data-testid=agency-list]").inner_text()
    assert own.name in agencies
    assert other.name not in agencies

    page.click("[data-nav='orgs:jurisdiction_list']")
    jurisdictions = page.locator("[data-testid=jurisdiction-list]").inner_text()
    assert own.jurisdiction.name in jurisdictions
    assert other.jurisdiction.name not in jurisdictions

    response = page.goto(f"/orgs/agencies/{other.pk}/")
    assert response.status == 404
    assert "记录不存在或无权查看。" in page.content()
    response = page.goto(f"/orgs/agencies/{own.pk}/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == own.name
    assert page.csp_errors == []


def test_district_leader_sees_the_district_at_phone_width(new_page, district_leader, village_mediator,
                                                         other_village_mediator):
    page = new_page(width=360, height=740)
    login(page, district_leader.username)
    assert {"home", "orgs:agency_list", "orgs:jurisdiction_list"} <= nav_names(page)
    # nothing is wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("[data-nav='orgs:agency_list']")
    agencies = page.locator("[data-testid=agency-list]").inner_text()
    assert village_mediator.agency.name in agencies
    assert other_village_mediator.agency.name in agencies
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    response = page.goto(f"/orgs/agencies/{other_village_mediator.agency.pk}/")
    assert response.status == 200

    # switch the interface to English and back
    page.select_option("select[name=language]", "en")
    page.click("[data-testid=lang-switch]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("[data-nav='home']").inner_text() == "Home"
    page.select_option("select[name=language]", "zh-hans")
    page.click("[data-testid=lang-switch]")
    page.wait_for_load_state()
    assert page.locator("[data-nav='home']").inner_text() == "首页"
    assert page.csp_errors == []


def test_administrator_enrols_totp_before_any_page(new_page, make_user):
    admin = make_user("admin", None, username="browser_admin")
    nobody = make_user(None, None, username="browser_nobody")
    # navigation follows permissions: a user without roles gets only the home entry
    page = new_page()
    login(page, nobody.username)
    assert nav_names(page) == {"home"}
    page.context.clear_cookies()

    page = new_page(width=360, height=740)
    login(page, admin.username)
    assert "/accounts/otp/enrol/" in page.url
    assert page.locator("[data-testid=otp-qr] svg").count() == 1
    uri = page.locator("[data-testid=otp-uri]").text_content()
    assert uri.startswith("otpauth://totp/")
    page.goto("/orgs/agencies/")
    assert "/accounts/otp/enrol/" in page.url  # no page before the second factor

    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page.fill("#id_token", code)
    page.click("button[type=submit]:has-text('确认并登录')")
    page.wait_for_load_state()
    assert page.url.endswith("/orgs/agencies/")
    assert page.locator("[data-testid=agency-list]").count() == 1
    assert page.csp_errors == []
