"""Services: assignments and 一村一警, visits, hazards through the seven-step workflow, pushes into
disputes and by letter, risk persons and their review schedule, coverage and overdue flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pingan.core.audit import AuditEvent
from pingan.core.errors import ApplicationError
from pingan.core.models import AuditEntry, Transition
from pingan.core.workflow import history
from pingan.disputes.models import Referral, Source
from pingan.orgs.demo import ensure_agency
from pingan.policing import selectors, services, tasks
from pingan.policing.models import (
    Assignment,
    CommitteeRole,
    Hazard,
    OverdueFlag,
    Push,
    RiskPerson,
    Visit,
)
from pingan.policing.workflow import HAZARD

pytestmark = pytest.mark.django_db


def hazard_data(**extra):
    return {"title": "两户排水沟纠纷", "description": "张大山与李小花因排水沟走向争吵", "contact_name": "张大山",
            "contact_phone": "13800001111", **extra}


def test_workflow_declaration_matches_model():
    assert HAZARD.problems_with_model() == []
    assert [s for s in HAZARD.states] == ["watching", "linked", "pushed", "resolved", "controlled", "revisited",
                                          "publicised"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(label)) for label in HAZARD.states.values())


def test_assign_village_and_household_and_refuse_non_officers(police, make_user):
    a = services.assign(officer=police.aux, by=police.officer, jurisdiction=police.village, interval_days=30)
    assert a.agency == police.aux.agency and a.interval_days == 30
    with pytest.raises(ValidationError) as exc:
        services.assign(officer=police.aux, by=police.officer, jurisdiction=police.village)
    assert "jurisdiction" in exc.value.message_dict  # already assigned
    mediator = make_user("village_mediator", "mc-v-shaomi-cun")
    with pytest.raises(ValidationError) as exc:
        services.assign(officer=mediator, by=police.officer, jurisdiction=police.village)
    assert "officer" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.assign(officer=police.aux, by=police.officer, jurisdiction=police.shaomi)  # a township: too high
    with pytest.raises(ValidationError):
        services.assign(officer=police.aux, by=police.officer)  # no target
    # The 双水 officer may not assign 勺米 people: nothing is written.
    before = Assignment.objects.count()
    with pytest.raises(PermissionDenied):
        services.assign(officer=police.aux, by=police.other_officer, household=police.households[0])
    assert Assignment.objects.count() == before
    ended = services.end_assignment(assignment=a, by=police.officer)
    assert ended.ends_on == timezone.localdate()


def test_one_police_officer_per_village_committee_role(police):
    committee = ensure_agency("mc-v-shaomi-cun")
    role = services.appoint_to_committee(user=police.aux, committee=committee, by=police.officer)
    assert role.title == CommitteeRole.Title.VICE_DIRECTOR and role.get_title_display() == "副主任"
    assert list(selectors.committee_roles_of(user=police.aux, person=police.aux)) == [role]
    queue = selectors.officer_queue(user=police.aux)
    assert queue["committee_roles"] == [role]
    with pytest.raises(ValidationError):
        services.appoint_to_committee(user=police.aux, committee=ensure_agency("mc-t-shaomi"), by=police.officer)
    with pytest.raises(ValidationError):  # twice
        services.appoint_to_committee(user=police.aux, committee=committee, by=police.officer)


def test_visit_with_hazard_is_audited_and_graded(police):
    before = AuditEntry.objects.filter(event_type=AuditEvent.POLICING_CHANGED).count()
    visit = services.record_visit(
        data={"household": police.households[0], "people_met": "户主", "notes": "了解情况",
              "latitude": "26.55", "longitude": "104.95"},
        by=police.aux, hazards=[hazard_data()],
    )
    assert visit.jurisdiction == police.group1 and visit.agency == police.aux.agency
    hazard = visit.hazards.get()
    assert hazard.state == "watching" and hazard.grade == "blue"
    assert hazard.grading["ruleset"] == "disputes.grading" and hazard.found_at == visit.visited_at
    assert AuditEntry.objects.filter(event_type=AuditEvent.POLICING_CHANGED).count() == before + 2
    red = services.report_hazard(data=hazard_data(jurisdiction=police.village, description="村民扬言报复，情绪激动"),
                                 by=police.aux)
    assert red.grade == "red"
    yellow = services.report_hazard(data=hazard_data(jurisdiction=police.village, people_involved=6), by=police.aux)
    assert yellow.grade == "yellow"


def test_bad_visit_input_writes_nothing(police):
    visits, hazards = Visit.objects.count(), Hazard.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.record_visit(data={"household": police.households[0], "latitude": "26.5"}, by=police.aux)
    assert "longitude" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.record_visit(data={"household": police.households[0]}, by=police.aux,
                              hazards=[{"title": "", "description": "x"}])
    assert any(k.startswith("hazards.0.") for k in exc.value.message_dict)
    with pytest.raises(ValidationError):
        services.record_visit(data={"jurisdiction": police.village,
                                    "visited_at": timezone.now() + dt.timedelta(days=2)}, by=police.aux)
    with pytest.raises(PermissionDenied):  # 双水 officer in 勺米
        services.record_visit(data={"jurisdiction": police.village}, by=police.other_officer)
    with pytest.raises(ValidationError):  # household outside the stated place
        services.record_visit(data={"household": police.households[0], "jurisdiction": police.other_village},
                              by=police.bureau_officer)
    assert (Visit.objects.count(), Hazard.objects.count()) == (visits, hazards)


def test_seven_steps_resolve_revisit_publicise(police):
    h = services.report_hazard(data=hazard_data(jurisdiction=police.group1), by=police.aux)
    services.advance_hazard(hazard=h, name="link", by=police.aux, reason="联系村委会、调委会")
    with pytest.raises(ValidationError):
        services.resolve_hazard(hazard=h, by=police.aux, resolution=" ")
    services.resolve_hazard(hazard=h, by=police.aux, resolution="调解达成一致，重新疏通沟渠")
    h.refresh_from_db()
    assert (h.state, h.outcome) == ("resolved", "local") and h.resolved_at is not None
    with pytest.raises(ApplicationError) as exc:
        services.advance_hazard(hazard=h, name="publicise", by=police.aux)
    assert exc.value.code == "transition_not_allowed"
    services.advance_hazard(hazard=h, name="revisit", by=police.aux)
    services.advance_hazard(hazard=h, name="publicise", by=police.aux, reason="以案释法")
    assert [t.to_state for t in history(h)] == ["linked", "resolved", "revisited", "publicised"]
    labels = [e["label"] for e in selectors.hazard_timeline(h)]
    assert labels[0] == "发现隐患" and str(labels[-1]).startswith("宣")
    with pytest.raises(PermissionDenied):
        other = services.report_hazard(data=hazard_data(jurisdiction=police.group1), by=police.aux)
        services.advance_hazard(hazard=other, name="control", by=police.other_officer)


def test_hazard_to_dispute_uses_disputes_intake(police, categories, village_mediator):
    h = services.report_hazard(data=hazard_data(household=police.households[0]), by=police.aux)
    push = services.hazard_to_dispute(hazard=h, by=police.aux, category=categories["neighbours"])
    h.refresh_from_db()
    d = push.dispute
    assert d.source == Source.POLICE and d.jurisdiction == police.group1 and d.state == "received"
    assert list(d.parties.values_list("name", flat=True)) == ["张大山"]
    assert (h.state, h.outcome, h.dispute) == ("pushed", "dispute", d)
    assert push.channel == Push.Channel.DISPUTE
    with pytest.raises(ApplicationError):
        services.hazard_to_dispute(hazard=h, by=police.aux, category=categories["neighbours"])
    # The village mediator sees the dispute through disputes, never the hazard itself.
    from pingan.disputes.selectors import dispute_list

    assert d in dispute_list(user=village_mediator)
    assert selectors.hazard_list(user=village_mediator).count() == 0
    assert selectors.hazard_list(user=police.other_officer).count() == 0


def test_letters_outside_and_inside_the_platform(police, categories):
    h = services.report_hazard(data=hazard_data(jurisdiction=police.village), by=police.officer)
    # A body outside the platform: recorded here only.
    p1 = services.push_by_letter(by=police.officer, hazard=h, data={"target_name": "勺米镇国土所",
                                                                    "letter_number": "勺派函〔2023〕1号"})
    h.refresh_from_db()
    assert (h.state, h.outcome, p1.referral) == ("pushed", "letter", None)
    with pytest.raises(ApplicationError):
        services.revisit_push(push=p1, by=police.officer, satisfied=True)  # not closed yet
    services.record_reply(push=p1, by=police.officer, reply="已现场核查并处理")
    services.revisit_push(push=p1, by=police.officer, satisfied=True)
    p1.refresh_from_db()
    assert p1.closed_at and p1.revisited_at and p1.satisfied is True
    with pytest.raises(ApplicationError):
        services.record_reply(push=p1, by=police.officer, reply="again")
    # A body on the platform: through the disputes referral service (a dispute is created first).
    justice = ensure_agency("jo-520204104")
    with pytest.raises(ValidationError) as exc:
        services.push_by_letter(by=police.officer, hazard=h, data={"target_agency": justice})
    assert "category" in exc.value.message_dict
    p2 = services.push_by_letter(by=police.officer, hazard=h, category=categories["neighbours"],
                                 data={"target_agency": justice, "content": "请司法所协助调解"})
    assert p2.referral is not None and p2.letter_number == p2.referral.letter_number
    p2.dispute.refresh_from_db()
    assert p2.dispute.state == "referred" and p2.target_name == justice.name
    services.record_reply(push=p2, by=police.officer, reply="已受理")
    assert Referral.objects.get(pk=p2.referral_id).replied_at is not None
    h.refresh_from_db()
    assert h.state == "pushed" and h.pushes.count() == 2


def test_risk_person_review_schedule_masking_and_audited_reveal(police, district_leader):
    from pingan.core.idnumber import check_character

    number = "52020419850101001" + check_character("52020419850101001")
    p = services.add_risk_person(data={
        "name": "赵某某", "id_number": number, "phone": "13912345678", "jurisdiction": police.group1,
        "risk_level": "red", "reason": "扬言报复邻居", "officer": police.aux,
    }, by=police.aux, today=dt.date(2026, 1, 1))
    assert p.next_review_on == dt.date(2026, 1, 8)  # red: 7 days (policing.risk_review_red_days)
    assert p.id_number_hash and "*" in p.masked_id_number
    masked = selectors.risk_person_identity(user=police.aux, person=p)
    assert masked["masked"] and masked["id_number"] != p.id_number
    views = AuditEntry.objects.filter(event_type=AuditEvent.SENSITIVE_VIEWED).count()
    clear = selectors.risk_person_identity(user=police.aux, person=p, reveal=True)
    assert clear["id_number"] == number and not clear["masked"]
    assert AuditEntry.objects.filter(event_type=AuditEvent.SENSITIVE_VIEWED).count() == views + 1
    # The district leader sees the person, never the clear values.
    assert selectors.risk_person_identity(user=district_leader, person=p, reveal=True)["masked"]
    with pytest.raises(ValidationError):
        services.add_risk_person(data={"name": "x", "jurisdiction": police.group1, "risk_level": "red",
                                       "reason": "x", "id_number": "123"}, by=police.aux)
    review = services.review_risk_person(person=p, by=police.aux, risk_level="blue", notes="情绪平稳",
                                         reviewed_at=timezone.make_aware(dt.datetime(2026, 1, 8, 10)))
    p.refresh_from_db()
    assert review.next_review_on == dt.date(2026, 4, 8) == p.next_review_on and p.risk_level == "blue"


def test_coverage_and_due_households(police):
    services.assign(officer=police.aux, by=police.officer, jurisdiction=police.village, interval_days=30,
                    starts_on=timezone.localdate() - dt.timedelta(days=60))
    h1, h2, h3 = police.households
    services.record_visit(data={"household": h1, "visited_at": timezone.now() - dt.timedelta(days=3)}, by=police.aux)
    services.record_visit(data={"household": h2, "visited_at": timezone.now() - dt.timedelta(days=45)}, by=police.aux)
    cov = selectors.coverage(user=police.officer, officer=police.aux,
                             date_from=timezone.localdate() - dt.timedelta(days=29))
    assert (cov["households_assigned"], cov["households_visited"]) == (3, 1)
    assert cov["coverage_rate"] == round(1 / 3, 4)
    due = selectors.households_due(officer=police.aux)
    assert [r["household"] for r in due] == [h3, h2]  # never visited (due 30 days after start), then h2
    assert all(r["overdue"] for r in due)
    villages = selectors.coverage_by_village(user=police.officer, date_from=timezone.localdate() - dt.timedelta(days=29))
    assert [(v["village"], v["households_assigned"], v["households_visited"]) for v in villages] == [("勺米村", 3, 1)]


def test_overdue_scan_is_idempotent_and_cleared_by_visit(police):
    services.assign(officer=police.aux, by=police.officer, jurisdiction=police.group1, interval_days=30,
                    starts_on=timezone.localdate() - dt.timedelta(days=40))
    p = services.add_risk_person(data={"name": "钱某", "jurisdiction": police.group1, "risk_level": "yellow",
                                       "reason": "多次上访"}, by=police.aux,
                                 today=timezone.localdate() - dt.timedelta(days=40))
    assert tasks.flag_overdue_visits() == 2  # both households of group 1
    assert tasks.flag_overdue_visits() == 0
    assert tasks.flag_overdue_reviews() == 1 and tasks.flag_overdue_reviews() == 0
    assert selectors.overdue_flags(user=police.officer).count() == 3
    assert selectors.overdue_flags(user=police.other_officer).count() == 0
    services.record_visit(data={"household": police.households[0]}, by=police.aux)
    services.review_risk_person(person=p, by=police.aux, risk_level="yellow")
    open_flags = selectors.overdue_flags(user=police.officer)
    assert [f.household for f in open_flags] == [police.households[1]]
    assert RiskPerson.objects.get(pk=p.pk).next_review_on > timezone.localdate()
    assert OverdueFlag.objects.count() == 3  # cleared flags stay on record


def test_transitions_are_logged_in_core(police):
    h = services.report_hazard(data=hazard_data(jurisdiction=police.village), by=police.aux)
    services.advance_hazard(hazard=h, name="control", by=police.aux)
    assert Transition.objects.filter(workflow="policing.hazard", object_id=str(h.pk), to_state="controlled").exists()
