"""Policing tests run on the shared demo org chart: 勺米派出所 (勺米镇) with its 勺米村 警务室,
双水派出所 for denied cases, and households in 勺米村's village groups."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pingan.orgs.models import Jurisdiction, User
from pingan.policing import services
from pingan.policing.models import Household


@dataclass
class Police:
    shaomi: Jurisdiction
    village: Jurisdiction
    group1: Jurisdiction
    group2: Jurisdiction
    other_village: Jurisdiction
    officer: User
    aux: User
    other_officer: User
    bureau_officer: User
    households: list[Household]


@pytest.fixture
def police(district, make_user) -> Police:
    from pingan.disputes.seed import seed as seed_disputes
    from pingan.orgs.demo import ensure_jurisdiction
    from pingan.policing.seed import seed

    seed_disputes()
    seed()  # a transactional test elsewhere may have flushed what the migrations loaded
    officer = make_user("police_officer", "ps-shaomi", username="officer_shaomi", full_name="杨勇")
    aux = make_user("auxiliary_officer", "vpo-shaomi-cun", username="aux_shaomi", full_name="吴磊")
    other = make_user("police_officer", "ps-shuangshui", username="officer_shuangshui")
    bureau = make_user("police_officer", "police", username="officer_bureau")
    group1 = ensure_jurisdiction("520204104001001")
    group2 = ensure_jurisdiction("520204104001002")
    households = [
        services.create_household(
            data={"jurisdiction": g, "address": f"勺米村{g.name}{i}号", "head_name": name, "phone": f"1380000{i:04d}"},
            by=officer,
        )
        for i, (g, name) in enumerate([(group1, "张大山"), (group1, "李小花"), (group2, "王五")], start=1)
    ]
    return Police(
        shaomi=Jurisdiction.objects.get(code="520204104000"), village=group1.parent, group1=group1, group2=group2,
        other_village=ensure_jurisdiction("520204002001"), officer=officer, aux=aux, other_officer=other,
        bureau_officer=bureau, households=households,
    )


@pytest.fixture
def categories(db):
    from pingan.disputes.models import Category
    from pingan.disputes.seed import load_categories

    load_categories()
    return {c.code: c for c in Category.objects.all()}
