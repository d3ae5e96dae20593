"""restrict() turns a to-one scope through a foreign key (`agency__path__startswith`) into a
filter on the record's own key column (`agency_id IN (SELECT id FROM agency WHERE path LIKE …)`):
the same rows as the join, but no join of the small table for every record, so a COUNT over a big
table is answered from the key indexes."""

from __future__ import annotations

import pytest
from django.db.models import Q

from pingan.orgs.models import Jurisdiction, User
from pingan.orgs.permissions import _hop_to_subquery, restrict
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
    assert " JOIN " not in sql and '"AGENCY_ID" IN (SELECT' in sql and '"JURISDICTION_ID" IN (SELECT' in sql
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
    assert sql.count("IN (SELECT") == 2  # agency_id IN (… jurisdiction_id IN (…)); the key lookups stay
    assert set(User.objects.filter(q)) == set(User.objects.filter(
        Q(agency__jurisdiction__path__startswith="520204000000/") | Q(agency__in=[1, 2]) | Q(agency__pk=3)))
