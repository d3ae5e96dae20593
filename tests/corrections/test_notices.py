"""Search tasks and electronic-monitoring decisions notify the staff who must act (outbox →
corrections/handlers.py → orgs.Notice): the office on a new, due or overdue search, the county
bureau and the township's police station when a search finds nobody, the office and the bureau
before a monitoring decision ends, the office when it has ended; once per event; on the desk in
the reader's language, only for the agency's own staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pingan.core.models import OutboxEvent
from pingan.core.outbox import drain
from pingan.corrections import handlers, monitoring, search
from pingan.corrections.supervision_seed import load_supervision_data
from pingan.orgs.models import Agency, Notice, Role
from pingan.orgs.notices import text_of

START = dt.date(2026, 1, 10)


@pytest.fixture
def sup(org):
    Role.objects.get_or_create(code="district_leader", defaults={"name": "区领导"})
    load_supervision_data()
    org["police"] = Agency.objects.create(code="t-pcs-a", name="蟠龙派出所", kind="police_station",
                                          jurisdiction=org["town_a"])
    return org


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def notices(agency) -> list[str]:
    return [text_of(n) for n in Notice.objects.filter(agency=agency).order_by("pk")]


@pytest.mark.django_db
def test_search_task_notifies_office_then_bureau_and_police(sup, make_supervisee):
    person, _d, _t = make_supervisee(name="失联乙")
    task = search.open_search(supervisee=person, by=sup["staff_a"], reason="连续两天联系不上")
    drain()
    (opened,) = Notice.objects.filter(agency=sup["office_a"])
    assert opened.topic == handlers.SEARCH_OPENED and opened.url == reverse("corrections:search", args=[task.pk])
    due = timezone.localtime(task.result_due).strftime("%Y-%m-%d %H:%M")
    assert text_of(opened) == f"新的失联查找任务（第 {task.pk} 号），请组织查找，在 {due} 前报告查找结果。"
    # the same event handled again (a redelivery) notifies nobody twice
    handlers.on_search_opened(OutboxEvent.objects.get(topic=search.OPENED))
    assert Notice.objects.count() == 1
    # the worker's reminder after the deadline: overdue
    search.remind_search_tasks(now=task.result_due + dt.timedelta(hours=1))
    drain()
    assert "已超过报告期限" in notices(sup["office_a"])[-1]
    search.record_attempt(task=task, by=sup["staff_a"], searched_at=timezone.now() - dt.timedelta(hours=1),
                          searchers="周静", method="home_visit", note="家中无人")
    search.escalate(task=task, by=sup["staff_a"], note="多方查找未果")
    drain()
    assert notices(sup["bureau"]) == [f"蟠龙司法所报告：失联查找任务（第 {task.pk} 号）未找到社区矫正对象，请督促处置。"]
    assert notices(sup["police"]) == ["蟠龙司法所报告：社区矫正对象失联乙失去联系，经查找未找到，请协助查找。"]
    assert notices(sup["office_b"]) == []


@pytest.mark.django_db
def test_monitoring_reminder_and_expiry_notify_office_and_bureau(sup, make_supervisee):
    person, device, _t = make_supervisee(name="定位丁", kind="bracelet")
    monitoring.fit_device(supervisee=person, by=sup["officer"], device=device, ground="police_penalty",
                          ground_facts="因违反监督管理规定被治安拘留", decided_on=START, start_date=START,
                          end_date=dt.date(2026, 4, 10), approved_by_name="李局长", decision_number="定3")
    monitoring.remind_expiring(today=dt.date(2026, 4, 4))
    drain()
    text = "电子定位装置使用决定 定3 将于 2026-04-10 届满，如需续用请及时作出新的决定。"
    assert notices(sup["office_a"]) == [text] and notices(sup["bureau"]) == [text]
    assert Notice.objects.get(agency=sup["office_a"]).url == reverse("corrections:monitoring", args=[person.pk])
    monitoring.expire_monitoring(today=dt.date(2026, 4, 11))
    drain()
    assert notices(sup["office_a"])[-1] == "电子定位装置使用决定 定3 已于 2026-04-10 届满，已解除使用。"
    assert len(notices(sup["bureau"])) == 1 and notices(sup["office_b"]) == []


@pytest.mark.django_db
def test_desk_shows_own_agency_notices_in_the_readers_language(sup, make_supervisee):
    person, _d, _t = make_supervisee(name="失联丙")
    task = search.open_search(supervisee=person, by=sup["staff_a"], reason="联系不上")
    drain()
    notice = Notice.objects.get()
    a, b = login(sup["staff_a"]), login(sup["staff_b"])
    page = a.get("/").content.decode()
    assert 'data-testid="notices"' in page and f"新的失联查找任务（第 {task.pk} 号）" in page
    assert 'data-testid="notices"' not in b.get("/").content.decode()
    a.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert f"New search task (no. {task.pk})" in a.get("/").content.decode()
    assert b.post(reverse("orgs:notice_read", args=[notice.pk])).status_code == 404
    assert a.post(reverse("orgs:notice_read", args=[notice.pk])).status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None and notice.read_by == sup["staff_a"]
    assert 'data-testid="notices"' not in a.get("/").content.decode()
    assert a.post(reverse("orgs:notice_read", args=[notice.pk])).status_code == 404  # read once
