"""Routing to the three tiers: real agencies from the demo org chart, accept/decline, reroute,
escalation and the automatic escalation job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pingan.core.errors import ApplicationError
from pingan.core.models import OutboxEvent
from pingan.disputes import services
from pingan.disputes.models import Dispute, Routing
from pingan.disputes.routing import current_routing, resolve_tier
from pingan.disputes.selectors import dispute_list
from pingan.disputes.tasks import escalate_overdue

from .conftest import new_dispute, routed_dispute

pytestmark = pytest.mark.django_db


def codes(routing: Routing) -> set[str]:
    return {a.code for a in routing.agencies.all()}


def test_each_grade_resolves_to_agencies_of_the_place(org, categories):
    dispute = new_dispute(org, categories)
    blue = resolve_tier(dispute=dispute, tier="blue")
    assert blue.lead.code == "mc-v-shaomi-cun"
    assert {a.code for a in blue.agencies} == {"mc-v-shaomi-cun", "vpo-shaomi-cun"}
    yellow = resolve_tier(dispute=dispute, tier="yellow")
    assert yellow.lead.code == "ps-shaomi"
    assert {a.code for a in yellow.agencies} == {"ps-shaomi", "jo-520204104", "mc-t-shaomi"}
    red = resolve_tier(dispute=dispute, tier="red")
    assert red.lead.code == "gov-shaomi"
    assert {"ps-shaomi", "jo-520204104", "mc-t-shaomi", "zz-shaomi", "mc-medical"} <= {a.code for a in red.agencies}
    assert any("1+4+N" in line for line in red.explanation)


def test_medical_goes_to_the_professional_committee(org, categories):
    dispute = new_dispute(org, categories, category=categories["medical"])
    res = resolve_tier(dispute=dispute, tier="blue")
    assert res.lead.code == "mc-medical"


def test_township_place_without_village_body_moves_up_a_tier(org, categories):
    dispute = new_dispute(org, categories, jurisdiction=org.shaomi, by=org.township_official)
    res = resolve_tier(dispute=dispute, tier="blue")
    assert res.tier == "yellow" and res.lead.code == "ps-shaomi"
    assert "上移一级" in res.explanation[0]


def test_route_accept_and_scope(org, categories, make_user):
    dispute = routed_dispute(org, categories)
    routing = current_routing(dispute)
    assert dispute.state == "routed" and dispute.handling_agency.code == "mc-v-shaomi-cun"
    assert routing.kind == "initial" and routing.accept_due > routing.routed_at
    # The village police office takes part: its officer sees the dispute, but may not accept for the lead.
    aux = make_user("auxiliary_officer", "vpo-shaomi-cun", username="aux_shaomi")
    assert dispute_list(user=aux).filter(pk=dispute.pk).exists()
    with pytest.raises(PermissionDenied):
        services.accept_routing(dispute=dispute, by=aux)
    with pytest.raises(PermissionDenied):
        services.accept_routing(dispute=dispute, by=org.village_mediator_b)  # another village
    services.accept_routing(dispute=dispute, by=org.village_mediator_a)
    routing.refresh_from_db()
    dispute.refresh_from_db()
    assert (routing.status, dispute.state, routing.decided_by) == ("accepted", "accepted", org.village_mediator_a)


def test_routing_needs_the_route_permission_and_a_grade(org, categories):
    dispute = new_dispute(org, categories)
    with pytest.raises(ApplicationError) as exc:
        services.route_dispute(dispute=dispute, by=org.township_official)  # still "received"
    assert exc.value.code == "transition_not_allowed"
    services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    with pytest.raises(PermissionDenied):
        services.route_dispute(dispute=dispute, by=org.village_mediator_a)  # village mediators do not route
    assert not Routing.objects.filter(dispute=dispute).exists()


def test_decline_needs_reason_then_reroute_skips_the_decliner(org, categories):
    dispute = routed_dispute(org, categories)
    with pytest.raises(ValidationError):
        services.decline_routing(dispute=dispute, reason="", by=org.village_mediator_a)
    services.decline_routing(dispute=dispute, reason="当事人均非本村村民", by=org.village_mediator_a)
    dispute.refresh_from_db()
    assert dispute.state == "declined" and dispute.handling_agency is None
    declined = Routing.objects.get(dispute=dispute, status="declined")
    assert declined.decision_reason == "当事人均非本村村民"
    again = services.route_dispute(dispute=dispute, by=org.township_official)
    assert again.kind == "reroute"
    assert again.lead_agency.code != "mc-v-shaomi-cun"  # the enterprise/police office next in line
    assert again.lead_agency.code == "vpo-shaomi-cun"


def test_escalate_and_deescalate_are_recorded(org, categories, police_officer_shaomi):
    dispute = routed_dispute(org, categories)
    services.accept_routing(dispute=dispute, by=org.village_mediator_a)
    with pytest.raises(ValidationError):
        services.change_tier(dispute=dispute, by=org.township_official, reason="")
    up = services.change_tier(dispute=dispute, by=org.township_official, reason="双方亲属聚集，有激化风险")
    assert (up.kind, up.tier, up.lead_agency.code) == ("escalate", "yellow", "ps-shaomi")
    dispute.refresh_from_db()
    assert dispute.state == "routed" and dispute.handling_agency.code == "ps-shaomi"
    services.accept_routing(dispute=dispute, by=police_officer_shaomi)
    down = services.change_tier(dispute=dispute, by=police_officer_shaomi, reason="事态平息，交村调委会", to_tier="blue")
    assert (down.kind, down.tier) == ("deescalate", "blue")
    kinds = list(Routing.objects.filter(dispute=dispute).order_by("pk").values_list("kind", "status"))
    assert kinds == [("initial", "superseded"), ("escalate", "superseded"), ("deescalate", "pending")]
    from pingan.core.workflow import history

    names = [t.name for t in history(dispute)]
    assert names == ["grade", "route", "accept", "escalate", "accept", "deescalate"]


def test_red_cannot_escalate_further(org, categories):
    dispute = new_dispute(org, categories, facts="扬言报复")
    services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    services.route_dispute(dispute=dispute, by=org.township_official)
    with pytest.raises(ApplicationError) as exc:
        services.change_tier(dispute=dispute, by=org.township_official, reason="x")
    assert exc.value.code == "already_highest"


def test_auto_escalation_of_unaccepted_and_stalled_disputes_is_idempotent(org, categories, police_officer_shaomi):
    late = routed_dispute(org, categories)
    Routing.objects.filter(dispute=late).update(accept_due=timezone.now() - timedelta(hours=1))
    stalled = routed_dispute(org, categories, title="另一起纠纷")
    services.accept_routing(dispute=stalled, by=org.village_mediator_a)
    fresh = routed_dispute(org, categories, title="刚分流的纠纷")
    # Stalled: accepted 20 days ago with no progress since (moved back in time, as if it had happened).
    old = timezone.now() - timedelta(days=20)
    Routing.objects.filter(dispute=stalled).update(decided_at=old, routed_at=old)
    from pingan.core.models import Transition

    Transition.objects.filter(object_id=str(stalled.pk), workflow="disputes.dispute").update(at=old)

    done = escalate_overdue()
    assert done["unaccepted"] == [late.pk] and done["stalled"] == [stalled.pk]
    for d in (late, stalled):
        routing = current_routing(d)
        assert (routing.kind, routing.tier, routing.routed_by) == ("auto_escalate", "yellow", None)
        assert Dispute.objects.get(pk=d.pk).state == "routed"
    assert current_routing(fresh).kind == "initial"
    assert escalate_overdue() == {"unaccepted": [], "stalled": [], "noted": []}  # nothing twice


def test_red_overdue_is_noted_once(org, categories):
    dispute = new_dispute(org, categories, facts="扬言报复")
    services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    services.route_dispute(dispute=dispute, by=org.township_official)
    Routing.objects.filter(dispute=dispute).update(accept_due=timezone.now() - timedelta(hours=1))
    assert escalate_overdue()["noted"] == [dispute.pk]
    assert escalate_overdue()["noted"] == []
    assert OutboxEvent.objects.filter(topic="disputes.routing.overdue").count() == 1


def test_periodic_jobs_are_registered_and_admin_lists_are_scoped(org, categories, rf):
    from django.contrib import admin

    from pingan.core.tasks import periodic_jobs
    from pingan.disputes.admin import RoutingAdmin

    names = {job.name for job in periodic_jobs()}
    assert {"disputes.escalate_overdue", "disputes.remind_overdue_referrals"} <= names
    routed_dispute(org, categories)
    model_admin = RoutingAdmin(Routing, admin.site)
    for user, expected in ((org.village_mediator_a, 1), (org.village_mediator_b, 0), (org.court_clerk, 1)):
        request = rf.get("/")
        request.user = user
        assert model_admin.get_queryset(request).count() == expected
        assert not model_admin.has_change_permission(request)
