"""The dispute follows its court case through the outbox (court.courtcase.* → pingan/court/link.py
→ the disputes workflow's court_* system moves), idempotent under redelivery."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pingan.core.models import OutboxEvent, Transition
from pingan.core.outbox import drain
from pingan.court import services
from pingan.court.handlers import on_court_case_event
from pingan.court.models import CourtCase
from pingan.disputes.followups import record_follow_up
from pingan.disputes.models import Dispute, FollowUp

from .conftest import consent_all, new_case

pytestmark = pytest.mark.django_db


def dispute_state(case: CourtCase) -> str:
    drain(batch=1000)
    return Dispute.objects.get(pk=case.dispute_id).state


def redeliver_all() -> None:
    """Every court event handled again (a worker that died after the handlers ran)."""
    for event in OutboxEvent.objects.filter(topic__startswith="court.courtcase.").order_by("pk"):
        on_court_case_event(event)


def dispute_log(case: CourtCase) -> list[tuple[str, str]]:
    return list(Transition.objects.filter(workflow="disputes.dispute", object_id=str(case.dispute_id))
                .order_by("pk").values_list("name", "to_state"))


def in_mediation(court) -> CourtCase:
    case = consent_all(court, new_case(court))
    assert dispute_state(case) == "received"
    services.delegate_case(case=case, organisation=court.centre, by=court.clerk)
    assert dispute_state(case) == "accepted"
    services.assign_mediator(case=case, mediator=court.mediator, by=court.clerk)
    assert dispute_state(case) == "accepted"
    services.accept_delegation(case=case, by=court.mediator)
    assert dispute_state(case) == "mediating"
    return case


def test_judicial_confirmation_closes_the_dispute_and_schedules_its_follow_up(court):
    case = in_mediation(court)
    today = timezone.localdate()
    services.succeed_mediation(case=case, agreed_terms="分期付款", agreement_effective_on=today, by=court.mediator)
    assert dispute_state(case) == "agreed"
    services.apply_for_confirmation(case=case, applicants=case.dispute.parties.all(), applied_on=today, by=court.clerk)
    assert dispute_state(case) == "agreed"
    services.rule_on_confirmation(case=case, confirmed=True, ruled_on=today, by=court.judge)
    assert dispute_state(case) == "closed"
    assert FollowUp.objects.filter(dispute=case.dispute_id, done_at__isnull=True).count() == 1
    log = dispute_log(case)
    assert log == [("court_accept", "accepted"), ("court_mediate", "mediating"), ("court_agree", "agreed"),
                   ("court_close", "closed")]
    entry = Transition.objects.filter(workflow="disputes.dispute", name="court_close").get()
    assert entry.by is None and entry.data == {"court_case": case.pk, "court_state": "confirmed"}

    # redelivery moves nothing and schedules no second visit
    redeliver_all()
    drain(batch=1000)
    assert dispute_log(case) == log
    assert FollowUp.objects.filter(dispute=case.dispute_id).count() == 1

    # once the dispute has moved on by its own workflow, old court events never pull it back
    record_follow_up(dispute=case.dispute, method="phone", satisfaction="satisfied", by=court.clerk)
    redeliver_all()
    assert Dispute.objects.get(pk=case.dispute_id).state == "followed_up"


def test_failed_mediation_returns_the_dispute_for_filing(court):
    case = in_mediation(court)
    services.fail_mediation(case=case, reason="被告不同意", undisputed_facts="欠款属实", disputed_matters="利息",
                            by=court.mediator)
    assert dispute_state(case) == "returned_for_filing"
    # "fail" and "return_for_filing" arrived together: the handler reads the case's current
    # state, so the dispute went straight there
    assert dispute_log(case)[-1] == ("court_return", "returned_for_filing")
    redeliver_all()
    assert dispute_log(case)[-1] == ("court_return", "returned_for_filing")
    assert len(dispute_log(case)) == 3


def test_a_refusal_returns_the_dispute_for_filing(court):
    case = new_case(court)
    services.screen_case(case=case, by=court.clerk)
    party = case.dispute.parties.first()
    services.record_consent(case=case, party=party, consents=False, note="要求直接立案", by=court.clerk)
    assert dispute_state(case) == "returned_for_filing"
    assert dispute_log(case) == [("court_return", "returned_for_filing")]


def test_resolution_and_mediation_document_close_the_dispute(court):
    resolved = in_mediation(court)
    today = timezone.localdate()
    services.succeed_mediation(case=resolved, agreed_terms="当场付清", agreement_effective_on=today, by=court.mediator)
    services.record_resolution(case=resolved, outcome="performed", by=court.mediator)
    assert dispute_state(resolved) == "closed"

    documented = in_mediation(court)
    services.succeed_mediation(case=documented, agreed_terms="分期", agreement_effective_on=today, by=court.mediator)
    services.apply_mediation_document(case=documented, applied_on=today, by=court.clerk)
    assert dispute_state(documented) == "agreed"
    services.issue_mediation_document(case=documented, issued_on=today, by=court.judge)
    assert dispute_state(documented) == "closed"


def test_a_rejected_confirmation_keeps_the_agreement_until_the_case_returns_for_filing(court):
    case = in_mediation(court)
    today = timezone.localdate()
    services.succeed_mediation(case=case, agreed_terms="分期付款", agreement_effective_on=today, by=court.mediator)
    services.apply_for_confirmation(case=case, applicants=case.dispute.parties.all(), applied_on=today, by=court.clerk)
    services.rule_on_confirmation(case=case, confirmed=False, ruled_on=today, reason="协议内容违反法律规定",
                                  by=court.judge)
    assert dispute_state(case) == "agreed"
    services.return_for_filing(case=case, reason="rejected", note="确认申请被驳回", by=court.clerk)
    assert dispute_state(case) == "returned_for_filing"


def test_a_timed_out_delegation_returns_the_dispute_through_the_worker(court):
    case = in_mediation(court)
    later = timezone.now() + timezone.timedelta(days=120)
    assert services.return_expired_mediations(now=later) == [case]
    assert dispute_state(case) == "returned_for_filing"
    case.refresh_from_db()
    assert (case.state, case.return_reason) == ("returned_for_filing", "timed_out")


def test_the_disputes_pages_cannot_move_a_delegated_dispute(court):
    """Once delegated, mediation steps on the dispute belong to the court case: the disputes
    workflow refuses them (no outcome recorded twice) and offers none on the page."""
    from pingan.core.errors import ApplicationError
    from pingan.core.workflow import allowed_transitions, transition

    case = in_mediation(court)
    dispute = Dispute.objects.get(pk=case.dispute_id)
    with pytest.raises(ApplicationError) as exc:
        transition(obj=dispute, name="agree", by=court.clerk)
    assert exc.value.code == "guard_failed"
    offered = {a.name for a in allowed_transitions(Dispute.objects.get(pk=case.dispute_id), court.clerk) if a.allowed}
    assert not offered & {"agree", "fail", "withdraw", "escalate", "return_for_filing"}
    # a dispute the court never touched is unaffected
    other = new_case(court, names=("王五", "赵六"))
    offered = {a.name for a in allowed_transitions(Dispute.objects.get(pk=other.dispute_id), court.clerk)
               if a.allowed}
    assert "withdraw" in offered
