"""Mediation: sessions, outcomes, the written agreement (DOCX/PDF with Art. 29 content),
signatures, failure with the court hook, bad dates and concurrent actions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from pingan.core.errors import ApplicationError, ConflictError
from pingan.core.models import AuditEntry, OutboxEvent
from pingan.disputes import services
from pingan.disputes.mediation import agreement_document, missing_signatures
from pingan.disputes.models import Agreement, Dispute, Outcome, Signature

from .conftest import mediating_dispute, routed_dispute, valid_id

pytestmark = pytest.mark.django_db

TERMS = {
    "facts": "张三与李四因宅基地界址发生争执，双方多次口角。",
    "disputed_matters": "两家房屋之间排水沟的归属及走向。",
    "responsibility": "李四擅自改道排水沟，负主要责任；张三言语过激，负次要责任。",
    "terms": "一、排水沟按原走向恢复；二、李四赔偿张三损失人民币贰仟元。",
    "performance_method": "现金当面支付，村调委会见证",
}


def agreement_data(**extra):
    today = timezone.localdate()
    return {**TERMS, "agreed_on": today, "performance_deadline": today + dt.timedelta(days=10), **extra}


def test_first_session_starts_mediation(org, categories):
    dispute = mediating_dispute(org, categories)
    assert dispute.state == "mediating"
    assert dispute.sessions.count() == 1
    session = dispute.sessions.get()
    assert session.mediator == org.village_mediator_a and session.place == "勺米村委会"


def test_session_needs_a_place_unless_online_and_not_before_intake(org, categories):
    dispute = routed_dispute(org, categories)
    services.accept_routing(dispute=dispute, by=org.village_mediator_a)
    base = {"held_at": timezone.now(), "attendees": "双方"}
    with pytest.raises(ValidationError):
        services.add_session(dispute=dispute, by=org.village_mediator_a, data={**base, "mode": "in_person", "place": ""})
    with pytest.raises(ValidationError) as exc:
        services.add_session(dispute=dispute, by=org.village_mediator_a,
                             data={**base, "mode": "online", "held_at": dispute.received_at - dt.timedelta(days=1)})
    assert "held_at" in exc.value.message_dict
    dispute.refresh_from_db()
    assert dispute.state == "accepted"  # nothing half-written
    services.add_session(dispute=dispute, by=org.village_mediator_a, data={**base, "mode": "online"})


def test_agreement_docx_and_pdf_carry_the_article_29_content(org, categories):
    dispute = mediating_dispute(org, categories)
    agreement = services.create_agreement(dispute=dispute, data=agreement_data(), by=org.village_mediator_a)
    dispute.refresh_from_db()
    assert dispute.state == "agreed"
    assert agreement.committee.code == "mc-v-shaomi-cun"
    assert agreement.number.startswith(f"（{timezone.localdate().year}）") and agreement.number.endswith("调字第1号")
    assert agreement.outcome.kind == "agreement"

    docx = agreement_document(agreement=agreement, by=org.village_mediator_a, fmt="docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    for needle in ("人民调解协议书", agreement.number, "申请人：张三", valid_id(1), "被申请人：李四",
                   TERMS["facts"], TERMS["disputed_matters"], TERMS["responsibility"], TERMS["terms"],
                   TERMS["performance_method"], "勺米村人民调解委员会"):
        assert needle in text, needle
    assert AuditEntry.objects.filter(action="view_sensitive", object_id=str(dispute.pk)).exists()

    pdf = agreement_document(agreement=agreement, by=org.village_mediator_a, fmt="pdf")
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "").replace("\n", "")
    assert "人民调解协议书" in pdf_text
    assert "李四赔偿张三损失人民币贰仟元" in pdf_text
    assert "张三" in pdf_text and "勺米村人民调解委员会" in pdf_text


def test_signatures_make_the_agreement_effective(org, categories):
    dispute = mediating_dispute(org, categories)
    agreement = services.create_agreement(dispute=dispute, data=agreement_data(), by=org.village_mediator_a)
    zhang, li = list(dispute.parties.all())
    assert len(missing_signatures(agreement)) == 4
    services.sign_agreement(agreement=agreement, role="party", party=zhang, by=org.village_mediator_a)
    with pytest.raises(ValidationError):
        services.sign_agreement(agreement=agreement, role="party", party=zhang, by=org.village_mediator_a)
    services.sign_agreement(agreement=agreement, role="party", party=li, by=org.village_mediator_a)
    services.sign_agreement(agreement=agreement, role="mediator", by=org.village_mediator_a)
    agreement.refresh_from_db()
    assert agreement.effective_at is None
    services.sign_agreement(agreement=agreement, role="seal", by=org.village_mediator_a)
    agreement.refresh_from_db()
    assert agreement.effective_at is not None
    assert OutboxEvent.objects.filter(topic="disputes.agreement.effective", payload__agreement=agreement.pk).count() == 1
    text = "\n".join(p.text for p in Document(io.BytesIO(
        agreement_document(agreement=agreement, by=org.village_mediator_a))).paragraphs)
    assert "（已盖章）" in text and "张三（" in text
    assert Signature.objects.filter(agreement=agreement).count() == 4


def test_agreement_dated_before_intake_or_deadline_before_agreement_is_refused(org, categories):
    dispute = mediating_dispute(org, categories)
    before = dispute.received_at.date() - dt.timedelta(days=3)
    with pytest.raises(ValidationError) as exc:
        services.create_agreement(dispute=dispute, data=agreement_data(agreed_on=before), by=org.village_mediator_a)
    assert "早于纠纷受理日期" in exc.value.message_dict["agreed_on"][0]
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.create_agreement(
            dispute=dispute, data=agreement_data(performance_deadline=today - dt.timedelta(days=1)),
            by=org.village_mediator_a,
        )
    assert "performance_deadline" in exc.value.message_dict
    assert not Agreement.objects.filter(dispute=dispute).exists()
    assert not Outcome.objects.filter(dispute=dispute).exists()
    assert Dispute.objects.get(pk=dispute.pk).state == "mediating"


def test_outcomes_without_written_agreement(org, categories):
    oral = mediating_dispute(org, categories)
    with pytest.raises(ValidationError):
        services.record_outcome(dispute=oral, kind="oral_agreement", decided_on=timezone.localdate(),
                                by=org.village_mediator_a)
    services.record_outcome(dispute=oral, kind="oral_agreement", decided_on=timezone.localdate(),
                            content="李四当场赔礼道歉，双方同意排水沟恢复原状。", by=org.village_mediator_a)
    assert Dispute.objects.get(pk=oral.pk).state == "agreed"
    withdrawn = mediating_dispute(org, categories, title="撤回的纠纷")
    services.record_outcome(dispute=withdrawn, kind="withdrawn", decided_on=timezone.localdate(),
                            reason="申请人撤回", by=org.village_mediator_a)
    assert Dispute.objects.get(pk=withdrawn.pk).state == "withdrawn"
    with pytest.raises(ValidationError):
        services.record_outcome(dispute=withdrawn, kind="failed", decided_on=timezone.localdate(), by=org.village_mediator_a)


def test_failure_needs_a_reason_and_leaves_the_court_hook(org, categories):
    dispute = mediating_dispute(org, categories)
    with pytest.raises(ValidationError):
        services.fail_mediation(dispute=dispute, reason=" ", by=org.village_mediator_a)
    services.fail_mediation(dispute=dispute, reason="被申请人拒不到场", undisputed_facts="双方对界址位置无争议",
                            by=org.village_mediator_a)
    dispute.refresh_from_db()
    assert dispute.state == "failed"
    event = OutboxEvent.objects.get(topic="disputes.dispute.failed")
    assert event.payload["uuid"] == str(dispute.uuid)
    assert event.payload["reason"] == "被申请人拒不到场"
    assert event.payload["undisputed_facts"] == "双方对界址位置无争议"


def test_not_allowed_from_current_state_is_a_clear_error(org, categories):
    dispute = routed_dispute(org, categories)  # not yet accepted
    with pytest.raises(ApplicationError) as exc:
        services.create_agreement(dispute=dispute, data=agreement_data(), by=org.village_mediator_a)
    assert exc.value.code == "transition_not_allowed" and "已分流" in exc.value.message
    with pytest.raises(ApplicationError):
        services.add_session(dispute=dispute, by=org.village_mediator_a,
                             data={"held_at": timezone.now(), "mode": "phone", "attendees": "双方"})


def test_two_users_acting_at_once_conflict(org, categories):
    dispute = mediating_dispute(org, categories)
    stale = Dispute.objects.get(pk=dispute.pk)
    services.fail_mediation(dispute=dispute, reason="调解不成", by=org.village_mediator_a)
    from pingan.core.workflow import transition

    with pytest.raises(ConflictError):
        transition(obj=stale, name="agree", by=org.village_mediator_a)
