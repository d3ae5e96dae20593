"""Series cases (系列案): bulk delegation and assignment, one session for all, individual
outcomes, one action to apply for and confirm them all — the seed's 8 cases in one week."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from pingan.core.errors import ApplicationError
from pingan.court import services
from pingan.court.models import CourtCase, JudicialConfirmation, Outcome

from .conftest import at, consent_all, new_case

pytestmark = pytest.mark.django_db
S = CourtCase.State


def eight(court):
    cases = [consent_all(court, new_case(court, names=("某民营企业", "某平台公司"), title=f"服务合同纠纷{i}"))
             for i in range(1, 9)]
    return services.create_series(name="某民营企业与某平台公司系列案", court=court.court, cases=cases,
                                  facts="同一合作协议项下 8 笔服务费", by=court.clerk)


def test_eight_cases_mediated_in_a_week_then_confirmed(court):
    series = eight(court)
    monday = at(date(2024, 5, 13))
    services.delegate_series(series=series, organisation=court.centre, by=court.clerk, now=monday)
    services.assign_series_mediator(series=series, mediator=court.mediator, by=court.clerk, now=monday)
    services.accept_series(series=series, by=court.mediator, now=monday)
    cases = list(series.cases.order_by("pk"))
    assert {c.state for c in cases} == {S.IN_MEDIATION}
    assert [c.number for c in cases] == [f"（2024）黔0204民诉前调{i}号" for i in range(1, 9)]
    session = services.record_session(cases=cases, held_at=at(date(2024, 5, 15), 9), place="诉调对接中心",
                                      attendees="双方代理人", minutes="八案合并调解", by=court.mediator)
    assert session.cases.count() == 8
    for case in cases:  # individual outcomes
        services.succeed_mediation(case=case, agreed_terms="平台公司分期支付服务费",
                                   agreement_effective_on=date(2024, 5, 17), by=court.mediator,
                                   now=at(date(2024, 5, 17)))
    services.apply_series_confirmation(series=series, applied_on=date(2024, 5, 20), by=court.clerk)
    services.confirm_series(series=series, ruled_on=date(2024, 5, 24), by=court.judge, now=at(date(2024, 5, 24)))
    assert set(series.cases.values_list("outcome", flat=True)) == {Outcome.JUDICIAL_CONFIRMATION}
    numbers = sorted(JudicialConfirmation.objects.values_list("number", flat=True))
    assert len(numbers) == 8 and "（2024）黔0204民特8号" in numbers


def test_series_batch_is_all_or_nothing(court):
    series = eight(court)
    late = series.cases.order_by("pk").last()
    services.delegate_series(series=series, organisation=court.centre, by=court.clerk)
    services.assign_series_mediator(series=series, mediator=court.mediator, by=court.clerk)
    services.accept_series(series=series, by=court.mediator, now=at(date(2024, 5, 13)))
    for case in series.cases.all():
        effective = date(2024, 4, 1) if case.pk == late.pk else date(2024, 5, 17)
        case.mediator_accepted_at = at(date(2024, 3, 1))
        case.save(update_fields=["mediator_accepted_at"])
        services.succeed_mediation(case=case, agreed_terms="分期支付", agreement_effective_on=effective,
                                   by=court.mediator, now=at(date(2024, 5, 17)))
    with pytest.raises(ApplicationError) as exc:
        services.apply_series_confirmation(series=series, applied_on=date(2024, 5, 20), by=court.clerk)
    assert exc.value.code == "confirmation_out_of_time"
    assert not JudicialConfirmation.objects.exists()
    assert set(series.cases.values_list("state", flat=True)) == {S.SUCCEEDED}


def test_session_refuses_cases_not_in_mediation(court):
    case = consent_all(court, new_case(court))
    services.delegate_case(case=case, organisation=court.centre, by=court.clerk)
    services.assign_mediator(case=case, mediator=court.mediator, by=court.clerk)
    with pytest.raises(PermissionDenied):  # the clerk does not mediate
        services.record_session(cases=[case], held_at=at(date(2024, 5, 15)), by=court.clerk)
    with pytest.raises(ApplicationError) as exc:  # not accepted yet
        services.record_session(cases=[case], held_at=at(date(2024, 5, 15)), by=court.mediator)
    assert exc.value.code == "not_in_mediation"
