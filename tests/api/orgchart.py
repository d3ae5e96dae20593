"""A small org chart built with the ORM for the API, page and browser tests: one district with two
townships, a village in each, a justice bureau and a village mediation committee per village;
roles and permission rows shaped like pingan/orgs/data/roles.json. Rows are matched by code/name,
so this works whether or not the seed migration has loaded the shipped roles."""

from __future__ import annotations

from dataclasses import dataclass

from pingan.orgs.models import Agency, Jurisdiction, ObjectPermission, Role, User

PASSWORD = "Pingan-test-2026!"

ROLES = {
    "admin": {"name": "系统管理员", "name_en": "System administrator", "home": "admin", "requires_2fa": True},
    "district_leader": {"name": "区领导", "name_en": "District leader", "home": "district"},
    "village_mediator": {"name": "村（居）调解员", "name_en": "Village mediator", "home": "village"},
}

PERMISSIONS = [
    ("orgs.manage_all", ["orgs.jurisdiction", "orgs.agency", "orgs.user", "orgs.apitoken"],
     ["view", "add", "change", "delete"], None, ["admin"]),
    ("orgs.view_district", ["orgs.jurisdiction", "orgs.agency"], ["view"], None, ["district_leader"]),
    ("orgs.view_jurisdiction_subtree", ["orgs.jurisdiction"], ["view"],
     [{"path__startswith": "$jurisdiction_path"}], ["village_mediator"]),
    ("orgs.view_agencies_in_subtree", ["orgs.agency"], ["view"],
     [{"jurisdiction__path__startswith": "$jurisdiction_path"}, {"path__startswith": "$agency_path"}],
     ["village_mediator"]),
]


@dataclass
class OrgChart:
    district: Jurisdiction
    town_a: Jurisdiction
    town_b: Jurisdiction
    village_a: Jurisdiction
    village_b: Jurisdiction
    bureau: Agency
    committee_a: Agency
    committee_b: Agency


def _jur(code: str, name: str, level: int, parent: Jurisdiction | None) -> Jurisdiction:
    obj, _ = Jurisdiction.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})
    return obj


def _agency(code: str, name: str, kind: str, jur: Jurisdiction, tier: str = "", parent: Agency | None = None) -> Agency:
    obj, _ = Agency.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "tier": tier, "jurisdiction": jur, "parent": parent}
    )
    return obj


def build_org_chart() -> OrgChart:
    for code, fields in ROLES.items():
        Role.objects.update_or_create(code=code, defaults=fields)
    for name, types, actions, constraints, roles in PERMISSIONS:
        perm, _ = ObjectPermission.objects.get_or_create(
            name=name, defaults={"object_types": types, "actions": actions, "constraints": constraints}
        )
        perm.roles.add(*Role.objects.filter(code__in=roles))
    district = _jur("529900000000", "测试区", 1, None)
    town_a = _jur("529900100000", "甲镇", 2, district)
    town_b = _jur("529900200000", "乙镇", 2, district)
    village_a = _jur("529900100201", "甲镇东村", 3, town_a)
    village_b = _jur("529900200201", "乙镇西村", 3, town_b)
    bureau = _agency("test-justice-bureau", "测试区司法局", "justice_bureau", district)
    committee_a = _agency("test-vmc-a", "甲镇东村人民调解委员会", "mediation_committee", village_a, tier="village")
    committee_b = _agency("test-vmc-b", "乙镇西村人民调解委员会", "mediation_committee", village_b, tier="village")
    return OrgChart(district, town_a, town_b, village_a, village_b, bureau, committee_a, committee_b)


def make_user(username: str, role_code: str, agency: Agency | None, **kw) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, agency=agency, **kw)
    user.roles.add(Role.objects.get(code=role_code))
    return user
