"""Out of contact → search task (社区矫正法 Art. 30): opened by a verified 失去联系 alert or by
staff, one running per person, searches recorded, escalated when not found, reminded once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from pingan.core.errors import ApplicationError
from pingan.core.models import AuditEntry, Deadline, OutboxEvent
from pingan.corrections import alerts, search
from pingan.corrections.models import SearchTask
from pingan.corrections.supervision_seed import load_supervision_data
from pingan.orgs.models import Role


@pytest.fixture
def sup(org):
    Role.objects.get_or_create(code="district_leader", defaults={"name": "区领导"})
    load_supervision_data()
    return org


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _silence(person):
    return alerts.raise_alert(supervisee=person, kind="silence", occurred_at=timezone.now() - dt.timedelta(hours=30),
                              evidence={"hours": 30}, source="geofence")


@pytest.mark.django_db
def test_alert_verified_out_of_contact_opens_one_search_with_a_deadline(sup, make_supervisee):
    person, _d, _t = make_supervisee(name="失联甲")
    alert = _silence(person)
    alerts.verify_alert(alert=alert, outcome="violation", by=sup["staff_a"], reason="电话关机，家中无人",
                        facts={"out_of_contact": True})
    task = SearchTask.objects.get()
    assert (task.supervisee, task.alert, task.trigger, task.state) == (person, alert, "alert", "open")
    assert task.justice_office == sup["office_a"]
    deadline = Deadline.objects.get(kind=search.RESULT_DEADLINE, object_id=str(task.pk))
    assert deadline.due == task.result_due
    # Hour periods end on the full hour after the 24 hours (core.deadlines).
    assert dt.timedelta(hours=24) <= task.result_due - task.opened_at < dt.timedelta(hours=25)
    assert OutboxEvent.objects.filter(topic=search.OPENED, payload__task_id=task.pk).exists()
    assert AuditEntry.objects.filter(action="search_opened").count() == 1
    # A second alert about the same absence, or a click, returns the running search.
    again = search.open_search(supervisee=person, by=sup["staff_a"], reason="再次标记")
    assert again.pk == task.pk and SearchTask.objects.count() == 1


@pytest.mark.django_db
def test_violation_without_out_of_contact_opens_no_search(sup, make_supervisee):
    person, _d, _t = make_supervisee()
    alerts.verify_alert(alert=_silence(person), outcome="violation", by=sup["staff_a"], reason="迟报")
    assert not SearchTask.objects.exists()


@pytest.mark.django_db
def test_search_lifecycle_attempt_escalate_found(sup, make_supervisee):
    person, _d, _t = make_supervisee(name="失联乙")
    task = search.open_search(supervisee=person, by=sup["staff_a"], reason="连续两天联系不上")
    with pytest.raises(ApplicationError) as refused:
        search.escalate(task=task, by=sup["staff_a"], note="找不到")
    assert "须先记录查找情况" in str(refused.value)
    now = timezone.now()
    search.record_attempt(task=task, by=sup["staff_a"], searched_at=now - dt.timedelta(hours=1),
                          searchers="周静、村干部罗某", method="home_visit", note="家中无人，邻居称三天未见")
    search.escalate(task=task, by=sup["staff_a"], note="多方查找未果")
    task.refresh_from_db()
    assert task.state == "escalated" and task.escalated_at is not None
    event = OutboxEvent.objects.get(topic=search.ESCALATED)
    assert event.payload["to"] == ["county_bureau", "police"] and event.payload["task_id"] == task.pk
    assert Deadline.objects.get(kind=search.RESULT_DEADLINE).status == "met"
    with pytest.raises(ApplicationError):
        search.record_attempt(task=task, by=sup["staff_a"], searched_at=now, searchers="周静", method="police",
                              note="公安协查", found=True)  # found without a place
    search.record_attempt(task=task, by=sup["staff_a"], searched_at=now, searchers="周静、勺米派出所", method="police",
                          note="在亲戚家找到", found=True, place="盘州市红果镇")
    task.refresh_from_db()
    assert (task.state, task.found_place) == ("found", "盘州市红果镇")
    # A finished search takes no more records, and the person may be searched for again later.
    with pytest.raises(ApplicationError):
        search.record_attempt(task=task, by=sup["staff_a"], searched_at=now, searchers="x", method="phone", note="x")
    assert search.open_search(supervisee=person, by=sup["staff_a"], reason="又失联").pk != task.pk


@pytest.mark.django_db
def test_reminder_is_sent_once_when_the_result_is_nearly_due(sup, make_supervisee):
    person, _d, _t = make_supervisee()
    task = search.open_search(supervisee=person, by=sup["staff_a"], reason="失联")
    assert search.remind_search_tasks(now=task.opened_at) == []  # 24 h left, window 4 h
    later = task.result_due - dt.timedelta(hours=3)
    assert search.remind_search_tasks(now=later) == [task.pk]
    assert search.remind_search_tasks(now=later + dt.timedelta(hours=5)) == []
    assert OutboxEvent.objects.filter(topic=search.REMINDER).count() == 1


@pytest.mark.django_db
def test_pages_mark_record_escalate_and_other_office_is_404(sup, make_supervisee):
    person, _d, _t = make_supervisee(name="页面丙")
    staff = login(sup["staff_a"])
    page = staff.get(f"/corrections/people/{person.pk}/")
    assert "标记失去联系" in page.content.decode()
    r = staff.post(f"/corrections/people/{person.pk}/out-of-contact/", {"reason": "电话关机"})
    task = SearchTask.objects.get()
    assert r.status_code == 302 and r.url == f"/corrections/searches/{task.pk}/"
    bad = staff.post(r.url, {"do": "escalate", "note": "找不到"})
    assert bad.status_code == 422 and "须先记录查找情况" in bad.content.decode()
    ok = staff.post(r.url, {"do": "attempt", "searched_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                            "searchers": "周静", "method": "phone", "note": "无人接听"})
    assert ok.status_code == 302
    assert staff.post(r.url, {"do": "escalate", "note": "多方查找未果"}).status_code == 302
    task.refresh_from_db()
    assert task.state == "escalated"
    listing = staff.get("/corrections/searches/").content.decode()
    assert "页面丙" in listing
    timeline = staff.get(f"/corrections/people/{person.pk}/").content.decode()
    assert "启动查找" in timeline and "无人接听" not in timeline and "周静 · 电话联系" in timeline
    assert "未找到，已报告区县司法局和公安机关" in timeline
    other = login(sup["staff_b"])
    assert other.get(f"/corrections/searches/{task.pk}/").status_code == 404
    assert other.post(f"/corrections/people/{person.pk}/out-of-contact/", {"reason": "x"}).status_code == 404
    assert "页面丙" not in other.get("/corrections/searches/").content.decode()


@pytest.mark.django_db
def test_api_open_is_idempotent_attempts_and_scope(sup, make_supervisee):
    person, _d, _t = make_supervisee(name="接口丁")
    api = login(sup["staff_a"])
    r = api.post("/api/v1/corrections/searches", {"supervisee_id": person.pk, "reason": "失联"},
                 content_type="application/json")
    assert r.status_code == 201, r.content
    again = api.post("/api/v1/corrections/searches", {"supervisee_id": person.pk, "reason": "失联"},
                     content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    pk = r.json()["id"]
    bad = api.post(f"/api/v1/corrections/searches/{pk}/attempts", {
        "searched_at": timezone.now().isoformat(), "searchers": "周静", "method": "telepathy", "note": "x"},
        content_type="application/json")
    assert bad.status_code == 422
    future = api.post(f"/api/v1/corrections/searches/{pk}/attempts", {
        "searched_at": (timezone.now() + dt.timedelta(days=1)).isoformat(), "searchers": "周静", "method": "phone",
        "note": "x"}, content_type="application/json")
    assert future.status_code == 400 and future.json()["errors"]["searched_at"][0]["code"] == "future"
    ok = api.post(f"/api/v1/corrections/searches/{pk}/attempts", {
        "searched_at": timezone.now().isoformat(), "searchers": "周静", "method": "family", "note": "家属称外出打工",
        "found": True, "place": "六盘水市钟山区"}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["state"] == "found" and len(ok.json()["attempts"]) == 1
    listing = api.get("/api/v1/corrections/searches?state=found").json()
    assert [t["id"] for t in listing["items"]] == [pk]
    other = login(sup["staff_b"])
    assert other.get(f"/api/v1/corrections/searches/{pk}").status_code == 404
    assert other.post("/api/v1/corrections/searches", {"supervisee_id": person.pk, "reason": "x"},
                      content_type="application/json").status_code == 404


def test_workflows_match_models_and_jobs_are_registered():
    from pingan.core.tasks import periodic_jobs
    from pingan.corrections.supervision_workflow import MONITORING, SEARCH

    assert SEARCH.problems_with_model() == [] and MONITORING.problems_with_model() == []
    names = {j.name for j in periodic_jobs()}
    assert {"corrections.remind_search_tasks", "corrections.remind_monitoring_expiry",
            "corrections.expire_monitoring"} <= names


@pytest.mark.django_db
def test_alert_queue_form_opens_the_search(sup, make_supervisee):
    person, _d, _t = make_supervisee(name="核查戊")
    alert = _silence(person)
    staff = login(sup["staff_a"])
    assert "失去联系（立即组织查找）" in staff.get("/corrections/alerts/").content.decode()
    r = staff.post(f"/corrections/alerts/{alert.pk}/verify/", {"outcome": "violation", "reason": "关机两天，家中无人",
                                                               "prohibition": "none", "out_of_contact": "on"})
    assert r.status_code == 302
    task = SearchTask.objects.get()
    assert (task.alert_id, task.trigger, task.reason) == (alert.pk, "alert", "关机两天，家中无人")
