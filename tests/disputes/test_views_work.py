"""Work pages: buttons computed from allowed transitions, each action through its form, clear
400/403/409 refusals, documents downloaded, the work queue per role."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from pingan.disputes import services
from pingan.disputes.models import Dispute, Routing

from .conftest import mediating_dispute, new_dispute, routed_dispute

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def act(client, dispute, action, **data):
    data.setdefault("seen_state", Dispute.objects.get(pk=dispute.pk).state)
    return client.post(reverse("disputes:act", args=[dispute.uuid, action]), data)


def test_detail_shows_only_allowed_buttons(org, categories):
    dispute = new_dispute(org, categories)
    url = reverse("disputes:detail", args=[dispute.uuid])
    page = client_for(org.village_mediator_a).get(url).content.decode()
    assert "按规则定级" in page and "办理过程" in page
    assert "受理</button>" not in page
    page = client_for(org.district_leader).get(url).content.decode()
    assert "按规则定级" not in page  # the leader views, does not grade


def test_walk_through_pages(org, categories, township_official):
    vm = client_for(org.village_mediator_a)
    dispute = new_dispute(org, categories)
    assert act(vm, dispute, "grade").status_code == 302
    assert act(client_for(org.township_official), dispute, "route").status_code == 302
    assert act(vm, dispute, "accept").status_code == 302
    now = timezone.localtime()
    response = act(vm, dispute, "session", held_at=now.strftime("%Y-%m-%dT%H:%M"), mode="in_person",
                   place="勺米村委会", attendees="张三、李四", minutes="双方陈述")
    assert response.status_code == 302, response.content.decode()[:500]
    today = timezone.localdate()
    response = act(vm, dispute, "agreement", agreed_on=today.isoformat(), facts="界址争执", disputed_matters="排水沟",
                   responsibility="李四主要责任", terms="李四赔偿贰仟元", performance_method="现金",
                   performance_deadline=(today + timedelta(days=5)).isoformat(), copies="3")
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == "agreed"
    agreement = dispute.agreements.get()
    for p in dispute.parties.all():
        vm.post(reverse("disputes:agreement_sign", args=[dispute.uuid, agreement.pk]), {"role": "party", "party": p.pk})
    vm.post(reverse("disputes:agreement_sign", args=[dispute.uuid, agreement.pk]), {"role": "mediator"})
    vm.post(reverse("disputes:agreement_sign", args=[dispute.uuid, agreement.pk]), {"role": "seal"})
    agreement.refresh_from_db()
    assert agreement.effective_at is not None
    docx = vm.get(reverse("disputes:agreement_download", args=[dispute.uuid, agreement.pk, "docx"]))
    assert docx.status_code == 200 and "attachment" in docx["Content-Disposition"]
    assert "李四赔偿贰仟元" in "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert vm.get(reverse("disputes:agreement_download", args=[dispute.uuid, agreement.pk, "exe"])).status_code == 404
    assert act(vm, dispute, "close").status_code == 302
    response = act(vm, dispute, "follow_up", method="phone", satisfaction="satisfied", notes="已履行")
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == "followed_up"
    page = vm.get(reverse("disputes:detail", args=[dispute.uuid])).content.decode()
    for label in ("定级", "分流", "受理", "开始调解", "达成协议", "办结", "回访", "满意"):
        assert label in page


def test_stale_page_gets_409_and_wrong_state_400(org, categories):
    vm = client_for(org.village_mediator_a)
    dispute = new_dispute(org, categories)
    response = act(vm, dispute, "grade", seen_state="graded")
    assert response.status_code == 409
    assert "已被他人改变" in response.content.decode()
    assert Dispute.objects.get(pk=dispute.pk).state == "received"
    response = act(vm, dispute, "accept")  # not routed yet
    assert response.status_code == 400
    assert "不能执行" in response.content.decode()


def test_two_users_at_once_second_gets_409(org, categories):
    dispute = routed_dispute(org, categories)
    first, second = client_for(org.village_mediator_a), client_for(org.court_clerk)
    seen = "routed"
    assert act(first, dispute, "accept", seen_state=seen).status_code == 302
    response = act(second, dispute, "decline", seen_state=seen, reason="不属本单位")
    assert response.status_code == 409
    assert Routing.objects.get(dispute=dispute).status == "accepted"


def test_bad_form_input_and_forbidden(org, categories):
    dispute = mediating_dispute(org, categories)
    vm = client_for(org.village_mediator_a)
    before = (timezone.localdate() - timedelta(days=400)).isoformat()
    response = act(vm, dispute, "agreement", agreed_on=before, facts="x", disputed_matters="x", responsibility="x",
                   terms="x", performance_method="x", performance_deadline=timezone.localdate().isoformat(), copies="3")
    assert response.status_code == 400
    assert "早于纠纷受理日期" in response.content.decode()
    response = act(vm, dispute, "fail", reason="")
    assert response.status_code == 400
    assert act(client_for(org.village_mediator_b), dispute, "fail", reason="x").status_code == 404  # not visible
    leader = client_for(org.district_leader)
    assert act(leader, dispute, "fail", reason="x").status_code == 403
    assert Dispute.objects.get(pk=dispute.pk).state == "mediating"


def test_work_queue_per_role(org, categories):
    waiting = routed_dispute(org, categories)
    mediating = mediating_dispute(org, categories, title="调解中的纠纷")
    ungraded = new_dispute(org, categories, title="待定级纠纷")
    page = client_for(org.village_mediator_a).get(reverse("disputes:work")).content.decode()
    assert waiting.title in page and mediating.title in page and ungraded.title in page
    other = client_for(org.village_mediator_b).get(reverse("disputes:work")).content.decode()
    assert "调解中的纠纷" not in other and "待定级纠纷" not in other
    services.record_outcome(dispute=mediating, kind="reconciled", decided_on=timezone.localdate(),
                            by=org.village_mediator_a)
    follow_up = services.close_dispute(dispute=mediating, by=org.village_mediator_a)
    follow_up.due_on = timezone.localdate()
    follow_up.save()
    page = client_for(org.village_mediator_a).get(reverse("disputes:work")).content.decode()
    assert "到期回访" in page and page.count("调解中的纠纷") == 1
