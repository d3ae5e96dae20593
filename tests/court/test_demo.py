"""`pingan demo` court loader: a case in every state, the series of 8 confirmed; idempotent."""

from __future__ import annotations

import pytest
from django.db.models import Count

from pingan.court.demo import CASES, load_demo_court
from pingan.court.models import CaseSeries, CourtCase, Outcome
from pingan.court.workflow import COURT_CASE

pytestmark = pytest.mark.django_db


def test_demo_cases_in_every_state_and_idempotent(district):
    from pingan.disputes.seed import seed as disputes_seed
    from pingan.orgs.demo import load as load_orgs

    load_orgs()
    disputes_seed()
    logins = load_demo_court()
    assert {login.username for login in logins} >= {"judge_civil"}
    states = set(CourtCase.objects.values_list("state", flat=True))
    assert states == set(COURT_CASE.states) - {"failed"}  # a failed case moves straight on to filing
    series = CaseSeries.objects.annotate(n=Count("cases")).get()
    assert series.n == 8
    assert set(series.cases.values_list("outcome", flat=True)) == {Outcome.JUDICIAL_CONFIRMATION}
    reasons = set(CourtCase.objects.filter(outcome=Outcome.RETURNED).values_list("return_reason", flat=True))
    assert reasons == {"refused", "failed", "timed_out"}
    total = CourtCase.objects.count()
    assert total == len(CASES) + 8
    load_demo_court()
    assert CourtCase.objects.count() == total
