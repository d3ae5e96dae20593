"""No N+1 in the procuratorate lists: the queries of a list page or list API do not grow with
the rows shown (measured with 1 case and again with 8)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.procuratorate.conftest import days_ago, valid_id

pytestmark = pytest.mark.django_db

URLS = ["/procuratorate/cases/", "/procuratorate/recommendations/", "/procuratorate/volunteer/",
        "/api/v1/procuratorate/cases", "/api/v1/procuratorate/volunteer-plans",
        "/api/v1/procuratorate/recommendations"]


def counts(c: Client) -> dict[str, int]:
    out = {}
    for url in URLS:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(url).status_code == 200, url
        out[url] = len(ctx.captured_queries)
    return out


def add_cases(proc, start: int, n: int) -> None:
    for i in range(start, start + n):
        proc.case(number=f"水公刑提〔2026〕{100 + i}号",
                  suspects=[{"name": f"嫌疑人{i}", "id_number": valid_id(i + 1), "guilty_plea": True,
                             "guilty_plea_on": days_ago(10)},
                            {"name": f"同案人{i}", "id_number": valid_id(i + 200), "guilty_plea": False}])


def test_list_query_counts_do_not_grow_with_rows(proc):
    c = Client()
    c.force_login(proc.prosecutor)
    add_cases(proc, 0, 1)
    few = counts(c)
    add_cases(proc, 1, 7)
    assert counts(c) == few
    assert max(few.values()) <= 15
