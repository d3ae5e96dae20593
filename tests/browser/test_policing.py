"""Issue 6 (police grassroots work) in a real browser: an auxiliary officer on a 360 px phone
records a visit and the hazard found on it, grades it, pushes it into a dispute (which appears in
勺米镇's disputes list) and a second one by referral letter; the district leader sees coverage and
the hazard figures change."""

from __future__ import annotations

import pytest

from pingan.policing import services
from pingan.policing.models import Hazard
from tests.conftest import TEST_PASSWORD
from tests.policing.conftest import categories, police  # noqa: F401  (fixtures)

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


def figures(page) -> dict[str, str]:
    """The statistics page's figure tiles as {label: value}."""
    out = {}
    for tile in page.locator("[data-testid=figures] > div").all():
        value = tile.locator("strong").inner_text().strip()
        out[tile.inner_text().replace(value, "").strip()] = value
    return out


def record_visit(page, household_label: str, title: str, description: str) -> None:
    page.goto("/policing/visits/new/")
    form = page.locator("#visit-form")
    form.locator("select[name=household]").select_option(label=household_label)
    form.locator("input[name=people_met]").fill("户主及邻居")
    form.locator("textarea[name=notes]").fill("入户走访，了解邻里关系。")
    form.locator("input[name=hazard_title]").fill(title)
    form.locator("textarea[name=hazard_description]").fill(description)
    form.locator("button[type=submit]").click()  # htmx posts; a saved visit loads the queue page
    page.wait_for_url("**/policing/")
    assert "已记录走访" in page.content()


def open_hazard(page, title: str) -> None:
    page.goto("/policing/")
    page.locator("[data-testid=open-hazards] a", has_text=title).click()
    page.wait_for_load_state()


def test_officer_visit_hazard_dispute_and_letter_leader_sees_figures(new_page, police, categories,  # noqa: F811
                                                                    make_user):
    from tests.core.seed import ensure_core_seed

    ensure_core_seed()
    services.assign(officer=police.aux, by=police.officer, jurisdiction=police.village, interval_days=30)
    leader = make_user("district_leader", "plc", username="leader_policing")
    official = make_user("township_official", "gov-shaomi", username="official_shaomi")

    page = new_page(width=1280, height=800)
    login(page, leader.username)
    page.goto("/policing/statistics/")
    before = figures(page)
    assert before["排查隐患"] == "0" and before["推送"] == "0" and before["已走访户"] == "0"
    assert before["包保户"] == "3" and before["走访覆盖率"] == "0%"
    logout(page)

    phone = new_page(width=360, height=740)
    login(phone, police.aux.username)
    # The form fits the phone: no horizontal scrolling.
    phone.goto("/policing/visits/new/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    labels = phone.locator("select[name=household] option").all_inner_texts()
    first = next(t for t in labels if "1号" in t)
    assert "张**" in first and "张大山" not in first  # the head of household is masked
    record_visit(phone, first, "宅基地边界争执", "张家与邻居因宅基地边界争吵，双方情绪激动。")
    open_hazard(phone, "宅基地边界争执")
    # The rule set proposed a colour; the officer grades it after seeing the place.
    assert phone.locator("[data-testid=grade]").inner_text() == "黄色（二类）"
    grade = phone.locator("[data-testid=grade-form]")
    grade.locator("select[name=grade]").select_option("red")
    grade.locator("input[name=reason]").fill("一方扬言报复，需镇级牵头调处")
    grade.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.locator("[data-testid=grade]").inner_text() == "红色（三类）"
    # Push it into the disputes system.
    push = phone.locator("[data-testid=dispute-form]")
    push.locator("select[name=category]").select_option(index=0)
    push.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    assert "推：推送责任单位" in phone.locator("[data-testid=state]").inner_text()
    assert "转矛盾纠纷" in phone.locator("[data-testid=pushes]").inner_text()
    dispute_link = phone.locator("dd a[href^='/disputes/']").get_attribute("href")

    # A second visit finds a safety hazard for another body: pushed by referral letter.
    second = next(t for t in labels if "3号" in t)
    record_visit(phone, second, "危房安全隐患", "王五家后墙开裂，雨季有垮塌危险。")
    open_hazard(phone, "危房安全隐患")
    letter = phone.locator("[data-testid=letter-form]")
    letter.locator("input[name=target_name]").fill("勺米镇住建站")
    letter.locator("input[name=letter_number]").fill("勺公函〔2026〕7号")
    letter.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    assert "函件推送 → 勺米镇住建站" in phone.locator("[data-testid=pushes]").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.csp_errors == []  # type: ignore[attr-defined]

    # The dispute is in the township's disputes list.
    login(page, official.username)
    page.goto("/disputes/")
    assert "宅基地边界争执" in page.locator("main").inner_text()
    page.goto(dispute_link)
    assert "宅基地边界争执" in page.content()
    logout(page)

    # The leader sees the figures move: two hazards found and pushed, one household of three visited.
    login(page, leader.username)
    page.goto("/policing/statistics/")
    after = figures(page)
    assert after["排查隐患"] == "2" and after["推送"] == "2" and after["化解"] == "0"
    assert after["已走访户"] == "2" and after["走访覆盖率"] == "67%"
    assert Hazard.objects.filter(grade="red", outcome="dispute").count() == 1
    assert page.csp_errors == []  # type: ignore[attr-defined]
