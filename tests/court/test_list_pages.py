"""The court's list pages on pingan.core.pages: the case list and the series list page by 50 with
the shared pager, whose links keep the filters; a refused filter shows an error, not an
unfiltered list; the number of queries does not grow with the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pingan.court import services
from pingan.court.models import CaseSeries, CourtCase

from .conftest import new_case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def rows_of(body: str, cases: list[CourtCase]) -> list[int]:
    return [i for i, case in enumerate(cases) if f'href="{reverse("court:detail", args=[case.uuid])}"' in body]


def test_case_list_pages_keep_the_filter(court):
    received = [new_case(court, received_on=date(2024, 1, 1) + timedelta(days=i), title=f"合同纠纷{i:02d}")
                for i in range(52)]
    screened = [new_case(court, received_on=date(2024, 6, 1), title=f"已审查{i}") for i in range(2)]
    for case in screened:
        services.screen_case(case=case, by=court.clerk)
    c = client_for(court.clerk)
    url = reverse("court:list")

    first = c.get(url, {"state": "received", "q": "合同"}).content.decode()
    assert "共 52 件" in first and "第 1 / 2 页" in first
    assert rows_of(first, received) == list(range(2, 52))  # newest first
    assert rows_of(first, screened) == []
    assert 'href="?state=received&amp;q=%E5%90%88%E5%90%8C&amp;page=2"' in first  # the pager keeps the filter
    assert '<option value="received" selected>' in first

    with CaptureQueriesContext(connection) as page_two:
        second = c.get(url, {"state": "received", "q": "合同", "page": 2}).content.decode()
    assert rows_of(second, received) == [0, 1] and rows_of(second, screened) == []
    assert 'href="?state=received&amp;q=%E5%90%88%E5%90%8C&amp;page=1"' in second
    with CaptureQueriesContext(connection) as page_one:
        c.get(url, {"state": "received", "q": "合同"})
    assert len(page_two) == len(page_one) <= 10, [q["sql"] for q in page_two.captured_queries]

    # htmx paging answers the results alone, with the same pager
    partial = c.get(url, {"state": "received", "page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and rows_of(partial, received) == [0, 1] and "page=1" in partial

    screened_only = c.get(url, {"state": "consent_pending"}).content.decode()
    assert rows_of(screened_only, screened) == [0, 1] and rows_of(screened_only, received) == []
    assert 'class="pager"' not in screened_only


def test_case_list_refuses_an_unknown_state(court):
    new_case(court)
    body = client_for(court.clerk).get(reverse("court:list"), {"state": "no-such-state"}).content.decode()
    assert "查询条件有误" in body and "共 " not in body


def test_case_list_scope_holds_on_every_page(court, make_user):
    for i in range(3):
        new_case(court, title=f"法院的案件{i}")
    tribunal_case = new_case(court, court_agency=court.tribunal, title="法庭的案件")
    tribunal_clerk = make_user("court_clerk", "tribunal-dongdi", username="clerk_dongdi")
    body = client_for(tribunal_clerk).get(reverse("court:list")).content.decode()
    assert "共 1 件" in body and "法庭的案件" in body and "法院的案件" not in body
    assert str(tribunal_case.uuid) in body


def test_series_list_pager_keeps_the_filter(court):
    CaseSeries.objects.bulk_create([CaseSeries(name=f"批量{i:02d}", court=court.court) for i in range(55)])
    c = client_for(court.clerk)
    url = reverse("court:series_list")
    body = c.get(url, {"q": "批量"}).content.decode()
    assert "第 1 / 2 页" in body and 'href="?q=%E6%89%B9%E9%87%8F&amp;page=2"' in body
    # one court in scope: no court filter to choose
    assert 'name="court"' not in body
    second = c.get(url, {"q": "批量", "page": 2}).content.decode()
    assert "批量00" in second and "批量05" not in second
    assert "查询条件有误" in c.get(url, {"status": "nonsense"}).content.decode()
