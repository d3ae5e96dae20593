"""A small org chart for dispute tests: two townships, three villages, their committees, and a
user per role that matters for disputes. Built with get_or_create so it sits on top of whatever
the orgs seed already put in the database."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

import pytest

from pingan.disputes.models import Category
from pingan.orgs.models import Agency, Jurisdiction, Role, User

VALID_IDS = ["520204198001010014", "52020419900215002X", "520204200501010017", "110101199003071015"]


def valid_id(n: int) -> str:
    """A valid GB 11643 number for a person born in 1985 (sequence n)."""
    from pingan.core.idnumber import check_character

    first17 = f"52020419850101{n:03d}"
    return first17 + check_character(first17)


@dataclass
class Org:
    district: Jurisdiction
    shaomi: Jurisdiction
    panlong: Jurisdiction
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


def _jur(code, name, level, parent, kind=""):
    obj, _ = Jurisdiction.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "kind": kind, "is_demo": level >= 3}
    )
    return obj


def _agency(code, name, kind, jur, tier=""):
    obj, _ = Agency.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "jurisdiction": jur, "tier": tier})
    return obj


def _user(username, agency, *roles):
    user = User.objects.create_user(username=username, password="x-test-password-1", full_name=username, agency=agency)
    for code in roles:
        user.roles.add(Role.objects.get(code=code))
    return user


@pytest.fixture
def org(db) -> Org:
    district = _jur("520204000000", "水城区", 1, None, "市辖区")
    shaomi = _jur("520204104000", "勺米镇", 2, district, "镇")
    panlong = _jur("520204100000", "蟠龙镇", 2, district, "镇")
    village_a = _jur("520204104201", "勺米村", 3, shaomi, "村")
    village_b = _jur("520204104202", "新寨村", 3, shaomi, "村")
    village_c = _jur("520204100201", "蟠龙村", 3, panlong, "村")
    committee_a = _agency("t-med-a", "勺米村人民调解委员会", "mediation_committee", village_a, "village")
    committee_b = _agency("t-med-b", "新寨村人民调解委员会", "mediation_committee", village_b, "village")
    gov = _agency("t-gov-shaomi", "勺米镇人民政府", "party_government", shaomi)
    court = _agency("t-court", "水城区人民法院", "court", district)
    centre = _agency("t-centre", "水城区人民调解中心", "mediation_centre", district)
    plc = _agency("t-plc", "区委政法委", "political_legal_committee", district)
    return Org(
        district=district, shaomi=shaomi, panlong=panlong,
        village_a=village_a, village_b=village_b, village_c=village_c,
        committee_a=committee_a, committee_b=committee_b, centre=centre,
        village_mediator_a=_user("vm_a", committee_a, "village_mediator"),
        village_mediator_b=_user("vm_b", committee_b, "village_mediator"),
        township_official=_user("town", gov, "township_official"),
        district_leader=_user("leader", plc, "district_leader"),
        court_clerk=_user("clerk", court, "court_clerk"),
        centre_mediator=_user("centre_med", centre, "mediator"),
        outsider=_user("nobody", None),
    )


@pytest.fixture
def categories(db) -> dict[str, Category]:
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
