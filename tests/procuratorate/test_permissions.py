"""Who sees what: partners only the plans assigned to their body; the police nothing of the
procuratorate's cases unless an administrator grants it; ID numbers masked and every reveal audited."""

from __future__ import annotations

import pytest
from django.test import Client

from pingan.core.audit import AuditEvent
from pingan.core.models import AuditEntry
from pingan.orgs.models import ObjectPermission, Role
from pingan.procuratorate import services

from .conftest import days_ago, valid_id

pytestmark = pytest.mark.django_db
URL = "/api/v1/procuratorate/"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def two_plans(proc):
    a = proc.case(number="A-1", received=10).suspects.get()
    b = proc.case(number="B-1", received=10, suspects=[{"name": "李四", "guilty_plea": True,
                                                        "guilty_plea_on": days_ago(10)}]).suspects.get()
    common = dict(service_type="traffic_duty", consent_on=days_ago(9), start_on=days_ago(8), end_on=days_ago(0),
                  planned_hours=8, by=proc.prosecutor)
    pa = services.create_volunteer_plan(suspect=a, partner=proc.partner_traffic, **common)
    pb = services.create_volunteer_plan(suspect=b, partner=proc.partner_youth, **common)
    return pa, pb


def test_partner_sees_only_own_plans_and_no_cases(proc, django_assert_max_num_queries):
    pa, pb = two_plans(proc)
    c = client_for(proc.partner)
    with django_assert_max_num_queries(10):
        r = c.get(f"{URL}volunteer-plans")
    assert r.status_code == 200
    assert [p["uuid"] for p in r.json()["items"]] == [str(pa.uuid)]
    assert c.get(f"{URL}volunteer-plans/{pb.uuid}").status_code == 404
    assert c.post(f"{URL}volunteer-plans/{pb.uuid}/hours", {"served_on": days_ago(3).isoformat(), "hours": "2",
                                                             "activity": "x"}, content_type="application/json"
                  ).status_code == 404
    r = c.post(f"{URL}volunteer-plans/{pa.uuid}/hours", {"served_on": days_ago(3).isoformat(), "hours": "4",
                                                          "activity": "交通劝导"}, content_type="application/json")
    assert r.status_code == 201, r.json()
    # The partner may not evaluate, and sees no case or suspect.
    r = c.post(f"{URL}volunteer-plans/{pa.uuid}/evaluation", {"passed": True, "evaluated_on": days_ago(0).isoformat()},
               content_type="application/json")
    assert r.status_code == 403
    assert c.get(f"{URL}cases").json()["count"] == 0
    assert c.get(f"{URL}cases/{pa.suspect.case.uuid}").status_code == 404
    other = client_for(proc.other_partner)
    assert [p["uuid"] for p in other.get(f"{URL}volunteer-plans").json()["items"]] == [str(pb.uuid)]


def test_police_cannot_see_cases_unless_granted(proc):
    case = proc.case(number="P-9")
    c = client_for(proc.police_officer)
    assert c.get(f"{URL}cases").json()["count"] == 0
    assert c.get(f"{URL}cases/{case.uuid}").status_code == 404
    assert c.post(f"{URL}cases", {}, content_type="application/json").status_code in (403, 422)
    perm = ObjectPermission.objects.create(name="test.police_own_requests", object_types=["procuratorate.minorcase"],
                                           actions=["view"], constraints=[{"police_agency": "$agency"}])
    perm.roles.add(Role.objects.get(code="police_officer"))
    c = client_for(proc.police_officer)  # a new request reads the grants again
    assert [x["number"] for x in c.get(f"{URL}cases").json()["items"]] == ["P-9"]
    assert c.get(f"{URL}cases/{case.uuid}").status_code == 200


def test_id_numbers_masked_and_reveal_audited(proc):
    case = proc.case(number="M-1")
    c = client_for(proc.prosecutor)
    r = c.get(f"{URL}cases/{case.uuid}")
    s = r.json()["suspects"][0]
    assert s["masked"] is True and s["id_number"] != valid_id(1) and "*" in s["id_number"]
    assert not AuditEntry.objects.filter(event_type=AuditEvent.SENSITIVE_VIEWED).exists()
    r = c.get(f"{URL}cases/{case.uuid}?reveal=true")
    assert r.json()["suspects"][0]["id_number"] == valid_id(1)
    entry = AuditEntry.objects.get(event_type=AuditEvent.SENSITIVE_VIEWED)
    assert entry.object_type == "procuratorate.suspect" and entry.actor == proc.prosecutor
    # The district leader may view the case, never the full number.
    leader = client_for(proc.district_leader)
    r = leader.get(f"{URL}cases/{case.uuid}?reveal=true")
    assert r.status_code == 200 and r.json()["suspects"][0]["masked"] is True


def test_api_decisions_out_of_order_and_bad_dates_are_4xx(proc):
    c = client_for(proc.prosecutor)
    body = {"number": "API-1", "offence": "theft", "police_agency": "ps-shaomi", "received_on": days_ago(3).isoformat(),
            "request": "arrest", "suspects": [{"name": "王五", "id_number": valid_id(5)}]}
    r = c.post(f"{URL}cases", body, content_type="application/json")
    assert r.status_code == 201, r.json()
    uuid = r.json()["suspects"][0]["uuid"]
    r = c.post(f"{URL}suspects/{uuid}/prosecution-decision",
               {"decision": "prosecute", "decided_on": days_ago(0).isoformat()}, content_type="application/json")
    assert r.status_code == 400 and "审查逮捕中" in r.json()["detail"]
    r = c.post(f"{URL}suspects/{uuid}/arrest-decision",
               {"decision": "approved", "decided_on": "2026-02-30"}, content_type="application/json")
    assert r.status_code == 422
    r = c.post(f"{URL}suspects/{uuid}/arrest-decision",
               {"decision": "approved", "decided_on": days_ago(10).isoformat()}, content_type="application/json")
    assert r.status_code == 422 and "decided_on" in r.json()["errors"]
    r = c.post(f"{URL}suspects/{uuid}/arrest-decision",
               {"decision": "not_approved", "decided_on": days_ago(1).isoformat(), "grounds": "无逮捕必要"},
               content_type="application/json")
    assert r.status_code == 200 and r.json()["suspects"][0]["state"] == "arrest_not_approved"
    r = c.post(f"{URL}cases", {**body, "unknown": 1}, content_type="application/json")
    assert r.status_code == 422
