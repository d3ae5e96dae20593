"""Policing admin: lists go through restrict(), personal data stays masked, records are not added
or deleted here, and a correction made here is audited."""

from __future__ import annotations

import pytest

from pingan.core.audit import AuditEvent
from pingan.core.models import AuditEntry
from pingan.orgs.models import User
from pingan.policing import services

pytestmark = pytest.mark.django_db

MODELS = ["household", "assignment", "committeerole", "visit", "hazard", "push", "riskperson", "riskreview",
          "overdueflag"]


@pytest.fixture
def records(police):
    visit = services.record_visit(data={"household": police.households[0], "people_met": "户主", "notes": "排查"},
                                  by=police.officer, hazards=[{"title": "宅基地边界争执", "description": "两户争执",
                                                               "contact_name": "张大山", "contact_phone": "13800001111"}])
    hazard = visit.hazards.get()
    services.push_by_letter(by=police.officer, hazard=hazard, data={"target_name": "镇自然资源所"})
    person = services.add_risk_person(data={"name": "赵六六", "id_number": "11010519491231002X", "phone": "13912345678",
                                            "jurisdiction": police.group1, "risk_level": "yellow", "reason": "多次上访"},
                                      by=police.officer)
    services.review_risk_person(person=person, by=police.officer, risk_level="blue", notes="情绪稳定")
    services.assign(officer=police.aux, by=police.officer, jurisdiction=police.village)
    return {"hazard": hazard, "person": person}


@pytest.mark.parametrize("model", MODELS)
def test_admin_lists_load_masked(client, records, model):
    root = User.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(root)
    resp = client.get(f"/admin/policing/{model}/")
    assert resp.status_code == 200
    body = resp.content.decode()
    for clear in ("张大山", "13800001111", "赵六六", "11010519491231002X", "13912345678"):
        assert clear not in body
    assert client.get(f"/admin/policing/{model}/add/").status_code == 403


def test_admin_detail_masks_and_refuses_delete(client, records):
    root = User.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(root)
    person = records["person"]
    body = client.get(f"/admin/policing/riskperson/{person.pk}/change/").content.decode()
    assert "赵**" in body and "11010519491231002X" not in body and "13912345678" not in body
    assert client.get(f"/admin/policing/hazard/{records['hazard'].pk}/delete/").status_code == 403


def test_admin_is_scoped_for_officers(client, police, records):
    """A 双水 officer with staff access sees none of 勺米's hazards or risk persons; 勺米's does."""
    other = police.other_officer
    other.is_staff = True
    other.save(update_fields=["is_staff"])
    client.force_login(other)
    assert "宅基地边界争执" not in client.get("/admin/policing/hazard/").content.decode()
    assert client.get(f"/admin/policing/hazard/{records['hazard'].pk}/change/").status_code in (302, 404)
    assert client.get("/admin/policing/riskreview/").content.decode().count("情绪稳定") == 0
    own = police.officer
    own.is_staff = True
    own.save(update_fields=["is_staff"])
    client.force_login(own)
    assert "宅基地边界争执" in client.get("/admin/policing/hazard/").content.decode()
    assert client.get(f"/admin/policing/riskreview/{records['person'].reviews.get().pk}/change/").status_code == 200


def test_household_correction_is_audited(client, police):
    root = User.objects.create_superuser("root", password="x-long-password-1")
    client.force_login(root)
    h = police.households[0]
    resp = client.post(f"/admin/policing/household/{h.pk}/change/",
                       {"address": "勺米村一组新门牌8号", "phone": "13800009999", "external_ref": ""})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    h.refresh_from_db()
    assert h.address == "勺米村一组新门牌8号"
    entry = AuditEntry.objects.filter(event_type=AuditEvent.POLICING_CHANGED, action="admin_change").latest("pk")
    assert entry.after == {"fields": ["address", "phone"]}
