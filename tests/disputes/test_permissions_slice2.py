"""The new dispute actions as permission rows: who may grade, route, accept, mediate, refer,
close and follow up — allowed and denied."""

from __future__ import annotations

import pytest

from pingan.disputes.models import Dispute
from pingan.orgs.permissions import can, has_object_permission

from .conftest import new_dispute, routed_dispute

pytestmark = pytest.mark.django_db

ACTIONS = ("grade", "route", "accept", "mediate", "close", "follow_up", "refer")


def allowed(user, dispute: Dispute) -> set[str]:
    return {a for a in ACTIONS if has_object_permission(user, dispute, a)}


def test_village_mediator_in_own_village(org, categories):
    unrouted = new_dispute(org, categories)
    assert allowed(org.village_mediator_a, unrouted) == {"grade", "refer"}
    assert allowed(org.village_mediator_b, unrouted) == set()  # the next village
    routed = routed_dispute(org, categories)
    assert allowed(org.village_mediator_a, routed) == {"grade", "refer", "accept", "mediate", "close", "follow_up"}


def test_township_routes_but_does_not_mediate_a_village_case(org, categories):
    routed = routed_dispute(org, categories)
    got = allowed(org.township_official, routed)
    assert "route" in got and "grade" in got
    assert not {"accept", "mediate"} & got


def test_court_clerk_everything_outsider_and_leader(org, categories):
    dispute = new_dispute(org, categories)
    assert allowed(org.court_clerk, dispute) == set(ACTIONS)
    assert allowed(org.outsider, dispute) == set()
    assert allowed(org.district_leader, dispute) == {"route"}  # oversight: escalate/de-escalate only
    assert not can(org.outsider, "grade", Dispute)


def test_participating_agency_sees_but_lead_decides(org, categories, make_user):
    routed = routed_dispute(org, categories)
    aux = make_user("auxiliary_officer", "vpo-shaomi-cun", username="aux_p")
    assert has_object_permission(aux, routed, "view")
    assert has_object_permission(aux, routed, "mediate")  # joins the mediation
    other = make_user("police_officer", "ps-shuangshui", username="ps_other")
    assert not has_object_permission(other, routed, "view")
