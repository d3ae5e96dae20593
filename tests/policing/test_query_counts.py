"""No N+1 in the policing lists: the number of queries of a list page or list API does not grow
with the rows shown (measured with 2 rows and again with 12)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pingan.policing import services

pytestmark = pytest.mark.django_db

URLS = ["/policing/hazards/", "/policing/visits/", "/policing/risk-persons/", "/policing/",
        "/api/v1/policing/visits", "/api/v1/policing/hazards", "/api/v1/policing/pushes",
        "/api/v1/policing/risk-persons"]


def add_rows(police, start: int, n: int) -> None:
    for i in range(start, start + n):
        visit = services.record_visit(data={"household": police.households[i % 3], "notes": f"第{i}次"},
                                      by=police.aux, hazards=[{"title": f"隐患{i}", "description": "争吵"}])
        services.push_by_letter(by=police.aux, hazard=visit.hazards.get(), data={"target_name": f"单位{i}"})
        services.add_risk_person(data={"name": f"人员{i}", "jurisdiction": police.group1, "risk_level": "blue",
                                       "officer": police.aux, "reason": "列管"}, by=police.officer)


def counts(c: Client) -> dict[str, int]:
    out = {}
    for url in URLS:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200, url
        out[url] = len(ctx.captured_queries)
    return out


def test_list_query_counts_do_not_grow_with_rows(police):
    services.assign(officer=police.aux, by=police.officer, jurisdiction=police.village, interval_days=1)
    c = Client()
    c.force_login(police.aux)
    add_rows(police, 0, 2)
    few = counts(c)
    add_rows(police, 2, 10)
    assert counts(c) == few
    # restrict() reads the scope's agency, jurisdiction and household ids first (once per request).
    assert max(few.values()) <= 23
