"""The filing clerk ticks related cases in the case list and groups them into a series (系列案),
then finds the series in its list (a menu entry) and opens it with its batch steps."""

from __future__ import annotations

from datetime import date

import pytest

from pingan.court.models import CaseSeries
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


def test_clerk_groups_ticked_cases_into_a_series(new_page, clerk):
    from pingan.court import services
    from pingan.disputes.models import Category
    from pingan.orgs.models import Jurisdiction

    village = Jurisdiction.objects.get(code="520204104001")
    cases = [services.receive_case(
        court=clerk.agency, claim="支付服务费", received_on=date(2024, 5, 6), by=clerk,
        dispute_data={"title": f"服务合同纠纷{i}", "facts": "拖欠服务费", "jurisdiction": village,
                      "category": Category.objects.get(code="contract")},
        parties=[{"role": "applicant", "name": "某民营企业"}, {"role": "respondent", "name": "某平台公司"}],
    ) for i in (1, 2, 3)]
    page = new_page()
    login(page, clerk.username)
    page.goto("/court/cases/")
    for case in cases[:2]:
        page.check(f"input[name=cases][value='{case.uuid}']")
    page.fill("[data-testid=series-group] input[name=name]", "某民营企业与某平台公司系列案")
    page.click("[data-testid=series-group] button[type=submit]")
    page.wait_for_selector("[data-testid=series-cases]")
    series = CaseSeries.objects.get()
    assert page.url.endswith(f"/court/series/{series.uuid}/")
    assert {c.pk for c in series.cases.all()} == {cases[0].pk, cases[1].pk}
    text = page.locator("[data-testid=series-cases]").inner_text()
    assert "服务合同纠纷1" in text and "服务合同纠纷3" not in text
    page.click("[data-nav='court:series_list']")
    page.wait_for_selector("[data-testid=series-list]")
    page.click("text=某民营企业与某平台公司系列案")
    page.wait_for_selector("[data-testid=series-cases]")
    assert page.url.endswith(f"/court/series/{series.uuid}/")
