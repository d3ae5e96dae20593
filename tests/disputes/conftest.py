"""Dispute tests run on the shared demo org chart (tests/conftest.py `make_user`): three villages
in two townships, their committees, and a user per role that matters for disputes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import pytest

from pingan.disputes.models import Category
from pingan.orgs.models import Agency, Jurisdiction, User


def valid_id(n: int) -> str:
    """A valid GB 11643 number for a person born in 1985 (sequence n)."""
    from pingan.core.idnumber import check_character

    first17 = f"52020419850101{n:03d}"
    return first17 + check_character(first17)


@dataclass
class Org:
    district: Jurisdiction
    shaomi: Jurisdiction
    shuangshui: Jurisdiction
    village_a: Jurisdiction
    village_b: Jurisdiction
    village_c: Jurisdiction
    committee_a: Agency
    committee_b: Agency
    centre: Agency
    village_mediator_a: User
    village_mediator_b: User
    township_official: User
    district_leader: User
    court_clerk: User
    centre_mediator: User
    outsider: User


@pytest.fixture
def org(district, make_user) -> Org:
    """勺米村 and 坪箐村 (both 勺米镇) and 黄土坡社区 (双水街道), from the shared demo org chart."""
    from pingan.disputes.seed import seed

    seed()  # a transactional test elsewhere may have flushed what the migration loaded
    a = make_user("village_mediator", "mc-v-shaomi-cun", username="vm_a")
    b = make_user("village_mediator", "mc-v-pingqing", username="vm_b")
    c = make_user("village_mediator", "mc-v-huangtupo", username="vm_c")
    centre_mediator = make_user("mediator", "mediation-centre", username="centre_med")
    return Org(
        district=district,
        shaomi=Jurisdiction.objects.get(code="520204104000"),
        shuangshui=Jurisdiction.objects.get(code="520204002000"),
        village_a=a.agency.jurisdiction, village_b=b.agency.jurisdiction, village_c=c.agency.jurisdiction,
        committee_a=a.agency, committee_b=b.agency, centre=centre_mediator.agency,
        village_mediator_a=a,
        village_mediator_b=b,
        township_official=make_user("township_official", "gov-shaomi", username="town"),
        district_leader=make_user("district_leader", "plc", username="leader"),
        court_clerk=make_user("court_clerk", "court", username="clerk"),
        centre_mediator=centre_mediator,
        outsider=make_user(None, username="nobody"),
    )


@pytest.fixture
def categories(db) -> dict[str, Category]:
    from pingan.disputes.seed import load_categories

    load_categories()
    return {c.code: c for c in Category.objects.all()}


def dispute_data(org: Org, categories, **overrides):
    data = {
        "title": "邻里宅基地界址纠纷",
        "facts": "张三与李四因宅基地界址发生争执，双方多次口角。",
        "category": categories["neighbours"],
        "amount": Decimal("5000"),
        "jurisdiction": org.village_a,
    }
    data.update(overrides)
    return data


def person(name="张三", role="applicant", **extra):
    return {"role": role, "kind": "person", "name": name, **extra}


class NamedBytes(io.BytesIO):
    def __init__(self, data: bytes, name: str):
        super().__init__(data)
        self.name = name
        self.size = len(data)


# --- slice 2: grading, routing, mediation -------------------------------------------------------


@pytest.fixture
def police_officer_shaomi(make_user) -> User:
    return make_user("police_officer", "ps-shaomi", username="police_shaomi")


CHART = (
    "mc-v-shaomi-cun", "vpo-shaomi-cun", "mc-v-pingqing", "ps-shaomi", "jo-520204104", "mc-t-shaomi", "gov-shaomi",
    "zz-shaomi", "mc-medical", "mc-traffic", "tribunal-dongdi", "ps-shuangshui", "mc-t-shuangshui",
)


def ensure_chart() -> None:
    """The bodies routing looks for around 勺米镇 (the shared fixtures create agencies on demand)."""
    from pingan.orgs.demo import ensure_agency

    for code in CHART:
        ensure_agency(code)


def new_dispute(org: Org, categories, *, by=None, parties=None, **overrides):
    from pingan.disputes import services

    ensure_chart()

    return services.create_dispute(
        data=dispute_data(org, categories, **overrides),
        parties=parties or [person("张三", id_number=valid_id(1)), person("李四", role="respondent")],
        by=by or org.village_mediator_a, source="web",
    )


def routed_dispute(org: Org, categories, **overrides):
    """A blue dispute in 勺米村, graded by the village mediator and routed by the township."""
    from pingan.disputes import services

    dispute = new_dispute(org, categories, **overrides)
    services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    services.route_dispute(dispute=dispute, by=org.township_official)
    dispute.refresh_from_db()
    return dispute


def mediating_dispute(org: Org, categories, **overrides):

    from django.utils import timezone

    from pingan.disputes import services

    dispute = routed_dispute(org, categories, **overrides)
    services.accept_routing(dispute=dispute, by=org.village_mediator_a)
    services.add_session(
        dispute=dispute, by=org.village_mediator_a,
        data={"held_at": timezone.now(), "mode": "in_person", "place": "勺米村委会",
              "attendees": "张三、李四、调解员龙光明", "minutes": "双方陈述意见。"},
    )
    dispute.refresh_from_db()
    return dispute
