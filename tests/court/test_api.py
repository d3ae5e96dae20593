"""/api/v1/court/: intake, consent, delegation, scoping (404 for another mediator), a late
application for judicial confirmation is a 400 with its code."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from pingan.court import services

from .conftest import at, in_mediation

pytestmark = pytest.mark.django_db
URL = "/api/v1/court"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_intake_consent_delegate_assign(court):
    c = client_for(court.clerk)
    r = c.post(f"{URL}/cases", {
        "court": "court", "filing_division": "立案庭", "title": "民间借贷纠纷", "facts": "借款五万元到期未还。",
        "claim": "判令被告归还借款 50000 元", "category": "contract", "jurisdiction": "520204104001",
        "amount": "50000", "received_on": "2024-06-03",
        "parties": [{"role": "applicant", "name": "王五"}, {"role": "respondent", "name": "赵六"}],
    }, content_type="application/json")
    assert r.status_code == 201, r.content
    uuid = r.json()["uuid"]
    assert r.json()["state"] == "received" and r.json()["allowed"] == ["screen"]
    assert c.post(f"{URL}/cases/{uuid}/screen", {}, content_type="application/json").status_code == 200
    case = services.CourtCase.objects.get(uuid=uuid)
    for party in case.dispute.parties.all():
        r = c.post(f"{URL}/cases/{uuid}/consents", {"party": party.pk, "consents": True},
                   content_type="application/json")
        assert r.status_code == 200
    r = c.post(f"{URL}/cases/{uuid}/delegate", {"organisation": "mediation-centre"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["number"].startswith("（2")
    r = c.get(f"{URL}/cases/{uuid}/recommendations")
    assert {m["username"] for m in r.json()} == {"med_a", "med_b"}
    r = c.post(f"{URL}/cases/{uuid}/mediator", {"mediator": "med_a"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "mediator_assigned"
    assert [d["kind"] for d in r.json()["deadlines"]][-1] == "court.mediator_accept"
    m = client_for(court.mediator)
    assert m.post(f"{URL}/cases/{uuid}/accept").json()["state"] == "in_mediation"
    assert client_for(court.other_mediator).get(f"{URL}/cases/{uuid}").status_code == 404
    assert client_for(court.other_mediator).get(f"{URL}/cases").json()["items"] == []


def test_unknown_field_and_bad_court(court):
    c = client_for(court.clerk)
    r = c.post(f"{URL}/cases", {"court": "mediation-centre", "title": "t", "facts": "f", "claim": "c",
                                "category": "contract", "jurisdiction": "520204104001", "received_on": "2024-06-03",
                                "parties": [{"role": "applicant", "name": "甲"}], "typo": 1},
               content_type="application/json")
    assert r.status_code == 422


def test_late_confirmation_is_refused_with_code(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    services.succeed_mediation(case=case, agreed_terms="分期付款", agreement_effective_on=date(2024, 3, 11),
                               by=court.mediator, now=at(date(2024, 3, 11)))
    ids = list(case.dispute.parties.values_list("pk", flat=True))
    c = client_for(court.clerk)
    r = c.post(f"{URL}/cases/{case.uuid}/confirmation", {"applicants": ids, "applied_on": "2024-04-11"},
               content_type="application/json")
    assert r.status_code == 400
    assert r.json()["errors"]["applied_on"][0]["code"] == "confirmation_out_of_time"
    r = c.post(f"{URL}/cases/{case.uuid}/confirmation", {"applicants": ids, "applied_on": "2024-04-10"},
               content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "confirmation_applied"
    r = client_for(court.judge).post(f"{URL}/cases/{case.uuid}/ruling",
                                     {"confirmed": True, "ruled_on": "2024-04-15"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["outcome"] == "judicial_confirmation"
