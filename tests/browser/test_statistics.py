"""The dashboard in a real browser (Playwright + Debian chromium): the page shell loads each
domain's section by htmx, the vendored ECharts draws their charts from json_script data with no
CSP violation, at desktop and phone width, and a drill-down link leads to the township's
villages."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import TEST_PASSWORD
from tests.statistics.conftest import at, make_dispute, make_outcome, world  # noqa: F401  (world: fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [1280, 360])
def test_dashboard_charts_and_drill_down(new_page, world, width):  # noqa: F811
    a = make_dispute(world.shaomi_cun, at(2022, 3, 1), grade="blue")
    make_dispute(world.pingqing, at(2022, 4, 1), grade="red")
    make_dispute(world.huangtupo, at(2022, 5, 1))
    make_outcome(a, "agreement", dt.date(2022, 3, 9))
    page = new_page(width=width, height=800)
    login(page, world.leader.username)
    page.goto("/statistics/?period=2022")
    # The shell comes first; every domain's section then loads by its own request and replaces
    # its placeholder, figures and chart included.
    tabs = page.locator(".tabs a[href*='domain=']")
    domains = [tabs.nth(i).get_attribute("href").rpartition("domain=")[2] for i in range(tabs.count())]
    assert {"disputes", "court"} <= set(domains)
    for domain in domains:
        page.wait_for_selector(f'section[data-domain="{domain}"][data-loaded] tr[data-metric]')
    assert page.locator("section.stats-section").count() == len(domains)
    assert page.locator('[data-testid="loading"]').count() == 0
    row = page.locator('tr[data-metric="disputes.received"] [data-testid="value"]')
    assert row.inner_text().startswith("3")
    # ECharts renders into a <canvas> inside each chart container
    page.wait_for_selector('section[data-domain="disputes"] .stats-chart canvas')
    page.wait_for_selector('section[data-domain="court"] .stats-chart canvas')
    # One domain's tab: only its section is loaded.
    page.click(".tabs a[href*='domain=court']")
    page.wait_for_selector('section[data-domain="court"][data-loaded] tr[data-metric="court.delegated"]')
    assert page.locator("section.stats-section").count() == 1
    page.go_back()
    page.wait_for_selector('section[data-domain="disputes"][data-loaded]')
    page.click('tr[data-metric="disputes.received"] a')
    page.wait_for_selector(f'tr[data-code="{world.shaomi.code}"]')
    page.click(f'tr[data-code="{world.shaomi.code}"] a')
    page.wait_for_selector(f'tr[data-code="{world.shaomi_cun.code}"]')
    assert page.locator('[data-testid="total"]').inner_text() == "2"
    page.wait_for_selector(".stats-chart canvas")
    assert page.csp_errors == []  # type: ignore[attr-defined]
