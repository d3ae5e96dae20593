from __future__ import annotations

import pytest

from .orgchart import build_org_chart, make_user


@pytest.fixture
def org(db):
    return build_org_chart()


@pytest.fixture
def leader(org):
    return make_user("leader", "district_leader", org.bureau, full_name="区领导甲")


@pytest.fixture
def mediator(org):
    return make_user("mediator_a", "village_mediator", org.committee_a, full_name="调解员甲")
