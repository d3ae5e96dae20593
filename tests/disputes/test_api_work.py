"""/api/v1/disputes/{uuid}/…: the work endpoints — one walk from grading to follow-up, and the
refusals (400 not allowed from this state, 409 stale state, 403/404 scope, 422 bad fields)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from docx import Document

from .conftest import new_dispute, person, valid_id

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post(c, dispute, path, **body):
    return c.post(f"/api/v1/disputes/{dispute.uuid}/{path}", body, content_type="application/json")


def test_walk_through_the_api(org, categories):
    vm, town = client_for(org.village_mediator_a), client_for(org.township_official)
    d = new_dispute(org, categories, facts="李四扬言报复")
    r = post(vm, d, "grade", expected_state="received")
    assert r.status_code == 200, r.json()
    assert r.json()["grade"] == "red" and r.json()["grading"]["fired"][0]["id"] == "violence"
    r = post(vm, d, "grade/override", grade="yellow", reason="已当面化解情绪")
    assert r.json()["grade"] == "yellow" and r.json()["grading"]["kind"] == "override"
    r = post(town, d, "route")
    assert r.status_code == 200 and r.json()["routing"]["lead"] == "ps-shaomi"
    r = post(town, d, "tier", to_tier="blue", reason="事态平息")
    assert r.json()["routing"]["lead"] == "mc-v-shaomi-cun"
    assert post(vm, d, "accept", expected_state="routed").status_code == 200
    r = post(vm, d, "sessions", held_at=timezone.now().isoformat(), mode="online", attendees="张三、李四")
    assert r.json()["state"] == "mediating"
    today = timezone.localdate()
    r = post(vm, d, "agreement", agreed_on=today.isoformat(), facts="f", disputed_matters="m", responsibility="r",
             terms="李四赔偿张三伍佰元", performance_method="现金", performance_deadline=(today + timedelta(days=3)).isoformat())
    assert r.status_code == 200 and r.json()["agreement"]["number"]
    for party in d.parties.all():
        post(vm, d, "agreement/signatures", role="party", party=party.pk)
    post(vm, d, "agreement/signatures", role="mediator")
    r = post(vm, d, "agreement/signatures", role="seal")
    assert r.json()["agreement"]["effective_at"] is not None
    docx = vm.get(f"/api/v1/disputes/{d.uuid}/agreement.docx")
    assert docx.status_code == 200
    assert "李四赔偿张三伍佰元" in "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert post(vm, d, "close").status_code == 200
    r = post(vm, d, "follow-up", method="visit", satisfaction="satisfied")
    assert r.json()["state"] == "followed_up"
    assert [t["name"] for t in r.json()["timeline"]] == [
        "grade", "route", "deescalate", "accept", "start_mediation", "agree", "close", "follow_up"]


def test_api_refusals(org, categories):
    vm = client_for(org.village_mediator_a)
    d = new_dispute(org, categories)
    r = post(vm, d, "accept")
    assert r.status_code == 400 and "不能执行" in r.json()["detail"]
    r = post(vm, d, "grade", expected_state="graded")
    assert r.status_code == 409
    r = post(vm, d, "grade/override", grade="red", reason="x", surprise=1)
    assert r.status_code == 422
    assert post(client_for(org.village_mediator_b), d, "grade").status_code == 404
    assert post(client_for(org.district_leader), d, "grade").status_code == 403
    post(vm, d, "grade")
    r = post(vm, d, "grade/override", grade="red", reason="")
    assert r.status_code == 422 and "reason" in r.json()["errors"]
    r = post(vm, d, "referrals", recipient="no-such-agency", request="x")
    assert r.status_code == 422 and "recipient" in r.json()["errors"]
    r = post(vm, d, "referrals", recipient="gov-shaomi", request="请协调")
    assert r.status_code == 200 and r.json()["referrals"][0]["reply_due"]


def test_decline_fail_and_outcome_through_the_api(org, categories):
    """The endpoints the walk above does not take: each passes its fields to its service."""
    vm, town = client_for(org.village_mediator_a), client_for(org.township_official)

    def at_the_village(n: int):
        # Other people each time: disputes between the same parties grade higher.
        d = new_dispute(org, categories, parties=[person(f"张{n}", id_number=valid_id(10 + n)),
                                                  person(f"李{n}", role="respondent")])
        post(vm, d, "grade")
        assert post(town, d, "route").json()["routing"]["lead"] == "mc-v-shaomi-cun"
        return d

    d = at_the_village(1)
    assert post(vm, d, "decline", reason="").status_code == 422
    r = post(vm, d, "decline", expected_state="routed", reason="不属本委员会")
    assert r.status_code == 200 and r.json()["state"] == "declined"
    assert r.json()["timeline"][-1]["reason"] == "不属本委员会"

    d = at_the_village(2)
    post(vm, d, "accept")
    post(vm, d, "sessions", held_at=timezone.now().isoformat(), mode="phone", attendees="张三、李四")
    r = post(vm, d, "fail", reason="被申请人不同意", undisputed_facts="借款属实")
    assert r.status_code == 200 and r.json()["state"] == "failed"
    assert r.json()["outcomes"][-1]["reason"] == "被申请人不同意"

    d = at_the_village(3)
    post(vm, d, "accept")
    post(vm, d, "sessions", held_at=timezone.now().isoformat(), mode="phone", attendees="张三、李四")
    r = post(vm, d, "outcome", kind="withdrawn", decided_on=timezone.localdate().isoformat(), reason="申请人撤回")
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    assert r.json()["outcomes"][-1]["kind"] == "withdrawn"
