"""/api/v1/disputes/{uuid}/…: the work endpoints — one walk from grading to follow-up, and the
refusals (400 not allowed from this state, 409 stale state, 403/404 scope, 422 bad fields)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from docx import Document

from .conftest import new_dispute

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
