"""Risk-person pages: the list (masked, overdue marked), the detail with the review schedule and
timeline, the htmx review form with inline errors, overdue reviews in the officer's queue; every
view of the file audited, reveals only for those allowed, other stations get a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from pingan.core.audit import AuditEvent
from pingan.core.models import AuditEntry
from pingan.core.settings_store import get_setting
from pingan.policing import services, tasks
from pingan.policing.models import RiskPerson, RiskReview

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def person(police) -> RiskPerson:
    p = services.add_risk_person(data={"name": "赵六六", "id_number": ID, "phone": "13912345678",
                                       "address": "勺米村一组8号", "jurisdiction": police.group1,
                                       "officer": police.aux, "risk_level": "yellow", "reason": "多次越级上访"},
                                 by=police.officer, today=timezone.localdate() - dt.timedelta(days=40))
    assert p.next_review_on < timezone.localdate()  # the yellow interval has passed: overdue
    return p


def views_of(p: RiskPerson) -> list[list[str]]:
    return [e.after["fields"] for e in AuditEntry.objects.filter(
        event_type=AuditEvent.SENSITIVE_VIEWED, object_id=str(p.pk)).order_by("pk")]


def test_list_is_masked_marks_overdue_and_is_scoped(police, person):
    c = login(police.aux)
    html = c.get("/policing/risk-persons/").content.decode()
    assert "赵**" in html and "赵六六" not in html and "已逾期" in html
    partial = c.get("/policing/risk-persons/", {"due": "on"}, HTTP_HX_REQUEST="true").content.decode()
    assert "赵**" in partial and "<html" not in partial
    assert "查询条件有误" in c.get("/policing/risk-persons/", {"jurisdiction": "0"}).content.decode()
    assert "赵**" not in login(police.other_officer).get("/policing/risk-persons/").content.decode()


def test_detail_schedule_timeline_and_audited_views(police, person):
    c = login(police.aux)
    html = c.get(f"/policing/risk-persons/{person.uuid}/").content.decode()
    interval = get_setting("policing.risk_review_yellow_days", int)
    assert f"每 {interval} 天评估一次" in html and "已逾期" in html
    assert "赵**" in html and ID not in html and "13912345678" not in html
    assert "列管" in html and "多次越级上访" in html
    # Even a masked view is recorded (address and reason are shown in clear).
    assert views_of(person) == [["address", "reason"]]
    html = c.get(f"/policing/risk-persons/{person.uuid}/", {"reveal": "1"}).content.decode()
    assert "赵六六" in html and ID in html and "13912345678" in html
    assert views_of(person)[-1] == ["name", "id_number", "phone", "address", "reason"]
    # A district leader may view, masked: the reveal is not honoured and not offered.
    leader = login(police_leader(police))
    html = leader.get(f"/policing/risk-persons/{person.uuid}/", {"reveal": "1"}).content.decode()
    assert ID not in html and "查看完整信息" not in html and "记录评估" not in html
    assert login(police.other_officer).get(f"/policing/risk-persons/{person.uuid}/").status_code == 404


def police_leader(police):
    from pingan.orgs.demo import ensure_agency
    from pingan.orgs.services import create_user

    return create_user(by=None, username="leader_risk", password="x-long-password-1", roles=["district_leader"],
                       agency=ensure_agency("plc"), check_password=False)


def test_review_form_inline_errors_then_saves(police, person):
    c = login(police.aux)
    url = f"/policing/risk-persons/{person.uuid}/review/"
    resp = c.post(url, {"risk_level": "", "notes": ""}, HTTP_HX_REQUEST="true")
    body = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in body and 'id="review-form"' in body
    assert "请选择风险等级" in body and "请填写评估情况" in body
    assert RiskReview.objects.count() == 0
    resp = c.post(url, {"risk_level": "purple", "notes": "情绪稳定"}, HTTP_HX_REQUEST="true")
    assert "risk_level" in resp.content.decode() and RiskReview.objects.count() == 0
    resp = c.post(url, {"risk_level": "blue", "notes": "情绪稳定，已就业"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 204 and resp["HX-Redirect"] == f"/policing/risk-persons/{person.uuid}/"
    person.refresh_from_db()
    blue = get_setting("policing.risk_review_blue_days", int)
    assert person.risk_level == "blue" and person.next_review_on == timezone.localdate() + dt.timedelta(days=blue)
    html = c.get(f"/policing/risk-persons/{person.uuid}/").content.decode()
    assert "情绪稳定，已就业" in html and "已逾期" not in html
    # Without htmx the same form posts and redirects; errors come back on the full page (422).
    assert c.post(url, {"risk_level": "", "notes": "x"}).status_code == 422
    assert c.post(url, {"risk_level": "red", "notes": "再评估"}).status_code == 302
    # Another station's officer cannot review (404, nothing written).
    assert login(police.other_officer).post(url, {"risk_level": "blue", "notes": "x"}).status_code == 404
    assert RiskReview.objects.count() == 2


def test_overdue_review_in_the_officers_queue(police, person):
    assert tasks.flag_overdue_reviews() == 1
    c = login(police.aux)
    html = c.get("/policing/").content.decode()
    assert f"/policing/risk-persons/{person.uuid}/" in html and "已逾期" in html
    timeline = c.get(f"/policing/risk-persons/{person.uuid}/").content.decode()
    assert "评估逾期" in timeline
    c.post(f"/policing/risk-persons/{person.uuid}/review/", {"risk_level": "yellow", "notes": "已评估"})
    assert f"/policing/risk-persons/{person.uuid}/" not in c.get("/policing/").content.decode()
