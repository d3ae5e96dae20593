"""Statistics tests count hand-made records, so every expected figure can be checked by hand.
Records are written with the ORM here because what is under test is the reading side; the
seed-figure tests (test_seed_figures.py) go through the products' import paths instead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from pingan.orgs.models import Agency, Jurisdiction, User

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai time."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class World:
    district: Jurisdiction
    shaomi: Jurisdiction
    shuangshui: Jurisdiction
    shaomi_cun: Jurisdiction
    pingqing: Jurisdiction
    huangtupo: Jurisdiction
    committee: Agency
    court: Agency
    leader: User
    town: User
    clerk: User
    nobody: User


@pytest.fixture
def world(district, make_user) -> World:
    from pingan.disputes.seed import seed as disputes_seed

    disputes_seed()
    vm = make_user("village_mediator", "mc-v-shaomi-cun", username="st_vm_a")
    vm_b = make_user("village_mediator", "mc-v-pingqing", username="st_vm_b")
    vm_c = make_user("village_mediator", "mc-v-huangtupo", username="st_vm_c")
    clerk = make_user("court_clerk", "court", username="st_clerk")
    return World(
        district=district,
        shaomi=Jurisdiction.objects.get(code="520204104000"),
        shuangshui=Jurisdiction.objects.get(code="520204002000"),
        shaomi_cun=vm.agency.jurisdiction, pingqing=vm_b.agency.jurisdiction, huangtupo=vm_c.agency.jurisdiction,
        committee=vm.agency, court=clerk.agency,
        leader=make_user("district_leader", "plc", username="st_leader"),
        town=make_user("township_official", "gov-shaomi", username="st_town"),
        clerk=clerk,
        nobody=make_user(None, username="st_nobody"),
    )


_n = iter(range(1, 1_000_000))


def make_dispute(jurisdiction: Jurisdiction, received_at: dt.datetime, **kw):
    from pingan.disputes.models import Category, Dispute

    kw.setdefault("category", Category.objects.order_by("pk").first())
    return Dispute.objects.create(title=f"纠纷{next(_n)}", facts="事实", jurisdiction=jurisdiction,
                                  received_at=received_at, **kw)


def make_outcome(dispute, kind: str, on: dt.date):
    from pingan.disputes.models import Outcome

    return Outcome.objects.create(dispute=dispute, kind=kind, decided_on=on,
                                  reason="不同意" if kind == "failed" else "")


def make_follow_up(dispute, satisfaction: str, done_at: dt.datetime):
    from pingan.disputes.models import FollowUp

    return FollowUp.objects.create(dispute=dispute, due_on=done_at.date(), method="phone",
                                   satisfaction=satisfaction, done_at=done_at)


def make_court_case(world: World, jurisdiction: Jurisdiction, *, delegated_at=None, outcome: str = "",
                    outcome_at=None, return_reason: str = "", received_on: dt.date | None = None):
    from pingan.court.models import CourtCase

    received = delegated_at or outcome_at or at(2022, 6, 1)
    dispute = make_dispute(jurisdiction, received, source="court")
    return CourtCase.objects.create(
        court=world.court, dispute=dispute, claim="请求", received_on=received_on or received.date(),
        delegated_to=world.committee if delegated_at else None, delegated_at=delegated_at, outcome=outcome,
        outcome_at=outcome_at, return_reason=return_reason)
