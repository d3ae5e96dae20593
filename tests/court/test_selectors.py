"""Roster ranking, queues and who sees which case (a mediator sees only their own → 404)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pingan.court import selectors, services
from pingan.court.models import CourtCase, MediatorProfile
from pingan.orgs.demo import ensure_jurisdiction

from .conftest import at, consent_all, in_mediation, new_case

pytestmark = pytest.mark.django_db


def test_recommendation_ranks_speciality_then_township_then_load(court, make_user):
    shaomi = court.village.parent  # 勺米镇
    elsewhere = ensure_jurisdiction("520204002001").parent  # 双水街道
    contract = court.categories["contract"]
    labour = court.categories["labour_wages"]
    MediatorProfile.objects.all().delete()

    def mediator(name, place, specialities):
        user = make_user("mediator", "mediation-centre", username=name, full_name=name)
        profile = MediatorProfile.objects.create(user=user, organisation=court.centre, place=place)
        profile.specialities.set(specialities)
        return user

    far_expert = mediator("far_expert", elsewhere, [contract])
    near_expert = mediator("near_expert", shaomi, [contract])
    busy_near_expert = mediator("busy_near_expert", shaomi, [contract])
    near_generalist = mediator("near_generalist", shaomi, [labour])
    far_generalist = mediator("far_generalist", elsewhere, [])
    # give one near expert a case in mediation: a higher load
    court.mediator = busy_near_expert
    in_mediation(court, accepted=at(date(2024, 3, 1)), names=("甲", "乙"))

    case = consent_all(court, new_case(court))
    services.delegate_case(case=case, organisation=court.centre, by=court.clerk)
    ranked = selectors.recommend_mediators(user=court.clerk, case=case, limit=10)
    assert [r.profile.user for r in ranked] == [
        near_expert, busy_near_expert, far_expert, near_generalist, far_generalist,
    ]
    assert ranked[1].load == 1 and ranked[0].load == 0
    assert "擅长买卖合同纠纷" in ranked[0].reasons[0] or ranked[0].speciality


def test_roster_load_counts_open_cases_only(court):
    in_mediation(court, accepted=at(date(2024, 3, 1)))
    done = in_mediation(court, accepted=at(date(2024, 3, 1)), names=("丙", "丁"))
    services.fail_mediation(case=done, reason="不成", undisputed_facts="", disputed_matters="", by=court.mediator)
    loads = {p.user_id: p.load for p in selectors.roster(user=court.clerk)}
    assert loads[court.mediator.pk] == 1 and loads[court.other_mediator.pk] == 0


def test_mediator_cannot_see_another_mediators_case(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    assert selectors.get_case(user=court.mediator, uuid=case.uuid) == case
    with pytest.raises(Http404):
        selectors.get_case(user=court.other_mediator, uuid=case.uuid)
    assert list(selectors.case_list(user=court.other_mediator)) == []
    assert list(selectors.mediator_queue(user=court.mediator)) == [case]


def test_court_sees_its_cases_and_tribunal_cases(court, make_user):
    at_court = new_case(court)
    at_tribunal = new_case(court, court_agency=court.tribunal, names=("戊", "己"))
    tribunal_clerk = make_user("court_clerk", "tribunal-dongdi", username="tribunal_clerk")
    assert set(selectors.case_list(user=court.clerk)) == {at_court, at_tribunal}
    assert set(selectors.case_list(user=court.judge)) == {at_court, at_tribunal}
    assert list(selectors.case_list(user=tribunal_clerk)) == [at_tribunal]
    with pytest.raises(PermissionDenied):  # a judge sees the case but does not screen it
        selectors.get_case(user=court.judge, uuid=at_court.uuid, action="change")


def test_judge_supervises_and_comments(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    services.add_comment(case=case, text="注意核实欠款金额的证据", by=court.judge)
    rows = list(selectors.supervision_queue(user=court.judge))
    assert rows == [case] and rows[0].comment_count == 1
    with pytest.raises(PermissionDenied):
        services.add_comment(case=case, text="x", by=court.other_mediator)


def test_queue_deadlines_warn_before_the_end(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))  # due 1 Apr
    views = selectors.open_deadlines([case], now=at(date(2024, 3, 30)))[case.pk]
    assert [(v.kind, v.soon, v.overdue) for v in views] == [("court.mediation_period", True, False)]
    views = selectors.open_deadlines([case], now=at(date(2024, 4, 2)))[case.pk]
    assert views[0].overdue


def test_provisional_deadline_is_flagged(court):
    from pingan.core.calendar import year_known

    # A period running into a year with no holiday data is provisional and carries a warning.
    year = next(y for y in range(2026, 2100) if not year_known(y))
    case = in_mediation(court, accepted=at(date(year - 1, 12, 20)))
    view = selectors.open_deadlines([case], now=at(date(year - 1, 12, 21)))[case.pk][0]
    assert view.provisional and view.warning
    assert case.state == CourtCase.State.IN_MEDIATION
