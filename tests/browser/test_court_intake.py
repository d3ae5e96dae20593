"""The filing clerk receives a civil case on a 360 px phone: htmx flags a bad ID number inline
(nothing written), the corrected form creates the case, and nothing is wider than the screen."""

from __future__ import annotations

import pytest

from pingan.core.idnumber import check_character
from pingan.court.models import CourtCase
from tests.browser.test_roles import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clerk(district, make_user):
    from pingan.court.seed import seed as court_seed
    from pingan.disputes.seed import seed as disputes_seed
    from pingan.orgs.demo import ensure_jurisdiction
    from tests.core.seed import ensure_core_seed

    ensure_core_seed()
    disputes_seed()
    court_seed()
    ensure_jurisdiction("520204104001")
    return make_user("court_clerk", "court", username="clerk", full_name="李娜")


def test_clerk_receives_a_case_on_a_phone(new_page, clerk):
    from pingan.disputes.models import Category
    from pingan.orgs.models import Jurisdiction

    page = new_page(width=360, height=740)
    login(page, clerk.username)
    page.goto("/court/")
    page.click("[data-testid=receive-case]")
    page.fill("#id_title", "张三诉某物流公司买卖合同纠纷")
    page.select_option("#id_category", str(Category.objects.get(code="contract").pk))
    page.select_option("#id_jurisdiction", str(Jurisdiction.objects.get(code="520204104001").pk))
    page.fill("#id_received_on", "2024-05-06")
    page.fill("#id_claim", "判令被告支付货款 12000 元。")
    page.fill("#id_facts", "被告拖欠货款。")
    page.fill("#id_parties-0-name", "张三")
    page.fill("#id_parties-0-id_number", "520204198001010015")  # wrong check character
    page.locator("#id_parties-0-id_number").dispatch_event("change")
    page.wait_for_selector("#id_parties-0-id_number-error")
    assert "校验位" in page.locator("#id_parties-0-id_number-error").inner_text()
    assert not CourtCase.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    first17 = "52020419850101031"
    page.fill("#id_parties-0-id_number", first17 + check_character(first17))
    page.locator("#id_parties-0-id_number").dispatch_event("change")
    page.wait_for_selector("#id_parties-0-id_number-error", state="detached")
    page.fill("#id_parties-1-name", "某物流公司")
    page.select_option("#id_parties-1-role", "respondent")
    page.select_option("#id_parties-1-kind", "organisation")
    # fire the last field's "change" now and let its inline check finish, so it does not run in
    # parallel with the submit (the live server's threads share one SQLite connection)
    page.locator("#id_parties-1-name").blur()
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=receive]")
    page.wait_for_selector("[data-testid=state]")
    case = CourtCase.objects.get()
    assert page.url.endswith(f"/court/cases/{case.uuid}/") and "张三诉某物流公司买卖合同纠纷" in page.content()
    assert first17 not in page.content()  # masked on the case page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert page.csp_errors == []
