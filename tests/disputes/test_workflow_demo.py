from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from pingan.core.errors import ApplicationError
from pingan.core.models import Transition
from pingan.core.workflow import transition, workflow_for
from pingan.disputes import services
from pingan.disputes.demo import load_demo_disputes
from pingan.disputes.models import Dispute

from .conftest import dispute_data, person

pytestmark = pytest.mark.django_db


def test_disputes_workflow_declared_and_checked(org, categories):
    d = services.create_dispute(data=dispute_data(org, categories), parties=[person()], by=None, source="web")
    wf = workflow_for(d)
    assert wf.initial == d.state == "received"
    with pytest.raises(ApplicationError):
        transition(obj=d, name="accept", by=org.village_mediator_a)
    with pytest.raises(PermissionDenied):
        transition(obj=d, name="grade", by=org.village_mediator_b)
    transition(obj=d, name="grade", by=org.village_mediator_a, reason="测试")
    assert Dispute.objects.get(pk=d.pk).state == "graded"
    assert Transition.objects.get(object_id=str(d.pk)).to_state == "graded"


def test_demo_loader_is_idempotent_and_spreads_across_every_state(org):
    from pingan.disputes.models import Agreement
    from pingan.orgs.demo import load as load_orgs

    load_orgs()  # as `pingan demo` does: the org chart (with its administrator) comes first
    load_demo_disputes()
    first = Dispute.objects.count()
    assert first == 300
    townships = {p.split("/")[1] for p in Dispute.objects.values_list("jurisdiction__path", flat=True)}
    assert len(townships) > 10  # spread across the district's townships
    states = set(Dispute.objects.values_list("state", flat=True))
    assert {"received", "graded", "routed", "mediating", "agreed", "failed", "referred", "closed",
            "followed_up"} <= states
    assert Agreement.objects.filter(effective_at__isnull=False).exists()
    transitions = Transition.objects.count()
    load_demo_disputes()  # idempotent: nothing added, nothing moves twice
    assert Dispute.objects.count() == first
    assert Transition.objects.count() == transitions
