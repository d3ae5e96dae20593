"""Fixtures for corrections: a district with a justice bureau and two 司法所, staff of each, and
helpers to register supervisees with devices."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from pingan.core.idnumber import check_character
from pingan.corrections import seed, services
from pingan.corrections.models import Supervisee
from pingan.orgs.models import Agency, Jurisdiction, Role, User

# 26.55N 104.95E is in 水城区 (双水); 26.59N 104.83E is 钟山区 (city centre, enclaved);
# 25.81N 104.64E is 盘州市.
INSIDE = (26.55, 104.95)
ZHONGSHAN = (26.59, 104.83)
PANZHOU = (25.8083, 104.6449)

_seq = itertools.count(1)


def id_number() -> str:
    first17 = f"52020419800101{next(_seq):03d}"
    return first17 + check_character(first17)


@pytest.fixture
def org(db):
    district, _ = Jurisdiction.objects.get_or_create(
        code="520204000000", defaults={"name": "水城区", "level": Jurisdiction.Level.DISTRICT}
    )
    town_a, _ = Jurisdiction.objects.get_or_create(
        code="520204100000", defaults={"name": "蟠龙镇", "level": Jurisdiction.Level.TOWNSHIP, "parent": district}
    )
    town_b, _ = Jurisdiction.objects.get_or_create(
        code="520204104000", defaults={"name": "勺米镇", "level": Jurisdiction.Level.TOWNSHIP, "parent": district}
    )
    bureau = Agency.objects.create(code="t-sfj", name="水城区司法局", kind="justice_bureau", jurisdiction=district)
    office_a = Agency.objects.create(code="t-sfs-a", name="蟠龙司法所", kind="justice_office", jurisdiction=town_a,
                                     parent=bureau)
    office_b = Agency.objects.create(code="t-sfs-b", name="勺米司法所", kind="justice_office", jurisdiction=town_b,
                                     parent=bureau)
    for code, name in (("justice_staff", "司法所工作人员"), ("corrections_officer", "社区矫正工作人员")):
        Role.objects.get_or_create(code=code, defaults={"name": name})
    seed.load_permissions()

    def staff(username: str, agency: Agency, role: str) -> User:
        user = User.objects.create_user(username=username, password="x-long-password", agency=agency)
        user.roles.add(Role.objects.get(code=role))
        return user

    return {
        "district": district, "town_a": town_a, "town_b": town_b,
        "bureau": bureau, "office_a": office_a, "office_b": office_b,
        "staff_a": staff("staff_a", office_a, "justice_staff"),
        "staff_b": staff("staff_b", office_b, "justice_staff"),
        "officer": staff("officer", bureau, "corrections_officer"),
    }


@pytest.fixture
def make_supervisee(org):
    def make(*, office: str = "office_a", level: str = "normal", name: str = "张三", reported_at=None,
             kind: str = "app", rate: int = 120):
        town = org["town_a"] if office == "office_a" else org["town_b"]
        s = services.register_supervisee(
            by=org["officer"], id_number=id_number(), name=name, sentence_type=Supervisee.SentenceType.PROBATION,
            court="水城区人民法院", judgment_number="（2023）黔0204刑初1号", start_date=dt.date(2023, 1, 1),
            end_date=dt.date(2026, 1, 1), offence="盗窃罪", level=level, justice_office=org[office],
            residence=town, reported_at=reported_at or timezone.now(),
        )
        services.start_supervision(supervisee=s, by=org["officer"])
        device, token = services.add_device(supervisee=s, by=org["officer"], kind=kind, rate_limit_per_minute=rate)
        return s, device, token

    return make
