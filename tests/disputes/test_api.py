from __future__ import annotations

import pytest
from django.test import Client

from pingan.core.models import AuditEntry
from pingan.disputes import services
from pingan.disputes.models import Dispute, Party

from .conftest import dispute_data, person, valid_id

pytestmark = pytest.mark.django_db
URL = "/api/v1/disputes/"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def body(**overrides):
    data = {
        "title": "拖欠工资纠纷",
        "facts": "某建筑公司拖欠王五等 12 人工资共计 8 万元。",
        "category": "labour_wages",
        "amount": "80000.00",
        "jurisdiction": "520204104001",
        "parties": [
            {"role": "applicant", "name": "王五", "id_number": valid_id(7), "phone": "13700000007"},
            {"role": "respondent", "kind": "organisation", "name": "某建筑公司"},
        ],
    }
    data.update(overrides)
    return data


def test_create_then_detail_masks_id_number(org):
    c = client_for(org.village_mediator_a)
    r = c.post(URL, body(), content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["state"] == "received" and out["category"] == "labour_wages" and out["source"] == "api"
    wang = out["parties"][0]
    assert wang["masked"] and wang["id_number"] == "520204********" + valid_id(7)[-4:]
    assert wang["phone"] == "137****0007"
    assert Dispute.objects.get(uuid=out["uuid"]).created_by == org.village_mediator_a


def test_unknown_field_and_bad_values_give_field_errors(org):
    c = client_for(org.village_mediator_a)
    r = c.post(URL, body(colour="red"), content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"]["colour"][0]["code"] == "extra_forbidden"
    bad_party = body(parties=[{"role": "applicant", "name": "王五", "id_number": "520204198001010015"}])
    r = c.post(URL, bad_party, content_type="application/json")
    assert r.status_code == 422
    assert "parties.0.id_number" in r.json()["errors"]
    r = c.post(URL, body(amount="-3"), content_type="application/json")
    assert r.status_code == 422 and "amount" in r.json()["errors"]
    r = c.post(URL, body(category="astrology", jurisdiction="999999999999"), content_type="application/json")
    assert r.status_code == 422 and set(r.json()["errors"]) == {"category", "jurisdiction"}
    r = c.post(URL, "{not json", content_type="application/json")
    assert r.status_code in (400, 422)
    assert Dispute.objects.count() == 0 and Party.objects.count() == 0


def test_create_outside_scope_is_refused(org):
    c = client_for(org.village_mediator_a)
    r = c.post(URL, body(jurisdiction=org.village_c.code), content_type="application/json")
    assert r.status_code == 403
    r = client_for(org.outsider).post(URL, body(), content_type="application/json")
    assert r.status_code == 403
    assert Dispute.objects.count() == 0


def test_list_is_scoped_filtered_and_paginated(org, categories, django_assert_max_num_queries):
    a = services.create_dispute(data=dispute_data(org, categories), parties=[person("张三")], by=None, source="web")
    b = services.create_dispute(
        data=dispute_data(org, categories, jurisdiction=org.village_b, title="新寨村山林纠纷", category=categories["land_forest_rights"]),
        parties=[person("赵六")], by=None, source="web",
    )
    c_ = services.create_dispute(
        data=dispute_data(org, categories, jurisdiction=org.village_c, title="蟠龙村交通事故"),
        parties=[person("孙七")], by=None, source="police",
    )
    r = client_for(org.village_mediator_a).get(URL)
    assert [i["uuid"] for i in r.json()["items"]] == [str(a.uuid)]
    leader = client_for(org.district_leader)
    with django_assert_max_num_queries(8):
        r = leader.get(URL)
    assert r.json()["count"] == 3
    r = leader.get(URL, {"jurisdiction": org.shaomi.code})
    assert {i["uuid"] for i in r.json()["items"]} == {str(a.uuid), str(b.uuid)}
    r = leader.get(URL, {"category": "land_forest_rights"})
    assert [i["uuid"] for i in r.json()["items"]] == [str(b.uuid)]
    r = leader.get(URL, {"q": "赵六"})
    assert [i["uuid"] for i in r.json()["items"]] == [str(b.uuid)]
    r = leader.get(URL, {"source": "police", "state": "received"})
    assert [i["uuid"] for i in r.json()["items"]] == [str(c_.uuid)]
    r = leader.get(URL, {"page_size": 2, "page": 2})
    assert r.json()["count"] == 3 and len(r.json()["items"]) == 1
    r = leader.get(URL, {"jurisdiction": "520204999999"})
    assert r.status_code == 422 and "jurisdiction" in r.json()["errors"]
    r = leader.get(URL, {"received_from": "2023-02-30"})
    assert r.status_code == 422 and "received_from" in r.json()["errors"]
    r = leader.get(URL, {"grade": "purple"})
    assert r.status_code == 422


def test_detail_404_outside_scope_and_reveal_is_audited(org, categories):
    d = services.create_dispute(
        data=dispute_data(org, categories, handling_agency=org.committee_a),
        parties=[person("张三", id_number=valid_id(9))], by=None, source="web",
    )
    assert client_for(org.village_mediator_b).get(f"{URL}{d.uuid}").status_code == 404
    assert client_for(org.village_mediator_b).get(f"{URL}00000000-0000-0000-0000-000000000000").status_code == 404
    # the district leader sees the dispute, masked even when asking to reveal
    r = client_for(org.district_leader).get(f"{URL}{d.uuid}", {"reveal": "true"})
    assert r.status_code == 200 and r.json()["parties"][0]["masked"]
    assert not AuditEntry.objects.filter(action="view_sensitive").exists()
    # the handling committee's mediator may reveal, and the view is audited
    r = client_for(org.village_mediator_a).get(f"{URL}{d.uuid}", {"reveal": "true"})
    party = r.json()["parties"][0]
    assert not party["masked"] and party["id_number"] == valid_id(9)
    entry = AuditEntry.objects.get(action="view_sensitive")
    assert entry.actor == org.village_mediator_a and entry.object_id == str(d.pk)


def test_categories_endpoint(org):
    r = client_for(org.village_mediator_a).get(f"{URL}categories")
    assert r.status_code == 200 and len(r.json()) == 13


def test_search_matches_exact_id_number_through_blind_index(org, categories):
    d = services.create_dispute(
        data=dispute_data(org, categories), parties=[person("张三", id_number=valid_id(11))], by=None, source="web"
    )
    r = client_for(org.district_leader).get(URL, {"q": valid_id(11).lower()})
    assert [i["uuid"] for i in r.json()["items"]] == [str(d.uuid)]
    r = client_for(org.district_leader).get(URL, {"q": valid_id(11)[:10]})
    assert r.json()["count"] == 0  # partial ID numbers are not searchable: they are encrypted
