"""Referral letters with reply deadlines and one overdue reminder; closure, follow-up visits and
reopening a dispute that flared up again."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from docx import Document

from pingan.core.models import Deadline, OutboxEvent
from pingan.disputes import services
from pingan.disputes.followups import follow_ups_due
from pingan.disputes.models import Dispute, FollowUp, Referral
from pingan.disputes.referrals import letter_document, remind_overdue
from pingan.orgs.demo import ensure_agency

from .conftest import mediating_dispute, new_dispute

pytestmark = pytest.mark.django_db


def refer(org, categories, **kw):
    dispute = new_dispute(org, categories, **kw)
    services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    recipient = ensure_agency("gov-shaomi")
    referral = services.refer_dispute(dispute=dispute, recipient=recipient, request="请镇政府协调征地补偿标准问题。",
                                      contact="龙光明 138****0000", by=org.village_mediator_a)
    return dispute, referral


def test_referral_letter_with_reply_deadline(org, categories):
    dispute, referral = refer(org, categories)
    dispute.refresh_from_db()
    assert dispute.state == "referred"
    assert referral.sender.code == "mc-v-shaomi-cun"
    assert referral.letter_number.endswith(f"函〔{timezone.now().year}〕1号")
    deadline = referral.deadline
    assert (deadline.kind, deadline.unit, deadline.amount, deadline.status) == (
        "disputes.referral_reply", "working_days", 10, "running")
    assert deadline.due > referral.sent_at + timedelta(days=10)  # ten working days span two weekends
    text = "\n".join(p.text for p in Document(io.BytesIO(letter_document(referral=referral))).paragraphs)
    assert "中共勺米镇委员会、勺米镇人民政府：" in text
    assert "请镇政府协调征地补偿标准问题。" in text and referral.letter_number in text
    assert "张三" in text


def test_reply_completes_the_deadline_then_the_dispute_closes(org, categories):
    dispute, referral = refer(org, categories)
    with pytest.raises(ValidationError):
        services.record_reply(referral=referral, reply="", by=org.village_mediator_a)
    services.record_reply(referral=referral, reply="已协调，补偿标准按县文件执行。", by=org.village_mediator_a)
    referral.refresh_from_db()
    assert referral.replied_at and Deadline.objects.get(pk=referral.deadline_id).status == "met"
    with pytest.raises(ValidationError):
        services.record_reply(referral=referral, reply="again", by=org.village_mediator_a)
    services.close_dispute(dispute=dispute, by=org.village_mediator_a)
    assert Dispute.objects.get(pk=dispute.pk).state == "closed"


def test_overdue_reply_is_reminded_once(org, categories):
    _, late = refer(org, categories)
    _, on_time = refer(org, categories, title="第二起")
    Deadline.objects.filter(pk=late.deadline_id).update(due=timezone.now() - timedelta(hours=1))
    assert remind_overdue() == [late.pk]
    assert remind_overdue() == []
    assert remind_overdue(now=timezone.now() + timedelta(minutes=1)) == []
    assert OutboxEvent.objects.filter(topic="disputes.referral.overdue").count() == 1
    assert Referral.objects.get(pk=on_time.pk).reminded_at is None


def test_refer_denied_outside_scope(org, categories):
    dispute = new_dispute(org, categories)
    with pytest.raises(PermissionDenied):
        services.refer_dispute(dispute=dispute, recipient=ensure_agency("gov-shaomi"), request="x",
                               by=org.village_mediator_b)
    assert not Referral.objects.exists()


def closed_dispute(org, categories, **kw):
    dispute = mediating_dispute(org, categories, **kw)
    services.record_outcome(dispute=dispute, kind="performed", decided_on=timezone.localdate(),
                            by=org.village_mediator_a, reason="当场支付")
    follow_up = services.close_dispute(dispute=dispute, by=org.village_mediator_a)
    return dispute, follow_up


def test_close_schedules_follow_up_after_the_configured_delay(org, categories):
    from pingan.core.settings_store import set_setting

    set_setting(key="disputes.follow_up_delay_days", value=3, by=None)
    dispute, follow_up = closed_dispute(org, categories)
    assert follow_up.due_on == timezone.localdate() + timedelta(days=3)
    assert list(follow_ups_due()) == []
    assert list(follow_ups_due(on=follow_up.due_on)) == [follow_up]


def test_follow_up_records_satisfaction(org, categories):
    dispute, follow_up = closed_dispute(org, categories)
    with pytest.raises(ValidationError) as exc:
        services.record_follow_up(dispute=dispute, method="", satisfaction="great", by=org.village_mediator_a)
    assert set(exc.value.message_dict) == {"method", "satisfaction"}
    services.record_follow_up(dispute=dispute, method="phone", satisfaction="basically", notes="协议已履行",
                              by=org.village_mediator_a)
    follow_up.refresh_from_db()
    assert (follow_up.method, follow_up.satisfaction, follow_up.done_by) == ("phone", "basically", org.village_mediator_a)
    assert Dispute.objects.get(pk=dispute.pk).state == "followed_up"
    with pytest.raises(ValidationError):  # no second visit pending
        services.record_follow_up(dispute=dispute, method="phone", satisfaction="satisfied", by=org.village_mediator_a)


def test_flare_up_reopens_and_regrades(org, categories):
    dispute, _ = closed_dispute(org, categories)
    services.record_follow_up(dispute=dispute, method="visit", satisfaction="dissatisfied", flared_up=True,
                              notes="李四又堵了排水沟，扬言报复", by=org.village_mediator_a)
    dispute.refresh_from_db()
    assert dispute.state == "graded" and dispute.handling_agency is None
    assert dispute.gradings.first().kind == "rules"
    from pingan.core.workflow import history

    assert [t.name for t in history(dispute)][-3:] == ["follow_up", "reopen", "grade"]
    assert FollowUp.objects.filter(dispute=dispute, flared_up=True).count() == 1
