"""Services: minor cases and decisions with statutory deadlines, volunteer service and its guard,
hearings, early involvement; bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pingan.core.audit import AuditEvent
from pingan.core.deadlines import deadlines_for, local_date
from pingan.core.errors import ApplicationError
from pingan.core.models import AuditEntry, Deadline, Transition
from pingan.core.settings_store import set_setting
from pingan.procuratorate import services
from pingan.procuratorate.models import MinorCase, Suspect, VolunteerPlan
from pingan.procuratorate.workflow import PLAN, RECOMMENDATION, SUSPECT

from .conftest import days_ago, valid_id

pytestmark = pytest.mark.django_db


def test_workflows_match_models():
    for wf in (SUSPECT, PLAN, RECOMMENDATION):
        assert wf.problems_with_model() == []


def test_create_case_with_arrest_request_starts_seven_day_review(proc):
    case = proc.case(request="arrest", received=2)
    s = case.suspects.get()
    assert s.state == "arrest_review"
    assert s.arrest_requested_on == days_ago(2)
    assert s.id_number != "" and s.masked_id_number.startswith("520204") and "*" in s.masked_id_number
    d = deadlines_for(s).get(kind=services.ARREST_REVIEW)
    assert (d.amount, d.unit) == (7, Deadline.Unit.NATURAL_DAYS)
    assert "第91条" in d.source
    assert local_date(d.due) >= days_ago(2) + dt.timedelta(days=7)  # moved past a rest day, never earlier
    # The audit entry never carries the ID number in clear.
    entry = AuditEntry.objects.filter(action="procuratorate.case_created").last()
    assert valid_id(1) not in str(entry.after)


def test_arrest_review_period_is_configurable(proc):
    set_setting(key="procuratorate.arrest_review_days", value=5, by=None)
    s = proc.case(request="arrest", received=1).suspects.get()
    assert deadlines_for(s).get(kind=services.ARREST_REVIEW).amount == 5


def test_refuse_arrest_needs_grounds_then_transfer_and_relative_non_prosecution(proc):
    s = proc.case(request="arrest", received=20).suspects.get()
    with pytest.raises(ApplicationError) as exc:
        services.decide_arrest(suspect=s, decision="not_approved", decided_on=days_ago(16), grounds=" ", by=proc.prosecutor)
    assert exc.value.code == "guard_failed"
    s.refresh_from_db()
    assert s.state == "arrest_review" and s.arrest_decision == ""

    services.decide_arrest(suspect=s, decision="not_approved", decided_on=days_ago(16),
                           grounds="系初犯，已赔偿取得谅解，无逮捕必要。", by=proc.prosecutor)
    s.refresh_from_db()
    assert (s.state, s.arrest_decision, s.arrest_decided_on) == ("arrest_not_approved", "not_approved", days_ago(16))
    assert deadlines_for(s).get(kind=services.ARREST_REVIEW).status == Deadline.Status.MET

    services.transfer_for_prosecution(suspect=s, received_on=days_ago(10), by=proc.prosecutor)
    review = deadlines_for(s).get(kind=services.PROSECUTION_REVIEW)
    assert (review.amount, review.unit) == (1, Deadline.Unit.MONTHS)
    services.extend_prosecution_review(suspect=s, reason="案情复杂，需补充鉴定。", by=proc.prosecutor)
    review.refresh_from_db()
    assert review.extensions[0]["amount"] == 15
    with pytest.raises(ValidationError):
        services.extend_prosecution_review(suspect=s, reason="再次延长", by=proc.prosecutor)

    services.decide_prosecution(suspect=s, decision="relative", decided_on=days_ago(1),
                                grounds="犯罪情节轻微（刑事诉讼法第177条第2款）。", by=proc.prosecutor)
    s.refresh_from_db()
    assert s.state == "non_prosecuted" and s.prosecution_decision == "relative"
    appeal = deadlines_for(s).get(kind=services.APPEAL)
    assert (appeal.amount, appeal.status) == (7, Deadline.Status.RUNNING)
    names = list(Transition.objects.filter(object_id=str(s.pk), workflow="procuratorate.suspect").values_list("name", flat=True))
    assert names == ["request_arrest", "refuse_arrest", "transfer_for_prosecution", "relative_non_prosecution"]


def test_fast_track_review_is_ten_days_extendable_to_fifteen(proc):
    s = proc.case(fast_track=True, received=3).suspects.get()
    review = deadlines_for(s).get(kind=services.PROSECUTION_REVIEW)
    assert (review.amount, review.unit) == (10, Deadline.Unit.NATURAL_DAYS)
    services.extend_prosecution_review(suspect=s, reason="可能判处一年以上有期徒刑", by=proc.prosecutor)
    review.refresh_from_db()
    assert review.extensions[0]["amount"] == 5


def test_decisions_out_of_order_are_refused_and_write_nothing(proc):
    s = proc.case(request="arrest", received=5).suspects.get()
    before = AuditEntry.objects.count()
    with pytest.raises(ApplicationError) as exc:
        services.decide_prosecution(suspect=s, decision="prosecute", decided_on=days_ago(1), by=proc.prosecutor)
    assert exc.value.code == "transition_not_allowed"
    assert "审查逮捕中" in exc.value.message
    s.refresh_from_db()
    assert s.prosecution_decision == "" and s.state == "arrest_review"
    assert AuditEntry.objects.count() == before
    assert not deadlines_for(s).filter(kind=services.APPEAL).exists()


@pytest.mark.parametrize(
    "decided, field",
    [(lambda: days_ago(-1), "decided_on"), (lambda: days_ago(30), "decided_on")],
    ids=["future", "before-request"],
)
def test_impossible_decision_dates(proc, decided, field):
    s = proc.case(request="arrest", received=5).suspects.get()
    with pytest.raises(ValidationError) as exc:
        services.decide_arrest(suspect=s, decision="approved", decided_on=decided(), by=proc.prosecutor)
    assert field in exc.value.message_dict
    s.refresh_from_db()
    assert s.state == "arrest_review"


def test_bad_case_input_lists_every_field_and_writes_nothing(proc):
    before = (MinorCase.objects.count(), Suspect.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.create_case(
            data={"number": "X1", "offence": proc.offences["theft"], "procuratorate": proc.police,
                  "police_agency": proc.police, "received_on": days_ago(-3)},
            suspects=[{"name": "", "id_number": "520204199001011235", "guilty_plea": True}],
            request="arrest", by=proc.prosecutor,
        )
    errors = exc.value.message_dict
    assert {"received_on", "procuratorate", "suspects.0.name", "suspects.0.id_number",
            "suspects.0.guilty_plea_on"} <= set(errors)
    assert (MinorCase.objects.count(), Suspect.objects.count(), AuditEntry.objects.count()) == before


def test_duplicate_case_number_is_refused(proc):
    proc.case(number="N-1")
    with pytest.raises(ValidationError) as exc:
        proc.case(number="N-1")
    assert "number" in exc.value.message_dict


def test_police_user_cannot_register_a_case(proc):
    with pytest.raises(PermissionDenied):
        services.create_case(
            data={"number": "P-1", "offence": proc.offences["theft"], "procuratorate": proc.procuratorate,
                  "police_agency": proc.police, "received_on": days_ago(1)},
            suspects=[{"name": "李四"}], request="prosecution", by=proc.police_officer,
        )
    assert not MinorCase.objects.filter(number="P-1").exists()


# --- volunteer service ----------------------------------------------------------------------------


def _plan(proc, s, **kw):
    values = dict(suspect=s, partner=proc.partner_traffic, service_type="traffic_duty", consent_on=days_ago(9),
                  start_on=days_ago(8), end_on=days_ago(0), planned_hours=8, by=proc.prosecutor)
    values.update(kw)
    return services.create_volunteer_plan(**values)


def test_volunteer_service_guard_then_relative_non_prosecution(proc):
    s = proc.case(received=10).suspects.get()
    plan = _plan(proc, s)
    # A plan still running blocks relative non-prosecution …
    with pytest.raises(ApplicationError) as exc:
        services.decide_prosecution(suspect=s, decision="relative", decided_on=days_ago(0), grounds="情节轻微",
                                    by=proc.prosecutor)
    assert exc.value.code == "guard_failed" and "尚未评估" in exc.value.message
    # … hours are logged by the partner and confirmed by a second person …
    e1 = services.log_hours(plan=plan, served_on=days_ago(7), hours=4, activity="路口交通劝导", by=proc.partner)
    with pytest.raises(ValidationError):
        services.confirm_hours(entry=e1, by=proc.partner)  # not by the person who logged them
    services.confirm_hours(entry=e1, by=proc.partner_lead)
    # … a pass needs the planned hours confirmed …
    with pytest.raises(ApplicationError) as exc:
        services.evaluate_plan(plan=plan, passed=True, evaluated_on=days_ago(0), notes="", by=proc.prosecutor)
    assert "未达到计划时长" in exc.value.message
    e2 = services.log_hours(plan=plan, served_on=days_ago(6), hours=Decimal("4.0"), activity="道路巡查", by=proc.partner)
    services.confirm_hours(entry=e2, by=proc.prosecutor)
    # … the partner may not evaluate …
    with pytest.raises(PermissionDenied):
        services.evaluate_plan(plan=plan, passed=True, evaluated_on=days_ago(0), notes="", by=proc.partner)
    services.evaluate_plan(plan=plan, passed=True, evaluated_on=days_ago(0), notes="表现良好", by=proc.prosecutor)
    plan.refresh_from_db()
    assert plan.state == "passed"
    services.decide_prosecution(suspect=s, decision="relative", decided_on=days_ago(0),
                                grounds="认罪认罚，志愿服务评估合格。", by=proc.prosecutor)
    s.refresh_from_db()
    assert s.state == "non_prosecuted"


def test_failed_evaluation_blocks_relative_non_prosecution_but_not_prosecution(proc):
    s = proc.case(received=10).suspects.get()
    plan = _plan(proc, s)
    services.evaluate_plan(plan=plan, passed=False, evaluated_on=days_ago(0), notes="多次无故缺勤", by=proc.prosecutor)
    with pytest.raises(ApplicationError) as exc:
        services.decide_prosecution(suspect=s, decision="relative", decided_on=days_ago(0), grounds="x",
                                    by=proc.prosecutor)
    assert "不合格" in exc.value.message
    services.decide_prosecution(suspect=s, decision="prosecute", decided_on=days_ago(0), by=proc.prosecutor)
    with pytest.raises(ValidationError):
        services.log_hours(plan=plan, served_on=days_ago(1), hours=2, activity="x", by=proc.partner)


def test_volunteer_plan_requires_guilty_plea_partner_body_and_sane_dates(proc):
    s = proc.case(received=10, suspects=[{"name": "王五"}]).suspects.get()
    with pytest.raises(ValidationError) as exc:
        _plan(proc, s, partner=proc.emergency, end_on=days_ago(20))
    assert {"suspect", "partner", "end_on"} <= set(exc.value.message_dict)
    assert not VolunteerPlan.objects.exists()
    services.record_guilty_plea(suspect=s, signed_on=days_ago(9), by=proc.prosecutor)
    plan = _plan(proc, s)
    with pytest.raises(ValidationError) as exc:
        services.log_hours(plan=plan, served_on=days_ago(30), hours=3, activity="x", by=proc.partner)
    assert "served_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.log_hours(plan=plan, served_on=days_ago(2), hours=30, activity="x", by=proc.partner)
    with pytest.raises(PermissionDenied):  # another partner body's user
        services.log_hours(plan=plan, served_on=days_ago(2), hours=3, activity="x", by=proc.other_partner)


# --- hearings -------------------------------------------------------------------------------------


def test_decision_requiring_hearing_waits_for_the_recorded_opinion(proc):
    s = proc.case(received=10, suspects=[{"name": "赵六"}]).suspects.get()
    with pytest.raises(ValidationError) as exc:
        services.schedule_hearing(suspect=s, decision="non_prosecution", scheduled_at=timezone.now(), place="听证室",
                                  participants=[{"name": "赵六", "role": "suspect"}], by=proc.prosecutor)
    assert "participants" in exc.value.message_dict
    hearing = services.schedule_hearing(
        suspect=s, decision="non_prosecution", scheduled_at=timezone.now() + dt.timedelta(hours=2), place="听证室",
        participants=[{"name": "陈群众", "role": "citizen"}, {"name": "刘监督", "role": "supervisor"}],
        by=proc.prosecutor)
    s.refresh_from_db()
    assert s.hearing_required
    with pytest.raises(ApplicationError) as exc:
        services.decide_prosecution(suspect=s, decision="other", decided_on=days_ago(0), grounds="证据不足",
                                    by=proc.prosecutor)
    assert "听证会意见尚未记录" in exc.value.message
    with pytest.raises(ValidationError) as exc:  # the hearing has not taken place yet
        services.record_hearing_opinion(hearing=hearing, minutes="…", opinion="同意不起诉", by=proc.prosecutor)
    hearing.scheduled_at = timezone.now() - dt.timedelta(minutes=5)
    hearing.save(update_fields=["scheduled_at"])
    services.record_hearing_opinion(hearing=hearing, minutes="听证员发表意见……", opinion="一致同意不起诉",
                                    by=proc.prosecutor)
    services.decide_prosecution(suspect=s, decision="other", decided_on=days_ago(0), grounds="证据不足",
                                by=proc.prosecutor)
    s.refresh_from_db()
    assert s.state == "non_prosecuted_other"


# --- early involvement ----------------------------------------------------------------------------


def test_early_involvement_and_outcome(proc):
    ei = services.record_early_involvement(
        data={"number": "EI-1", "offence": proc.offences["telecom_fraud"], "procuratorate": proc.procuratorate,
              "police_agency": proc.police, "started_on": days_ago(3), "guidance": "调取资金流水"},
        by=proc.prosecutor)
    assert ei.jurisdiction == proc.police.jurisdiction
    services.record_early_outcome(ei=ei, outcome="transferred", note="已移送审查起诉", by=proc.prosecutor)
    ei.refresh_from_db()
    assert ei.outcome == "transferred"
    with pytest.raises(ValidationError):
        services.record_early_involvement(data={"number": "EI-1", "offence": proc.offences["theft"],
                                                "procuratorate": proc.procuratorate, "police_agency": proc.police,
                                                "started_on": days_ago(1), "guidance": "x"}, by=proc.prosecutor)
    assert AuditEntry.objects.filter(event_type=AuditEvent.PROCURATORATE_CHANGED, object_id=str(ei.pk)).count() == 2


def test_suspects_and_plans_copy_the_case_jurisdiction_that_township_statistics_filter(proc):
    from pingan.procuratorate.selectors import statistics

    case = proc.case(received=10)
    s = case.suspects.get()
    plan = _plan(proc, s)
    assert case.jurisdiction_id is not None
    assert (s.jurisdiction_id, plan.jurisdiction_id) == (case.jurisdiction_id, case.jurisdiction_id)
    period = {"date_from": days_ago(30), "date_to": days_ago(0)}
    own = statistics(user=proc.prosecutor, jurisdiction=case.jurisdiction.code, **period)
    assert (own["minor_cases"]["persons"], own["volunteer_service"]["participants"]) == (1, 1)
    other = "520204002000" if case.jurisdiction.code != "520204002000" else "520204104000"
    elsewhere = statistics(user=proc.prosecutor, jurisdiction=other, **period)
    assert (elsewhere["minor_cases"]["persons"], elsewhere["volunteer_service"]["participants"]) == (0, 0)
