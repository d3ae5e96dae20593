"""Statistics read each metric's records once per request: the value, the breakdown and the
drill-down come from one grouped COUNT(*), and a metric declared `within` another (a rate's
numerator) is counted from that metric's grouped query. These tests compare every such figure
with the record-level definition (`records(ctx)`), for the district, a township and a user whose
scope is one township."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.orgs.models import Jurisdiction
from pingan.statistics import registry, selectors

from .conftest import at, make_court_case, make_dispute, make_follow_up, make_outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    places = [world.shaomi_cun, world.pingqing, world.huangtupo, world.shaomi]
    kinds = ["agreement", "performed", "reconciled", "withdrawn", "agreement", "failed"]
    satisfaction = ["satisfied", "basically", "dissatisfied"]
    court = ["mediation_document", "judicial_confirmation", "performed", "reconciled", "withdrawn", "returned"]
    for i in range(24):
        d = make_dispute(places[i % 4], at(2022, 1 + i % 12, 1 + i), grade=[None, "blue", "red"][i % 3],
                         source=["web", "excel", "hotline"][i % 3])
        make_outcome(d, kinds[i % 6], dt.date(2022, 1 + i % 12, 10))
        if i % 2:
            make_follow_up(d, satisfaction[i % 3], at(2022, 1 + i % 12, 20))
        make_court_case(world, places[i % 4], delegated_at=at(2022, 2, 1), outcome=court[i % 6],
                        outcome_at=at(2022, 3, 1), return_reason="failed" if court[i % 6] == "returned" else "")


def by_definition(metric: registry.Metric, ctx: registry.Context) -> int:
    """The record-level count: the metric's own queryset, limited to the subtree."""
    assert metric.records is not None
    subtree = Jurisdiction.objects.filter(path__startswith=ctx.jurisdiction.path).values("pk")
    return metric.records(ctx).filter(**{f"{metric.jurisdiction_field}__in": subtree}).count()


@pytest.mark.parametrize("who, where", [("leader", "district"), ("leader", "shaomi"), ("town", "shaomi")])
def test_grouped_and_within_counts_equal_the_records(world, records, who, where):
    user, place = getattr(world, who), getattr(world, where)
    metrics = [m for m in registry.all_metrics() if m.records is not None and m.domain in ("disputes", "court")]
    assert any(m.within for m in metrics)
    for m in metrics:
        ctx = selectors.context(user=user, period="2022", jurisdiction=place.code, group_by="jurisdiction")
        result = registry.evaluate(m, ctx, group_by="jurisdiction")
        expected = by_definition(m, ctx)
        assert result["value"] == expected, m.key
        assert sum(r["value"] for r in result["rows"]) == expected, m.key
        if m.split and not m.split.groups:
            assert sum(b["value"] for b in result["breakdown"]) == expected, m.key
        for row in result["rows"]:
            child = Jurisdiction.objects.get(code=row["code"])
            child_ctx = selectors.context(user=user, period="2022", jurisdiction=child.code)
            if child == place:  # the node's own row: records on the node itself
                continue
            assert row["value"] == by_definition(m, child_ctx), (m.key, child.name)


def test_a_rate_with_drill_down_reads_its_records_once(world, records):
    ctx = selectors.context(user=world.leader, period="2022", jurisdiction=world.district.code, group_by="jurisdiction")
    with CaptureQueriesContext(connection) as queries:
        result = registry.evaluate(registry.get("disputes.success_rate"), ctx, group_by="jurisdiction")
    outcome_reads = [q for q in queries.captured_queries
                     if "disputes_outcome" in q["sql"] and "2022-01-01" in q["sql"]]
    assert len(outcome_reads) == 1, [q["sql"] for q in outcome_reads]
    assert result["value"] is not None and result["rows"]
