"""restrict() turns a to-one scope through a foreign key (`agency__path__startswith`) into a
filter on the record's own key column against the small table's ids, read first
(`agency_id IN (3, 7)`): the same rows as the join, but no join of the small table for every record
and no subquery, so each OR-ed scope is an index range and a COUNT is answered from the key
indexes. A district-wide scope (more ids than MAX_LITERAL_IDS) is "is not null" when it covers
the whole small table, else the subquery."""

from __future__ import annotations

import pytest
from django.db.models import Q

from pingan.orgs.models import Jurisdiction, User
from pingan.orgs.permissions import MAX_LITERAL_IDS, _hop_to_subquery, restrict
from pingan.policing import services
from pingan.policing.models import Hazard
from tests.policing.conftest import police  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_scope_filters_on_the_key_column_without_joins(police):  # noqa: F811
    services.report_hazard(data={"title": "勺米的隐患", "description": "x", "jurisdiction": police.group1},
                           by=police.aux)
    services.report_hazard(data={"title": "双水的隐患", "description": "x",
                                 "jurisdiction": Jurisdiction.objects.get(code="520204002000")},
                           by=police.other_officer)
    qs = restrict(Hazard.objects.all(), police.officer)
    sql = str(qs.order_by().values("pk").query).upper()
    assert " JOIN " not in sql and "SELECT" not in sql.partition(" WHERE ")[2]
    agency_ids = [police.officer.agency_id, police.aux.agency_id]  # the station and its 警务室
    assert f'"AGENCY_ID" IN ({", ".join(map(str, sorted(agency_ids)))})' in sql
    assert '"JURISDICTION_ID" IN (' in sql
    assert [h.title for h in qs] == ["勺米的隐患"]
    # The same rows as the plain join form of the same scope.
    joined = Hazard.objects.filter(Q(jurisdiction__path__startswith=police.officer.scope_jurisdiction.path)
                                   | Q(agency__path__startswith=police.officer.agency.path))
    assert set(qs) == set(joined)


def test_chains_of_foreign_keys_and_key_lookups(police):  # noqa: F811
    q = _hop_to_subquery(User, Q(agency__jurisdiction__path__startswith="520204000000/") | Q(agency__in=[1, 2])
                         | Q(agency__pk=3))
    sql = str(User.objects.filter(q).query)
    assert " JOIN " not in sql.upper()
    assert "SELECT" not in sql.partition(" WHERE ")[2]  # the chain's ids were read first
    assert set(User.objects.filter(q)) == set(User.objects.filter(
        Q(agency__jurisdiction__path__startswith="520204000000/") | Q(agency__in=[1, 2]) | Q(agency__pk=3)))


def _villages(parent: Jurisdiction, n: int, start: int = 500) -> None:
    Jurisdiction.objects.bulk_create([
        Jurisdiction(code=f"{parent.code[:9]}{k:03d}", name=f"测试村{k}", level=3, kind="村", parent=parent,
                     path=f"{parent.path}{parent.code[:9]}{k:03d}/") for k in range(start, start + n)])


def test_a_district_wide_scope_is_not_null_and_a_long_one_stays_a_subquery(police):  # noqa: F811
    # 勺米镇 gets more villages than a literal list may hold.
    _villages(police.shaomi, MAX_LITERAL_IDS + 1 - Jurisdiction.objects.filter(
        path__startswith=police.shaomi.path).count(), start=300)
    other = Jurisdiction.objects.get(code="520204002000")
    services.report_hazard(data={"title": "勺米的隐患", "description": "x", "jurisdiction": police.group1},
                           by=police.aux)
    services.report_hazard(data={"title": "双水的隐患", "description": "x", "jurisdiction": other},
                           by=police.other_officer)

    # Fresh user objects: resolved scope ids are cached on the user object for the request.
    bureau_officer, officer = (User.objects.get(pk=u.pk) for u in (police.bureau_officer, police.officer))
    # The bureau officer's jurisdiction is the district, the root of every jurisdiction.
    whole = restrict(Hazard.objects.all(), bureau_officer)
    sql = str(whole.order_by().values("pk").query).upper()
    assert '"JURISDICTION_ID" IS NOT NULL' in sql and "SELECT" not in sql.partition(" WHERE ")[2]
    assert {h.title for h in whole} == {"勺米的隐患", "双水的隐患"}

    # The 勺米 officer's subtree is long but not everything: the subquery, the same rows.
    long = restrict(Hazard.objects.all(), officer)
    sql = str(long.order_by().values("pk").query).upper()
    assert '"JURISDICTION_ID" IN (SELECT' in sql
    assert [h.title for h in long] == ["勺米的隐患"]
