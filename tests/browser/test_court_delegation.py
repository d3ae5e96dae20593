"""Done-when check of issue 4: a court delegation that times out and returns for filing across a
holiday. The clerk screens, records consent, delegates and designates a mediator in the browser
(phone width); the mediator accepts in the browser on a fixed clock (the service is called with
`now=`), and the worker's scan runs with `now=` around the National Day holiday."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from pingan.court import services
from pingan.court.models import CourtCase
from tests.browser.test_roles import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHINA = ZoneInfo("Asia/Shanghai")


def at(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=CHINA)


@pytest.fixture
def court_setup(district, make_user):
    from pingan.court.models import MediatorProfile
    from pingan.court.seed import seed as court_seed
    from pingan.disputes.models import Category
    from pingan.disputes.seed import seed as disputes_seed
    from pingan.orgs.demo import ensure_jurisdiction
    from tests.core.seed import ensure_core_seed

    ensure_core_seed()
    disputes_seed()
    court_seed()
    clerk = make_user("court_clerk", "court", username="clerk", full_name="李娜")
    mediator = make_user("mediator", "mediation-centre", username="med_a", full_name="刘芳")
    village = ensure_jurisdiction("520204104001")
    MediatorProfile.objects.create(user=mediator, organisation=mediator.agency, place=village.parent)
    case = services.receive_case(
        court=clerk.agency, claim="判令被告支付货款 12000 元。", received_on=date(2024, 8, 28), amount=12000,
        dispute_data={"title": "张三诉某物流公司买卖合同纠纷", "facts": "被告拖欠货款。",
                      "category": Category.objects.get(code="contract"), "jurisdiction": village},
        parties=[{"role": "applicant", "name": "张三"}, {"role": "respondent", "name": "某物流公司"}], by=clerk,
    )
    return clerk, mediator, case


def test_delegation_times_out_and_returns_for_filing_across_national_day(new_page, court_setup):
    clerk, mediator, case = court_setup
    page = new_page(width=360, height=740)
    login(page, clerk.username)
    page.goto("/court/")
    assert "立案审查与委派" in page.content()
    page.click(f"[data-case='{case.uuid}'] a")
    page.click("[data-testid=screen]")
    for name in ("张三", "某物流公司"):
        page.select_option("[data-testid=consent-form] select[name=party]", label=name)
        page.click("[data-testid=consent-form] button[type=submit]")
        assert "已保存。" in page.content()
    page.click("[data-testid=delegate-form] button[type=submit]")
    assert "民诉前调" in page.locator("h1").inner_text()
    page.check("[data-testid=assign-form] input[value=med_a]")
    page.click("[data-testid=assign-form] button[type=submit]")
    assert page.locator("[data-testid=state]").inner_text() == "待调解员接受"
    # nothing is wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert page.csp_errors == []

    # The mediator signs for the materials on Monday 2 September 2024 (fixed clock).
    services.accept_delegation(case=CourtCase.objects.get(pk=case.pk), by=mediator, now=at(date(2024, 9, 2)))
    mpage = new_page(width=360, height=740)
    login(mpage, mediator.username)
    mpage.goto("/court/")
    row = mpage.locator(f"[data-testid=mediator-queue] [data-case='{case.uuid}']")
    # day 30 is 2 October, inside the National Day holiday: the period ends on Tuesday 8 October
    assert "2024-10-08" in row.inner_text()

    # The worker's scan: still running on day 31 (a holiday) and on the last day itself…
    assert services.return_expired_mediations(now=at(date(2024, 10, 3))) == []
    assert services.return_expired_mediations(now=at(date(2024, 10, 8), 23)) == []
    # …and returned for filing once it has passed.
    assert len(services.return_expired_mediations(now=at(date(2024, 10, 9), 1))) == 1

    page.goto(f"/court/cases/{case.uuid}/")
    assert page.locator("[data-testid=state]").inner_text() == "已转立案"
    assert page.locator("[data-testid=outcome]").inner_text() == "转立案"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "系统" in timeline and "2024-10-08" in timeline
    assert page.csp_errors == []
