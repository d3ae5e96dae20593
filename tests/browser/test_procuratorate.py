"""Done-when check of issue 6 (procuratorate): in a real browser, a minor case goes through
volunteer service to relative non-prosecution (prosecutor plans, the partner logs hours, the
prosecutor confirms and evaluates, then decides), and a recommendation goes through two
reminders to implementation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pingan.procuratorate import services
from pingan.procuratorate.models import Recommendation, Suspect
from tests.conftest import TEST_PASSWORD
from tests.procuratorate.conftest import days_ago, proc  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def logout(page) -> None:
    page.click("header form button[type=submit]:has-text('退出')")
    page.wait_for_load_state()


def test_minor_case_through_volunteer_service_to_non_prosecution(new_page, proc):  # noqa: F811
    case = proc.case(number="水公刑诉〔2026〕88号", received=12)
    suspect = case.suspects.get()
    page = new_page()
    login(page, proc.prosecutor.username)
    page.goto(f"/procuratorate/cases/{case.uuid}/")
    assert "审查起诉中" in page.locator("[data-testid=suspect-state]").inner_text()
    # Relative non-prosecution is offered; plan volunteer service first.
    page.click("text=安排拟不起诉社会志愿服务")
    form = page.locator("[data-testid=plan-form]")
    form.locator("select[name=partner]").select_option(label=proc.partner_traffic.name)
    form.locator("select[name=service_type]").select_option("traffic_duty")
    form.locator("input[name=consent_on]").fill(days_ago(10).isoformat())
    form.locator("input[name=start_on]").fill(days_ago(9).isoformat())
    form.locator("input[name=end_on]").fill(days_ago(0).isoformat())
    form.locator("input[name=planned_hours]").fill("8")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已制定志愿服务计划" in page.content()
    # Deciding now is refused by the guard, with the reason shown.
    decision = page.locator("[data-testid=decision-form]")
    decision.locator("input[name=on]").fill(days_ago(0).isoformat())
    decision.locator("textarea[name=grounds]").fill("犯罪情节轻微")
    decision.locator("button[value=relative_non_prosecution]").click()
    page.wait_for_load_state()
    assert "尚未评估" in page.locator(".messages").inner_text()
    plan_url = page.locator("[data-testid=plan-link]").get_attribute("href")
    logout(page)

    # The partner logs two sessions of service.
    login(page, proc.partner.username)
    page.goto("/procuratorate/")
    assert "/procuratorate/volunteer/" in page.url
    assert suspect.name in page.locator("[data-testid=plan-list]").inner_text()
    page.goto(plan_url)
    for day, text in ((8, "城区路口交通劝导"), (6, "学校周边道路巡查")):
        hours = page.locator("[data-testid=hours-form]")
        hours.locator("input[name=served_on]").fill(days_ago(day).isoformat())
        hours.locator("input[name=hours]").fill("4")
        hours.locator("input[name=activity]").fill(text)
        hours.locator("button[type=submit]").click()
        page.wait_for_load_state()
    assert page.locator("[data-testid=hours] tbody tr").count() == 2
    assert page.locator("[data-testid=confirm]").count() == 0  # not by the person who logged them
    logout(page)

    # The prosecutor confirms both, evaluates, then decides relative non-prosecution.
    login(page, proc.prosecutor.username)
    page.goto(plan_url)
    while page.locator("[data-testid=confirm]").count():
        page.locator("[data-testid=confirm]").first.click()
        page.wait_for_load_state()
    assert "8.0 / 8.0" in page.locator("[data-testid=confirmed-hours]").inner_text()
    ev = page.locator("[data-testid=evaluation-form]")
    ev.locator("select[name=result]").select_option("passed")
    ev.locator("input[name=evaluated_on]").fill(days_ago(0).isoformat())
    ev.locator("textarea[name=notes]").fill("按时完成服务，表现良好。")
    ev.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=plan-state]").inner_text() == "评估合格"
    page.click("[data-testid=case-link]")
    decision = page.locator("[data-testid=decision-form]")
    decision.locator("input[name=on]").fill(days_ago(0).isoformat())
    decision.locator("textarea[name=grounds]").fill("认罪认罚，志愿服务评估合格，犯罪情节轻微。")
    decision.locator("button[value=relative_non_prosecution]").click()
    page.wait_for_load_state()
    assert "相对不起诉" in page.locator("[data-testid=suspect-state]").inner_text()
    assert "相对不起诉" in page.locator("[data-testid=timeline]").inner_text()
    suspect.refresh_from_db()
    assert suspect.state == "non_prosecuted"
    assert page.csp_errors == []  # type: ignore[attr-defined]


def test_recommendation_through_two_reminders_to_implementation(new_page, proc):  # noqa: F811
    page = new_page(width=360, height=740)
    login(page, proc.prosecutor.username)
    page.goto("/procuratorate/recommendations/new/")
    form = page.locator("[data-testid=recommendation-form]")
    form.locator("select[name=recipient]").select_option(label=proc.emergency.name)
    form.locator("input[name=title]").fill("关于加强煤矿安全生产管理的检察建议")
    form.locator("textarea[name=problems]").fill("涉案煤矿安全管理制度不落实；井下作业人员未经培训上岗。")
    form.locator("textarea[name=measures]").fill("全面排查辖区煤矿安全隐患，督促落实安全培训制度。")
    form.locator("input[name=issued_on]").fill(days_ago(100).isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    number = page.locator("[data-testid=rec-number]").inner_text()
    assert number.startswith("水检建〔")
    rec = Recommendation.objects.get(number=number)

    # The worker's follow-up job runs after the reply deadline: two reminders, a fortnight apart.
    services.run_followups(on=rec.reply_due + dt.timedelta(days=1))
    services.run_followups(on=rec.reply_due + dt.timedelta(days=16))
    page.reload()
    followups = page.locator("[data-testid=followups] li")
    assert followups.count() == 2
    assert "第一次督促" in followups.nth(0).inner_text() and "第二次督促" in followups.nth(1).inner_text()

    reply = page.locator("[data-testid=reply-form]")
    reply.locator("input[name=on]").fill(days_ago(3).isoformat())
    reply.locator("textarea[name=text]").fill("已开展煤矿安全专项整治。")
    reply.locator("button[type=submit]").click()
    page.wait_for_load_state()
    impl = page.locator("[data-testid=implement-form]")
    impl.locator("input[name=on]").fill(days_ago(1).isoformat())
    impl.locator("textarea[name=text]").fill("整改报告、培训记录及现场照片。")
    impl.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=rec-state]").inner_text() == "已整改落实"
    rec.refresh_from_db()
    assert (rec.state, rec.followup_step) == ("implemented", 2)
    assert services.run_followups(on=rec.reply_due + dt.timedelta(days=40)) == 0
    with page.expect_download() as download:
        page.click("[data-testid=docx]")
    assert download.value.suggested_filename.endswith(".docx")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.csp_errors == []  # type: ignore[attr-defined]
    assert Suspect.objects.count() == 0 and timezone.now()
