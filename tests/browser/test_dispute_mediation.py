"""Issue 4 done-when: in a real browser at phone width a village mediator takes in a dispute,
grades it, the township routes it, the village committee accepts it, records a session and a
written agreement, records the signatures, downloads the agreement PDF (opened and read back);
then either closes the case and records the follow-up visit, or the parties bring the agreement
to the court for judicial confirmation (the clerk files it, the judge confirms it, the worker
closes the dispute), the follow-up is recorded and the case is counted in the statistics."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from pingan.disputes.models import Dispute
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def in_form(page, action: str, field: str) -> str:
    return f"form[action$='/act/{action}/'] [name={field}]"


def submit(page, action: str) -> None:
    page.click(f"form[action$='/act/{action}/'] button[type=submit]")
    page.wait_for_load_state()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def people(make_user):
    from pingan.disputes.seed import seed
    from pingan.orgs.demo import ensure_agency
    from tests.core.seed import ensure_core_seed

    ensure_core_seed()  # holidays and settings (a transactional test flushed the migrations' rows)
    seed()
    for code in ("vpo-shaomi-cun", "ps-shaomi", "jo-520204104", "mc-t-shaomi"):
        ensure_agency(code)
    return {
        "mediator": make_user("village_mediator", "mc-v-shaomi-cun", username="vm_browser"),
        "township": make_user("township_official", "gov-shaomi", username="town_browser"),
    }


def intake_to_agreement_pdf(new_page):
    """Intake → grading → routing → acceptance → session → agreement → signatures → the PDF
    downloaded and read back. Returns the mediator's and the township's pages and the dispute."""
    page = new_page(**PHONE)
    login(page, "vm_browser")

    # Intake
    page.goto("/disputes/new/")
    page.fill("#id_title", "张三与李四排水沟纠纷")
    page.select_option("#id_category", label="邻里")
    page.select_option("#id_jurisdiction", label="勺米村")
    page.fill("#id_amount", "2000")
    page.fill("#id_facts", "李四改道排水沟致张三房屋进水，双方多次争吵。")
    page.fill("#id_parties-0-name", "张三")
    page.fill("#id_parties-1-name", "李四")
    page.select_option("#id_parties-1-role", "respondent")
    # A text field fires "change" when it loses focus: blur it now, or the click on submit would
    # fire the inline check (htmx) in parallel with the submit, and the live server shares one
    # SQLite connection between its threads. Then let that check settle.
    page.locator("#id_parties-1-name").blur()
    page.wait_for_load_state("networkidle")
    # The date input shows today's date (ISO format: the zh-hans format would leave it blank).
    assert page.input_value("#id_received_on") == timezone.localdate().isoformat()
    with page.expect_navigation(timeout=30_000):
        page.click("#dispute-form button[type=submit]")
    dispute = Dispute.objects.get(title="张三与李四排水沟纠纷")
    detail = f"/disputes/{dispute.uuid}/"

    # Grading, with the explanation shown
    submit(page, "grade")
    assert "已按规则定级" in page.content()
    assert page.locator("#grading").inner_text().count("蓝色") >= 1
    assert fits(page)

    # Routing by the township
    town = new_page(**PHONE)
    login(town, "town_browser")
    town.goto(detail)
    submit(town, "route")
    assert "已分流" in town.content()
    assert "勺米村人民调解委员会" in town.locator("#routing").inner_text()

    # The village committee finds it in its work queue and accepts
    page.goto("/disputes/work/")
    page.click(f"a[href='{detail}']")
    submit(page, "accept")
    assert "已受理" in page.content()

    # A session
    page.click("#mediation summary >> text=记录调解会")
    page.fill(in_form(page, "session", "held_at"), timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.fill(in_form(page, "session", "place"), "勺米村委会调解室")
    page.fill(in_form(page, "session", "attendees"), "张三、李四、调解员龙光明")
    page.fill(in_form(page, "session", "minutes"), "双方陈述，调解员释法说理。")
    submit(page, "session")
    assert "已记录调解会" in page.content()

    # The written agreement
    today = timezone.localdate()
    page.click("#mediation summary >> text=达成书面调解协议")
    page.fill(in_form(page, "agreement", "agreed_on"), today.isoformat())
    page.fill(in_form(page, "agreement", "facts"), "李四改道排水沟致张三房屋进水。")
    page.fill(in_form(page, "agreement", "disputed_matters"), "排水沟走向及损失赔偿。")
    page.fill(in_form(page, "agreement", "responsibility"), "李四负主要责任。")
    page.fill(in_form(page, "agreement", "terms"), "李四恢复排水沟原走向并赔偿张三人民币贰仟元。")
    page.fill(in_form(page, "agreement", "performance_method"), "现金当面支付")
    page.fill(in_form(page, "agreement", "performance_deadline"), (today + timedelta(days=7)).isoformat())
    submit(page, "agreement")
    assert "已生成调解协议书" in page.content()
    for button in ("张三 已签名", "李四 已签名", "调解员已签名", "已加盖调委会印章"):
        page.click(f"#agreement button >> text={button}")
        page.wait_for_load_state()
    assert "已生效" in page.locator("#agreement").inner_text()
    assert fits(page)

    # Download the PDF and read it back
    with page.expect_download() as info:
        page.click("#agreement-pdf")
    pdf_path = info.value.path()
    with open(pdf_path, "rb") as fh:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages).replace(" ", "").replace("\n", "")
    assert "人民调解协议书" in text
    assert "李四恢复排水沟原走向并赔偿张三人民币贰仟元" in text
    assert "勺米村人民调解委员会" in text
    return page, town, dispute


def record_follow_up(page) -> None:
    page.select_option(in_form(page, "follow_up", "method"), "phone")
    page.check("form[action$='/act/follow_up/'] input[name=satisfaction][value=satisfied]")
    page.fill(in_form(page, "follow_up", "notes"), "协议已履行，双方和睦。")
    submit(page, "follow_up")
    assert "已记录回访" in page.content()


def test_intake_to_follow_up(new_page, people):
    page, town, dispute = intake_to_agreement_pdf(new_page)

    # Close and follow up
    submit(page, "close")
    assert "已安排回访" in page.content()
    record_follow_up(page)
    timeline = page.locator("#timeline").inner_text()
    for step in ("定级", "分流", "受理", "开始调解", "达成协议", "办结", "回访"):
        assert step in timeline
    assert Dispute.objects.get(pk=dispute.pk).state == "followed_up"
    assert page.csp_errors == [] and town.csp_errors == []


def test_intake_to_judicial_confirmation_follow_up_and_statistics(new_page, people, make_user):
    from pingan.core.outbox import drain
    from pingan.court.seed import seed as court_seed
    from pingan.disputes.models import Agreement

    court_seed()
    make_user("court_clerk", "court", username="clerk_browser")
    make_user("judge", "court", username="judge_browser")
    make_user("district_leader", "plc", username="leader_browser")
    page, _town, dispute = intake_to_agreement_pdf(new_page)
    detail = f"/disputes/{dispute.uuid}/"
    today = timezone.localdate()

    # The parties bring the agreement to the court: the filing clerk registers their application
    clerk = new_page(**PHONE)
    login(clerk, "clerk_browser")
    clerk.goto("/court/")
    clerk.click("[data-testid=confirm-agreement]")
    clerk.fill("#id_agreement", Agreement.objects.get(dispute=dispute).number)
    assert clerk.input_value("#id_applied_on") == today.isoformat()
    with clerk.expect_navigation():
        clerk.click("[data-testid=confirm-agreement-form] button[type=submit]")
    assert "已受理司法确认申请" in clerk.content()
    assert "民特" in clerk.content()
    case_url = clerk.url

    # The judge confirms the agreement
    judge = new_page(**PHONE)
    login(judge, "judge_browser")
    judge.goto(case_url)
    judge.check("input[name=confirmed][value=yes]")
    judge.fill("input[name=ruled_on]", today.isoformat())
    with judge.expect_navigation():
        judge.click("form[action$='/do/ruling/'] button[type=submit]")
    assert "已确认有效" in judge.content()

    # The worker: the dispute follows its court case and is closed, its follow-up scheduled
    drain(batch=1000)
    page.goto(detail)
    assert "已办结" in page.locator("body").inner_text()
    record_follow_up(page)
    timeline = page.locator("#timeline").inner_text()
    for step in ("达成协议", "法院结案", "回访"):
        assert step in timeline
    assert Dispute.objects.get(pk=dispute.pk).state == "followed_up"

    # Counted in the statistics: the API and the dashboard, as the district leader
    leader = new_page(width=1280, height=800)
    login(leader, "leader_browser")
    year = str(today.year)
    figures = {}
    for key in ("disputes.succeeded", "disputes.followed_up", "disputes.satisfaction_rate",
                "court.agreement_confirmation", "court.judicial_confirmation", "court.success_rate"):
        r = leader.request.get(f"/api/v1/statistics/{key}", params={"period": year})
        assert r.ok, r.text()
        figures[key] = r.json()["value"]
    assert figures == {"disputes.succeeded": 1, "disputes.followed_up": 1, "disputes.satisfaction_rate": 100.0,
                       "court.agreement_confirmation": 1,
                       # a village agreement confirmed is not a court delegation that succeeded
                       "court.judicial_confirmation": 0, "court.success_rate": None}
    leader.goto(f"/statistics/?period={year}")
    value = leader.locator('tr[data-metric="disputes.followed_up"] [data-testid="value"]').inner_text()
    assert value.startswith("1")
    assert page.csp_errors == [] and clerk.csp_errors == [] and judge.csp_errors == [] and leader.csp_errors == []
