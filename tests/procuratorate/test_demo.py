"""The demo loader: a year of records, partner logins with printed passwords, idempotent."""

from __future__ import annotations

import pytest

from pingan.core.demo import loaders
from pingan.procuratorate.demo import load_demo
from pingan.procuratorate.models import (
    EarlyInvolvement,
    MinorCase,
    Recommendation,
    Suspect,
    VolunteerPlan,
)

pytestmark = pytest.mark.django_db


def test_demo_is_registered_after_orgs_and_idempotent(district):
    from tests.core.seed import ensure_core_seed

    ensure_core_seed()
    names = [loader.name for loader in loaders()]
    assert names.index("orgs") < names.index("procuratorate")
    logins = load_demo()
    assert {"prosecutor", "partner_traffic", "partner_traffic_lead"} <= {x.username for x in logins}
    assert all(x.password.startswith("Demo-") for x in logins)
    counts = (MinorCase.objects.count(), Suspect.objects.count(), VolunteerPlan.objects.count(),
              Recommendation.objects.count(), EarlyInvolvement.objects.count())
    assert counts[0] == 120 and counts[3] == 3 and counts[4] == 40
    states = set(Suspect.objects.values_list("state", flat=True))
    assert {"prosecuted", "non_prosecuted", "arrest_not_approved"} <= states
    assert VolunteerPlan.objects.filter(state="passed", suspect__state="non_prosecuted").count() >= 3
    assert set(Recommendation.objects.values_list("state", flat=True)) >= {"implemented"}
    load_demo()
    assert counts == (MinorCase.objects.count(), Suspect.objects.count(), VolunteerPlan.objects.count(),
                      Recommendation.objects.count(), EarlyInvolvement.objects.count())
