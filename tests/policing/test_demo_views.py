"""Demo loader (idempotent, every step present) and the pages: the officer's queue, lists with
filters, the hazard detail with its timeline and actions, the phone visit form, statistics."""

from __future__ import annotations

import pytest
from django.test import Client

from pingan.policing import services
from pingan.policing.models import Hazard, Household, Visit

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_covers_every_step(district):
    from pingan.orgs.demo import load as load_orgs
    from pingan.policing.demo import load_demo_policing

    load_orgs()
    load_demo_policing()
    counts = (Household.objects.count(), Visit.objects.count(), Hazard.objects.count())
    assert counts[0] == 32 and counts[1] > 100
    assert set(Hazard.objects.values_list("state", flat=True)) == {
        "watching", "linked", "pushed", "controlled", "resolved", "revisited", "publicised"}
    load_demo_policing()
    assert (Household.objects.count(), Visit.objects.count(), Hazard.objects.count()) == counts


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_queue_lists_detail_and_actions(police):
    services.assign(officer=police.aux, by=police.officer, jurisdiction=police.village, interval_days=1)
    h = services.report_hazard(data={"title": "排水沟纠纷", "description": "两户争吵", "jurisdiction": police.group1,
                                     "contact_name": "张大山"}, by=police.aux)
    c = login(police.aux)
    page = c.get("/policing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "排水沟纠纷" in html and "勺米村第一村民组1号" in html and "张**" in html
    resp = c.get("/policing/hazards/", {"state": "watching"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "排水沟纠纷" in resp.content.decode() and "<html" not in resp.content.decode()
    assert "查询条件有误" in c.get("/policing/hazards/", {"jurisdiction": "0"}).content.decode()
    detail = c.get(f"/policing/hazards/{h.uuid}/").content.decode()
    assert "发现隐患" in detail and "联：联动会商" in detail and "张**" in detail
    resp = c.post(f"/policing/hazards/{h.uuid}/act/", {"act": "link"})
    assert resp.status_code == 302
    h.refresh_from_db()
    assert h.state == "linked"
    c.post(f"/policing/hazards/{h.uuid}/act/", {"act": "resolve", "resolution": ""})
    h.refresh_from_db()
    assert h.state == "linked"  # refused with a message, nothing written
    c.post(f"/policing/hazards/{h.uuid}/act/", {"act": "resolve", "resolution": "已调解"})
    h.refresh_from_db()
    assert h.state == "resolved"
    assert login(police.other_officer).get(f"/policing/hazards/{h.uuid}/").status_code == 404
    assert c.get("/policing/statistics/").status_code == 200
    assert c.get("/policing/visits/").status_code == 200


def test_phone_visit_form_with_htmx(police):
    services.assign(officer=police.aux, by=police.officer, jurisdiction=police.village)
    c = login(police.aux)
    form = c.get("/policing/visits/new/").content.decode()
    assert 'name="household"' in form and "勺米村第一村民组1号" in form
    household = police.households[0]
    resp = c.post("/policing/visits/new/", {"household": str(household.uuid), "hazard_title": "用电隐患"},
                  HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "请填写隐患情况" in resp.content.decode()
    assert Visit.objects.count() == 0
    resp = c.post("/policing/visits/new/", {"household": str(household.uuid), "people_met": "户主", "notes": "正常",
                                           "hazard_title": "用电隐患", "hazard_description": "电线老化"})
    assert resp.status_code == 302
    visit = Visit.objects.get()
    assert visit.household == household and visit.hazards.count() == 1
    assert login(police.other_officer).get("/policing/visits/new/").status_code == 200  # their own patch is empty


def test_pages_refuse_users_without_policing_rights(village_mediator):
    c = login(village_mediator)
    assert c.get("/policing/").status_code == 403
    assert c.get("/policing/hazards/").status_code == 403
    assert c.get("/policing/export/hazards.xlsx").status_code == 403
