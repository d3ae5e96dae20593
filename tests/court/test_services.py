"""Court services: intake, consent and refusal, delegation numbering, mediator choice and
acceptance, the mediation period across holidays, outcomes and judicial confirmation."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pingan.core.errors import ApplicationError
from pingan.core.models import AuditEntry, Deadline, Transition
from pingan.court import services
from pingan.court.models import CourtCase, JudicialConfirmation, Outcome, ReturnReason

from .conftest import at, consent_all, in_mediation, new_case

pytestmark = pytest.mark.django_db
S = CourtCase.State


def period(case) -> Deadline:
    return services.open_deadline(case, services.KIND_PERIOD)


def test_receive_creates_dispute_from_court(court):
    case = new_case(court)
    assert case.state == S.RECEIVED
    assert case.dispute.source == "court"
    assert case.dispute.handling_agency == court.court
    assert [p.name for p in case.dispute.parties.all()] == ["张三", "某物流公司"]
    assert AuditEntry.objects.filter(action="court.case.receive", object_id=str(case.pk)).exists()


def test_receive_refuses_non_court_agency(court):
    with pytest.raises(ValidationError) as exc:
        new_case(court, court_agency=court.centre)
    assert "court" in exc.value.message_dict


def test_mediator_cannot_receive_a_case(court):
    with pytest.raises(PermissionDenied):
        services.receive_case(
            court=court.court, claim="x", received_on=date(2024, 1, 10),
            dispute_data={"title": "t", "facts": "f", "category": court.categories["contract"],
                          "jurisdiction": court.village},
            parties=[{"role": "applicant", "name": "甲"}], by=court.mediator,
        )


def test_all_consent_then_delegation_gets_pre_litigation_number(court):
    first = consent_all(court, new_case(court))
    second = consent_all(court, new_case(court, names=("王五", "赵六")))
    services.delegate_case(case=first, organisation=court.centre, by=court.clerk, now=at(date(2024, 1, 15)))
    services.delegate_case(case=second, organisation=court.centre, by=court.clerk, now=at(date(2024, 1, 16)))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.number == "（2024）黔0204民诉前调1号"
    assert second.number == "（2024）黔0204民诉前调2号"
    assert first.state == S.DELEGATED and first.delegated_to == court.centre
    # the delegated organisation now handles the dispute (its mediators see the parties)
    assert first.dispute.handling_agency == court.centre
    choose = services.open_deadline(first, services.KIND_CHOOSE)
    assert (choose.amount, choose.unit) == (2, "working_days")
    assert choose.due.date() == date(2024, 1, 17)


def test_refusal_returns_for_filing_with_record(court):
    case = new_case(court)
    services.screen_case(case=case, by=court.clerk)
    applicant, respondent = case.dispute.parties.all()
    services.record_consent(case=case, party=applicant, consents=True, by=court.clerk)
    with pytest.raises(ValidationError):
        services.record_consent(case=case, party=respondent, consents=False, by=court.clerk)  # no note
    services.record_consent(case=case, party=respondent, consents=False, note="要求直接诉讼", by=court.clerk)
    case.refresh_from_db()
    assert case.state == S.RETURNED_FOR_FILING
    assert (case.outcome, case.return_reason) == (Outcome.RETURNED, ReturnReason.REFUSED)
    assert case.number == ""  # never delegated: no pre-litigation number
    last = Transition.objects.filter(object_id=str(case.pk), workflow="court.courtcase").latest("pk")
    assert last.name == "return_for_filing" and "要求直接诉讼" in last.reason


def test_only_delegation_consumes_a_pre_litigation_number(court):
    """Intake and a refusal (sent on to filing) take no number; an imported historical case keeps
    its own when it is delegated; the first case delegated gets the year's number 1."""
    from pingan.core.models import IssuedCaseNumber
    from pingan.court import imports

    refused = new_case(court)
    services.screen_case(case=refused, by=court.clerk)
    services.record_consent(case=refused, party=refused.dispute.parties.first(), consents=False, note="要求诉讼",
                            by=court.clerk)
    waiting = new_case(court, names=("李四", "某超市"))
    imports.import_cases(court=court.court, by=court.clerk, rows=[imports.CaseRow(
        ref="L-2022-7", title="历史案件", facts="借款未还", claim="归还借款", category="contract",
        jurisdiction="520204104001", received_on=date(2022, 3, 1), number="（2022）黔0204民诉前调7号",
        parties=[{"role": "applicant", "name": "孙七"}, {"role": "respondent", "name": "周八"}])])
    historical = CourtCase.objects.get(number="（2022）黔0204民诉前调7号")
    assert historical.state == S.RECEIVED
    services.delegate_case(case=consent_all(court, historical), organisation=court.centre, by=court.clerk,
                           now=at(date(2024, 1, 15)))
    delegated = consent_all(court, new_case(court, names=("王五", "赵六")))
    services.delegate_case(case=delegated, organisation=court.centre, by=court.clerk, now=at(date(2024, 1, 16)))
    for case in (refused, waiting, historical, delegated):
        case.refresh_from_db()
    assert (refused.number, waiting.number) == ("", "")
    assert historical.state == S.DELEGATED and historical.number == "（2022）黔0204民诉前调7号"
    assert delegated.number == "（2024）黔0204民诉前调1号"
    assert list(IssuedCaseNumber.objects.values_list("number", flat=True)) == ["（2024）黔0204民诉前调1号"]


def test_delegation_needs_every_consent(court):
    case = new_case(court)
    services.screen_case(case=case, by=court.clerk)
    services.record_consent(case=case, party=case.dispute.parties.first(), consents=True, by=court.clerk)
    with pytest.raises(ApplicationError) as exc:
        services.delegate_case(case=case, organisation=court.centre, by=court.clerk)
    assert exc.value.code == "consent_missing" and "某物流公司" in exc.value.message
    case.refresh_from_db()
    assert case.state == S.CONSENT_PENDING and case.number == ""


def test_delegate_only_to_mediation_organisations(court):
    case = consent_all(court, new_case(court))
    with pytest.raises(ValidationError):
        services.delegate_case(case=case, organisation=court.tribunal, by=court.clerk)


def test_parties_choose_within_period_else_clerk_designates(court):
    case = consent_all(court, new_case(court))
    services.delegate_case(case=case, organisation=court.centre, by=court.clerk, now=at(date(2024, 1, 15)))
    # due 2024-01-17 (2 working days); the parties come back on the 18th: too late
    with pytest.raises(ApplicationError) as exc:
        services.assign_mediator(case=case, mediator=court.mediator, by=court.clerk, chosen_by="parties",
                                 now=at(date(2024, 1, 18)))
    assert exc.value.code == "choice_period_over"
    services.assign_mediator(case=case, mediator=court.mediator, by=court.clerk, chosen_by="court",
                             now=at(date(2024, 1, 18)))
    case.refresh_from_db()
    assert case.state == S.MEDIATOR_ASSIGNED and case.mediator_chosen_by == "court"


def test_parties_choice_in_time(court):
    case = consent_all(court, new_case(court))
    services.delegate_case(case=case, organisation=court.centre, by=court.clerk, now=at(date(2024, 1, 15)))
    services.assign_mediator(case=case, mediator=court.mediator, by=court.clerk, chosen_by="parties",
                             now=at(date(2024, 1, 17), 17))
    case.refresh_from_db()
    assert case.mediator == court.mediator and case.mediator_chosen_by == "parties"


def test_mediator_accept_timeout_falls_back_to_clerk(court):
    case = consent_all(court, new_case(court))
    services.delegate_case(case=case, organisation=court.centre, by=court.clerk, now=at(date(2024, 9, 26)))
    services.assign_mediator(case=case, mediator=court.mediator, by=court.clerk, now=at(date(2024, 9, 27)))
    accept = services.open_deadline(case, services.KIND_ACCEPT)
    # 3 working days from Fri 27 Sep 2024: Sun 29 Sep (adjusted working day), Mon 30 Sep, then
    # the National Day holiday (1–7 Oct) → Tue 8 Oct
    assert accept.due.date() == date(2024, 10, 8)
    assert services.mediator_accept_timeouts(now=at(date(2024, 10, 8), 20)) == []
    moved = services.mediator_accept_timeouts(now=at(date(2024, 10, 9), 9))
    assert [c.pk for c in moved] == [case.pk]
    assert services.mediator_accept_timeouts(now=at(date(2024, 10, 9), 10)) == []  # idempotent
    case.refresh_from_db()
    assert case.state == S.DELEGATED and case.mediator is None
    accept.refresh_from_db()
    assert accept.status == Deadline.Status.EXPIRED
    # the clerk designates someone else
    services.assign_mediator(case=case, mediator=court.other_mediator, by=court.clerk, now=at(date(2024, 10, 9)))
    case.refresh_from_db()
    assert case.mediator == court.other_mediator


def test_mediator_declines_with_reasons(court):
    case = consent_all(court, new_case(court))
    services.delegate_case(case=case, organisation=court.centre, by=court.clerk)
    services.assign_mediator(case=case, mediator=court.mediator, by=court.clerk)
    with pytest.raises(ValidationError):
        services.decline_delegation(case=case, by=court.mediator, reason=" ")
    with pytest.raises(PermissionDenied):  # someone else's case
        services.decline_delegation(case=case, by=court.other_mediator, reason="回避")
    services.decline_delegation(case=case, by=court.mediator, reason="与当事人有亲属关系，申请回避")
    case.refresh_from_db()
    assert case.state == S.DELEGATED and case.mediator is None


def test_mediator_outside_the_delegated_organisation_is_refused(court, make_user):
    from pingan.court.models import MediatorProfile

    outsider = make_user("mediator", "mc-medical", username="med_medical")
    MediatorProfile.objects.create(user=outsider, organisation=outsider.agency, place=court.village)
    case = consent_all(court, new_case(court))
    committee = make_user("village_mediator", "mc-v-shaomi-cun", username="vm").agency
    services.delegate_case(case=case, organisation=committee, by=court.clerk)
    with pytest.raises(ValidationError):
        services.assign_mediator(case=case, mediator=outsider, by=court.clerk)


# --- the mediation period ------------------------------------------------------------------


def test_period_across_spring_festival(court):
    case = in_mediation(court, accepted=at(date(2024, 1, 15)))
    d = period(case)
    assert (d.amount, d.unit) == (30, "natural_days")
    # day 30 is 14 Feb 2024, inside the Spring Festival holiday (10–17 Feb); the period ends on
    # the first working day after it: Sunday 18 Feb, an adjusted working day
    assert d.due.astimezone(services.CHINA).date() == date(2024, 2, 18)
    assert not d.provisional


def test_period_across_national_day(court):
    case = in_mediation(court, accepted=at(date(2024, 9, 2)))
    # day 30 is 2 Oct 2024 (National Day holiday 1–7 Oct) → Tuesday 8 Oct
    assert period(case).due.astimezone(services.CHINA).date() == date(2024, 10, 8)


def test_pause_for_appraisal_is_not_counted(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    assert period(case).due.astimezone(services.CHINA).date() == date(2024, 4, 1)  # day 30 = Sun 31 Mar → Mon 1 Apr
    services.pause_mediation(case=case, on=date(2024, 3, 10), reason="委托伤残等级鉴定", by=court.mediator)
    services.resume_mediation(case=case, on=date(2024, 3, 20), by=court.mediator)
    # ten days (10–19 Mar) not counted: day 30 becomes 10 Apr
    assert period(case).due.astimezone(services.CHINA).date() == date(2024, 4, 10)


def test_extension_needs_all_parties(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    applicant, respondent = case.dispute.parties.all()
    with pytest.raises(ApplicationError) as exc:
        services.extend_mediation(case=case, days=15, parties=[applicant], reason="双方仍在协商", by=court.mediator)
    assert exc.value.code == "consent_required"
    services.extend_mediation(case=case, days=15, parties=[applicant, respondent], reason="双方同意延长",
                              by=court.mediator)
    # 31 Mar (unmoved end) + 15 days = 15 Apr
    assert period(case).due.astimezone(services.CHINA).date() == date(2024, 4, 15)


def test_reminders_once_per_period_end(court):
    from pingan.core.models import OutboxEvent

    case = in_mediation(court, accepted=at(date(2024, 3, 1)))  # due 1 Apr
    assert services.remind_due_mediations(now=at(date(2024, 3, 20))) == 0  # more than 5 days before
    assert services.remind_due_mediations(now=at(date(2024, 3, 28))) == 1
    assert services.remind_due_mediations(now=at(date(2024, 3, 29))) == 0
    events = OutboxEvent.objects.filter(topic="court.mediation_period.reminder")
    assert [e.payload["case"] for e in events] == [case.pk]
    services.extend_mediation(case=case, days=10, parties=case.dispute.parties.all(), reason="同意延长",
                              by=court.mediator)
    assert services.remind_due_mediations(now=at(date(2024, 4, 8))) == 1  # the new end gets its own


def test_automatic_return_for_filing_across_a_holiday(court):
    case = in_mediation(court, accepted=at(date(2024, 9, 2)))  # due 8 Oct (after National Day)
    case.agreed_terms = ""
    assert services.return_expired_mediations(now=at(date(2024, 10, 3))) == []  # day 31, but a holiday
    assert services.return_expired_mediations(now=at(date(2024, 10, 8), 23)) == []
    returned = services.return_expired_mediations(now=at(date(2024, 10, 9), 0))
    assert [c.pk for c in returned] == [case.pk]
    assert services.return_expired_mediations(now=at(date(2024, 10, 10))) == []
    case.refresh_from_db()
    assert case.state == S.RETURNED_FOR_FILING
    assert (case.outcome, case.return_reason) == (Outcome.RETURNED, ReturnReason.TIMED_OUT)
    last = Transition.objects.filter(object_id=str(case.pk), workflow="court.courtcase").latest("pk")
    assert "2024-10-08" in last.reason and last.by is None


def test_paused_period_does_not_expire(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    services.pause_mediation(case=case, on=date(2024, 3, 25), reason="鉴定", by=court.mediator)
    assert services.return_expired_mediations(now=at(date(2024, 4, 20))) == []


def test_failure_carries_undisputed_facts(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    services.fail_mediation(case=case, reason="被告不同意还款方案", undisputed_facts="双方确认欠款 12000 元",
                            disputed_matters="利息", agreed_terms="分期方式", by=court.mediator)
    case.refresh_from_db()
    assert case.state == S.RETURNED_FOR_FILING and case.return_reason == ReturnReason.FAILED
    last = Transition.objects.filter(object_id=str(case.pk), workflow="court.courtcase").latest("pk")
    assert last.data["undisputed_facts"] == "双方确认欠款 12000 元"
    assert last.data["disputed_matters"] == "利息"


@pytest.mark.parametrize("outcome", [Outcome.PERFORMED, Outcome.RECONCILED, Outcome.WITHDRAWN])
def test_resolution_outcomes(court, outcome):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    services.succeed_mediation(case=case, agreed_terms="当场付清", agreement_effective_on=date(2024, 3, 5),
                               by=court.mediator, now=at(date(2024, 3, 5)))
    services.record_resolution(case=case, outcome=outcome, by=court.mediator, now=at(date(2024, 3, 5)))
    case.refresh_from_db()
    assert case.state == S.RESOLVED and case.outcome == outcome and case.succeeded


def test_mediation_document(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    services.succeed_mediation(case=case, agreed_terms="被告于 4 月底前付清", agreement_effective_on=date(2024, 3, 5),
                               by=court.mediator, now=at(date(2024, 3, 5)))
    services.apply_mediation_document(case=case, applied_on=date(2024, 3, 6), by=court.clerk)
    with pytest.raises(ValidationError):
        services.issue_mediation_document(case=case, issued_on=date(2024, 3, 1), by=court.judge)
    services.issue_mediation_document(case=case, issued_on=date(2024, 3, 8), by=court.judge)
    case.refresh_from_db()
    assert case.state == S.DOCUMENT_ISSUED and case.outcome == Outcome.MEDIATION_DOCUMENT


# --- judicial confirmation -----------------------------------------------------------------


def agreed(court, effective: date):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    services.succeed_mediation(case=case, agreed_terms="被告分两期付清货款", agreement_effective_on=effective,
                               by=court.mediator, now=at(effective))
    return case


def test_confirmation_on_day_30_is_accepted(court):
    case = agreed(court, date(2024, 3, 11))  # day 30 = Wed 10 Apr 2024, a working day
    window = services.open_deadline(case, services.KIND_APPLY)
    assert window.due.astimezone(services.CHINA).date() == date(2024, 4, 10)
    jc = services.apply_for_confirmation(case=case, applicants=case.dispute.parties.all(),
                                         applied_on=date(2024, 4, 10), by=court.clerk)
    assert jc.number == "（2024）黔0204民特1号"
    case.refresh_from_db()
    assert case.state == S.CONFIRMATION_APPLIED


def test_confirmation_on_day_31_is_refused(court):
    case = agreed(court, date(2024, 3, 11))
    with pytest.raises(ApplicationError) as exc:
        services.apply_for_confirmation(case=case, applicants=case.dispute.parties.all(),
                                        applied_on=date(2024, 4, 11), by=court.clerk)
    assert exc.value.code == "confirmation_out_of_time" and exc.value.status == 400
    assert "2024-04-10" in exc.value.message
    case.refresh_from_db()
    assert case.state == S.SUCCEEDED and not JudicialConfirmation.objects.exists()


def test_confirmation_must_be_joint(court):
    case = agreed(court, date(2024, 3, 11))
    with pytest.raises(ApplicationError) as exc:
        services.apply_for_confirmation(case=case, applicants=case.dispute.parties.filter(role="applicant"),
                                        applied_on=date(2024, 3, 12), by=court.clerk)
    assert exc.value.code == "joint_application_required"


def test_ruling_deadline_and_confirmation(court):
    case = agreed(court, date(2024, 9, 2))
    jc = services.apply_for_confirmation(case=case, applicants=case.dispute.parties.all(),
                                         applied_on=date(2024, 9, 3), by=court.clerk)
    ruling = services.open_deadline(jc, services.KIND_RULING)
    assert (ruling.amount, ruling.unit) == (30, "natural_days")
    assert ruling.due.astimezone(services.CHINA).date() == date(2024, 10, 8)  # 3 Oct → after National Day
    with pytest.raises(PermissionDenied):
        services.rule_on_confirmation(case=case, confirmed=True, ruled_on=date(2024, 9, 10), by=court.mediator)
    services.rule_on_confirmation(case=case, confirmed=True, ruled_on=date(2024, 9, 10), by=court.judge,
                                  now=at(date(2024, 9, 10)))
    case.refresh_from_db()
    jc.refresh_from_db()
    ruling.refresh_from_db()
    assert case.state == S.CONFIRMED and case.outcome == Outcome.JUDICIAL_CONFIRMATION
    assert jc.ruling == "confirmed" and ruling.status == Deadline.Status.MET


def test_rejection_needs_reason_then_returns_for_filing(court):
    case = agreed(court, date(2024, 9, 2))
    services.apply_for_confirmation(case=case, applicants=case.dispute.parties.all(), applied_on=date(2024, 9, 3),
                                    by=court.clerk)
    with pytest.raises(ValidationError):
        services.rule_on_confirmation(case=case, confirmed=False, ruled_on=date(2024, 9, 10), by=court.judge)
    services.rule_on_confirmation(case=case, confirmed=False, reason="协议内容损害第三人利益",
                                  ruled_on=date(2024, 9, 10), by=court.judge)
    services.return_for_filing(case=case, by=court.clerk, reason=ReturnReason.REJECTED, note="驳回后转立案")
    case.refresh_from_db()
    assert case.state == S.RETURNED_FOR_FILING and case.return_reason == ReturnReason.REJECTED


def test_outcome_counts_are_one_query(court, django_assert_num_queries):
    from django.db.models import Count, Q

    from pingan.court.models import SUCCESS_OUTCOMES

    ok = agreed(court, date(2024, 3, 5))
    services.record_resolution(case=ok, outcome=Outcome.RECONCILED, by=court.mediator, now=at(date(2024, 3, 6)))
    failed = in_mediation(court, accepted=at(date(2024, 3, 1)), names=("甲", "乙"))
    services.fail_mediation(case=failed, reason="无法达成", undisputed_facts="", disputed_matters="全部",
                            by=court.mediator)
    with django_assert_num_queries(1):
        counts = CourtCase.objects.filter(delegated_at__isnull=False).aggregate(
            delegated=Count("pk"),
            succeeded=Count("pk", filter=Q(outcome__in=SUCCESS_OUTCOMES)),
            returned=Count("pk", filter=Q(outcome=Outcome.RETURNED)),
        )
    assert counts == {"delegated": 2, "succeeded": 1, "returned": 1}
