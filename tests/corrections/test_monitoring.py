"""Electronic monitoring devices (社区矫正法 Art. 29): a statutory ground, the county bureau's
decision, ≤ 3 months per decision (422 otherwise), renewal only by a new decision, removal and
expiry take the device off, a reminder before the end; API, page and admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from pingan.core.errors import ApplicationError
from pingan.core.models import OutboxEvent
from pingan.corrections import monitoring
from pingan.corrections.models import MonitoringDecision
from pingan.corrections.supervision_seed import load_supervision_data
from pingan.orgs.models import Role, User

START = dt.date(2026, 1, 10)


@pytest.fixture
def sup(org):
    Role.objects.get_or_create(code="district_leader", defaults={"name": "区领导"})
    load_supervision_data()
    return org


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def body(person, **kw) -> dict:
    data = {"supervisee_id": person.pk, "ground": "unapproved_leave", "ground_facts": "2026年1月3日未经批准前往盘州市",
            "decision_number": "水司矫定〔2026〕1号", "decided_on": "2026-01-09", "approved_by_name": "李局长",
            "start_date": START.isoformat(), "end_date": "2026-04-10"}
    data.update(kw)
    return data


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.mark.django_db
def test_fit_needs_a_statutory_ground_and_at_most_three_months(sup, make_supervisee):
    person, device, _t = make_supervisee(name="定位甲", kind="bracelet")
    api = login(sup["officer"])
    no_ground = post(api, "/api/v1/corrections/monitoring", body(person, ground="behaves_badly"))
    assert no_ground.status_code == 422 and no_ground.json()["errors"]["ground"][0]["code"] == "invalid_ground"
    too_long = post(api, "/api/v1/corrections/monitoring", body(person, end_date="2026-04-11"))
    assert too_long.status_code == 422
    error = too_long.json()["errors"]["end_date"][0]
    assert error["code"] == "too_long" and "不得超过3个月" in error["message"] and "2026-04-10" in error["message"]
    far = post(api, "/api/v1/corrections/monitoring", body(person, decided_on="9999-11-30", start_date="9999-12-01",
                                                            end_date="9999-12-31"))
    assert far.status_code == 422 and far.json()["errors"]["start_date"][0]["code"] == "out_of_range"
    late_decision = post(api, "/api/v1/corrections/monitoring", body(person, decided_on="2026-01-11"))
    assert late_decision.status_code == 422
    assert not MonitoringDecision.objects.exists()
    ok = post(api, "/api/v1/corrections/monitoring", body(person, device_id=device.pk))
    assert ok.status_code == 201, ok.content
    assert ok.json()["ground_label"].startswith("无正当理由") and ok.json()["state"] == "active"
    again = post(api, "/api/v1/corrections/monitoring", body(person, decision_number="水司矫定〔2026〕2号"))
    assert again.status_code == 400 and again.json()["errors"]["supervisee"][0]["code"] == "already_active"
    grounds = api.get("/api/v1/corrections/monitoring/grounds").json()
    assert len(grounds) == 5 and {g["code"] for g in grounds} >= {"prohibition_breach", "pending_revocation"}


@pytest.mark.django_db
def test_only_the_county_bureau_decides_and_offices_see_their_own(sup, make_supervisee):
    person, _d, _t = make_supervisee(name="定位乙")
    staff = login(sup["staff_a"])
    assert post(staff, "/api/v1/corrections/monitoring", body(person)).status_code == 403
    pk = post(login(sup["officer"]), "/api/v1/corrections/monitoring", body(person)).json()["id"]
    assert [d["id"] for d in staff.get("/api/v1/corrections/monitoring").json()["items"]] == [pk]
    assert post(staff, f"/api/v1/corrections/monitoring/{pk}/remove", {"reason": "x"}).status_code == 403
    other = login(sup["staff_b"])
    assert other.get("/api/v1/corrections/monitoring").json()["items"] == []
    assert post(other, f"/api/v1/corrections/monitoring/{pk}/remove", {"reason": "x"}).status_code == 404


@pytest.mark.django_db
def test_renewal_is_a_new_decision_of_at_most_three_months(sup, make_supervisee):
    person, device, _t = make_supervisee(name="定位丙", kind="bracelet")
    first = monitoring.fit_device(supervisee=person, by=sup["officer"], device=device, ground="prohibition_breach",
                                  ground_facts="进入禁止进入的场所", decided_on=START, start_date=START,
                                  end_date=dt.date(2026, 4, 10), approved_by_name="李局长", decision_number="定1")
    api = login(sup["officer"])
    renewal = {"ground": "pending_revocation", "ground_facts": "已提请撤销缓刑", "decision_number": "定2",
               "decided_on": "2026-04-05", "approved_by_name": "李局长"}
    refused = post(api, f"/api/v1/corrections/monitoring/{first.pk}/renew", {**renewal, "end_date": "2026-07-12"})
    assert refused.status_code == 422 and refused.json()["errors"]["end_date"][0]["code"] == "too_long"
    first.refresh_from_db()
    assert first.state == "active" and MonitoringDecision.objects.count() == 1  # nothing half-written
    no_ground = post(api, f"/api/v1/corrections/monitoring/{first.pk}/renew",
                     {**renewal, "ground": "", "end_date": "2026-07-10"})
    assert no_ground.status_code == 422
    ok = post(api, f"/api/v1/corrections/monitoring/{first.pk}/renew", {**renewal, "end_date": "2026-07-11"})
    assert ok.status_code == 201, ok.content
    new = ok.json()
    assert (new["start_date"], new["renewal_of_id"], new["ground"]) == ("2026-04-11", first.pk, "pending_revocation")
    first.refresh_from_db()
    assert first.state == "renewed"
    assert post(api, f"/api/v1/corrections/monitoring/{first.pk}/renew",
                {**renewal, "end_date": "2026-07-11"}).status_code == 400  # only the active one renews


@pytest.mark.django_db
def test_remove_expire_and_remind_take_the_device_off_once(sup, make_supervisee):
    person, device, _t = make_supervisee(name="定位丁", kind="bracelet")
    d = monitoring.fit_device(supervisee=person, by=sup["officer"], device=device, ground="police_penalty",
                              ground_facts="因违反监督管理规定被治安拘留", decided_on=START, start_date=START,
                              end_date=dt.date(2026, 4, 10), approved_by_name="李局长", decision_number="定3")
    assert monitoring.remind_expiring(today=dt.date(2026, 3, 1)) == []
    assert monitoring.remind_expiring(today=dt.date(2026, 4, 4)) == [d.pk]
    assert monitoring.remind_expiring(today=dt.date(2026, 4, 5)) == []
    assert OutboxEvent.objects.filter(topic=monitoring.EXPIRING).count() == 1
    assert monitoring.expire_monitoring(today=dt.date(2026, 4, 10)) == []
    assert monitoring.expire_monitoring(today=dt.date(2026, 4, 11)) == [d.pk]
    assert monitoring.expire_monitoring(today=dt.date(2026, 4, 12)) == []
    d.refresh_from_db()
    device.refresh_from_db()
    assert d.state == "expired" and d.removed_at is not None and not device.active

    other, device2, _t2 = make_supervisee(name="定位戊", kind="bracelet")
    d2 = monitoring.fit_device(supervisee=other, by=sup["officer"], device=device2, ground="police_penalty",
                               ground_facts="x", decided_on=START, start_date=START, end_date=dt.date(2026, 2, 10),
                               approved_by_name="李局长", decision_number="定4")
    with pytest.raises(ApplicationError):
        monitoring.remove_device(decision=d2, by=sup["officer"], reason=" ")
    monitoring.remove_device(decision=d2, by=sup["officer"], reason="表现良好，经评估不再需要")
    device2.refresh_from_db()
    assert not device2.active and MonitoringDecision.objects.get(pk=d2.pk).state == "removed"


@pytest.mark.django_db
def test_page_form_refuses_a_long_period_and_person_page_shows_decisions(sup, make_supervisee):
    person, device, _t = make_supervisee(name="定位己", kind="bracelet")
    officer = login(sup["officer"])
    url = f"/corrections/people/{person.pk}/monitoring/"
    form = {"ground": "unapproved_leave", "ground_facts": "擅自离开", "decision_number": "定5", "decided_on": "2026-01-09",
            "approved_by_name": "李局长", "start_date": "2026-01-10", "end_date": "2026-05-01", "device": device.pk}
    refused = officer.post(url, form)
    assert refused.status_code == 422 and "不得超过3个月" in refused.content.decode()
    assert not MonitoringDecision.objects.exists()
    assert officer.post(url, {**form, "end_date": "2026-04-10"}).status_code == 302
    d = MonitoringDecision.objects.get()
    staff = login(sup["staff_a"])
    assert staff.post(url, {**form, "decision_number": "定6"}).status_code == 403
    page = staff.get(f"/corrections/people/{person.pk}/").content.decode()
    assert "定5" in page and "电子定位装置" in page
    assert officer.post(f"/corrections/monitoring/{d.pk}/remove/", {"reason": "不再需要"}).status_code == 302
    d.refresh_from_db()
    assert d.state == "removed"
    assert login(sup["staff_b"]).get(url).status_code == 404


@pytest.mark.django_db
def test_admin_adds_through_the_service_and_refuses_a_long_period(sup, make_supervisee):
    person, _d, _t = make_supervisee(name="定位庚")
    admin = login(User.objects.create_superuser("root-m", password="x-long-password-1"))
    form = {"supervisee": person.pk, "ground": "unapproved_leave", "ground_facts": "擅自离开", "decision_number": "定7",
            "decided_on": "2026-01-09", "approved_by_name": "李局长", "start_date": "2026-01-10",
            "end_date": "2026-06-01"}
    refused = admin.post("/admin/corrections/monitoringdecision/add/", form)
    assert refused.status_code == 200 and "不得超过3个月" in refused.content.decode()
    assert not MonitoringDecision.objects.exists()
    assert admin.post("/admin/corrections/monitoringdecision/add/", {**form, "end_date": "2026-04-10"}).status_code == 302
    d = MonitoringDecision.objects.get()
    assert d.justice_office == person.justice_office and d.recorded_by.username == "root-m"
    assert "定位庚" in admin.get("/admin/corrections/monitoringdecision/").content.decode()
    assert admin.get("/admin/corrections/searchtask/").status_code == 200
