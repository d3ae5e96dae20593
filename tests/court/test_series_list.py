"""Series cases (系列案) are listed and made: the clerk groups cases chosen in the case list into a
new series or adds them to one under way (services, pages, API), scoped by role × court."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from pingan.core.errors import ApplicationError
from pingan.core.models import AuditEntry
from pingan.court import services
from pingan.court.models import CaseSeries, CourtCase
from pingan.orgs.navigation import menu_for

from .conftest import at, consent_all, new_case

pytestmark = pytest.mark.django_db
API = "/api/v1/court"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def cases(court, n: int = 3, **kw) -> list[CourtCase]:
    return [new_case(court, names=("某民营企业", "某平台公司"), title=f"服务合同纠纷{i}", **kw) for i in range(1, n + 1)]


def refused_case(court) -> CourtCase:
    case = new_case(court, title="已转立案的纠纷")
    services.screen_case(case=case, by=court.clerk)
    services.record_consent(case=case, party=case.dispute.parties.first(), consents=False, note="要求诉讼",
                            by=court.clerk)
    case.refresh_from_db()
    return case


# --- services ----------------------------------------------------------------------------------


def test_create_and_add_through_services(court):
    first, second, third = cases(court)
    series = services.create_series(name="平台公司系列案", court=court.court, cases=[first, second], by=court.clerk)
    assert set(series.cases.all()) == {first, second}
    services.add_to_series(series=series, cases=[third], by=court.clerk)
    assert series.cases.count() == 3
    assert AuditEntry.objects.filter(action="court.series.add", object_id=str(series.pk)).exists()


def test_grouping_refusals_write_nothing(court, make_user):
    first, second, third = cases(court, 3)
    tribunal_case = new_case(court, court_agency=court.tribunal, title="法庭的案件")
    closed = refused_case(court)
    other = services.create_series(name="另一系列案", court=court.court, cases=[second], by=court.clerk)
    elsewhere = services.create_series(name="第三个系列案", court=court.court, cases=[third], by=court.clerk)
    attempts = [
        (ValidationError, dict(cases=[first, tribunal_case], by=court.clerk)),  # another court
        (ApplicationError, dict(cases=[first, third], by=court.clerk)),  # already in a series
        (ApplicationError, dict(cases=[first, closed], by=court.clerk)),  # finished
        (ValidationError, dict(cases=[], by=court.clerk)),
        (PermissionDenied, dict(cases=[first], by=court.judge)),  # judges rule, clerks group
        (PermissionDenied, dict(cases=[first], by=make_user("court_clerk", "tribunal-dongdi", username="c2"))),
    ]
    for error, kw in attempts:
        with pytest.raises(error):
            services.create_series(name="不应建立", court=court.court, **kw)
        with pytest.raises(error):
            services.add_to_series(series=other, **kw)
    assert set(CaseSeries.objects.all()) == {other, elsewhere}
    assert set(other.cases.all()) == {second}
    assert CourtCase.objects.filter(series=None).count() == 3


# --- pages -------------------------------------------------------------------------------------


def test_clerk_groups_cases_from_the_case_list(court):
    first, second, third = cases(court)
    c = client_for(court.clerk)
    body = c.get(reverse("court:list")).content.decode()
    assert 'data-testid="series-group"' in body and f'value="{first.uuid}" form="series-group"' in body
    r = c.post(reverse("court:series_group"), {"cases": [first.uuid, second.uuid], "name": "平台公司系列案",
                                               "facts": "同一合作协议"})
    series = CaseSeries.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("court:series", args=[series.uuid])
    assert (series.name, series.facts, series.court) == ("平台公司系列案", "同一合作协议", court.court)
    assert set(series.cases.all()) == {first, second}
    # the series under way is offered in the list; the third case joins it
    body = c.get(reverse("court:list")).content.decode()
    assert f'<option value="{series.uuid}">平台公司系列案</option>' in body
    page = c.get(reverse("court:series", args=[series.uuid])).content.decode()
    assert 'data-testid="series-add-cases"' in page
    assert 'data-testid="series-add-cases"' not in client_for(court.judge).get(
        reverse("court:series", args=[series.uuid])).content.decode()
    r = c.post(reverse("court:series_group"), {"cases": [third.uuid], "series": series.uuid}, follow=True)
    assert "已将 1 件案件归入系列案" in r.content.decode() and series.cases.count() == 3
    # a case already in the series cannot start another one: a message, nothing written
    r = c.post(reverse("court:series_group"), {"cases": [first.uuid], "name": "重复"}, follow=True)
    assert "已属于另一系列案" in r.content.decode() and CaseSeries.objects.count() == 1


def test_grouping_bad_requests_become_messages(court):
    (first,) = cases(court, 1)
    c = client_for(court.clerk)
    for data, message in (({"name": "x"}, "请选择案件"), ({"cases": ["not-a-uuid"], "name": "x"}, "请选择案件"),
                          ({"cases": [first.uuid], "name": ""}, "此字段不能为空"),
                          ({"cases": [first.uuid, "9b0c1a55-3f7e-4c59-9d3c-1c2f6c3b9a11"], "name": "x"},
                           "所选案件不存在或无权办理")):
        r = c.post(reverse("court:series_group"), data, follow=True)
        assert r.redirect_chain[-1][0] == reverse("court:list") and message in r.content.decode(), data
    assert not CaseSeries.objects.exists()


def test_only_who_may_group_sees_the_form_or_may_post(court):
    (first,) = cases(court, 1)
    judge = client_for(court.judge)
    assert 'data-testid="series-group"' not in judge.get(reverse("court:list")).content.decode()
    assert judge.post(reverse("court:series_group"), {"cases": [first.uuid], "name": "x"}).status_code == 403
    assert not CaseSeries.objects.exists()


def test_series_list_filters_pages_and_scope(court, make_user):
    running = cases(court, 2)
    services.create_series(name="平台公司系列案", court=court.court, cases=running, by=court.clerk)
    done = services.create_series(name="已结的系列案", court=court.court, cases=cases(court, 1), by=court.clerk)
    CourtCase.objects.filter(series=done).update(outcome="withdrawn", outcome_at=at(date(2024, 2, 1)))
    c = client_for(court.clerk)
    url = reverse("court:series_list")
    body = c.get(url).content.decode()
    assert "平台公司系列案" in body and "已结的系列案" in body and 'data-testid="series-list"' in body
    assert "已结的系列案" not in c.get(url, {"status": "open"}).content.decode()
    assert "平台公司系列案" not in c.get(url, {"status": "closed"}).content.decode()
    assert "已结的系列案" not in c.get(url, {"q": "平台"}).content.decode()
    partial = c.get(url, {"q": "平台"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "平台公司系列案" in partial
    # the menu offers the list; a judge sees it, another court's clerk and an uninvolved mediator do not
    assert url in [e["url"] for e in menu_for(court.clerk)]
    assert "平台公司系列案" in client_for(court.judge).get(url).content.decode()
    tribunal_clerk = make_user("court_clerk", "tribunal-dongdi", username="clerk_dongdi")
    assert "平台公司系列案" not in client_for(tribunal_clerk).get(url).content.decode()
    assert "平台公司系列案" not in client_for(court.mediator).get(url).content.decode()
    consent_all(court, running[0])
    services.delegate_case(case=running[0], organisation=court.centre, by=court.clerk)
    services.assign_mediator(case=running[0], mediator=court.mediator, by=court.clerk)
    body = client_for(court.mediator).get(url).content.decode()
    assert "平台公司系列案" in body and "已结的系列案" not in body
    assert client_for(court.mediator).post(reverse("court:series_group"), {"name": "x"}).status_code == 403
    CaseSeries.objects.bulk_create([CaseSeries(name=f"批量{i}", court=court.court) for i in range(60)])
    assert "1 / 2" in c.get(url).content.decode() and "批量0" in c.get(url, {"page": 2}).content.decode()


# --- API -------------------------------------------------------------------------------------


def test_series_api_create_add_list(court):
    first, second, third = cases(court)
    c = client_for(court.clerk)
    r = c.post(f"{API}/series", {"name": "平台公司系列案", "cases": [str(first.uuid), str(second.uuid)]},
               content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["name"], body["case_count"], body["open_count"], body["court"]) == (
        "平台公司系列案", 2, 2, court.court.name)
    r = c.post(f"{API}/series/{body['uuid']}/cases", {"cases": [str(third.uuid)]}, content_type="application/json")
    assert r.status_code == 200 and r.json()["case_count"] == 3
    r = c.get(f"{API}/series", {"status": "open"})
    assert r.status_code == 200 and [s["name"] for s in r.json()["items"]] == ["平台公司系列案"]
    assert c.get(f"{API}/series", {"status": "closed"}).json()["count"] == 0
    # refusals: a case already in it, an unknown case, a judge
    r = c.post(f"{API}/series", {"name": "x", "cases": [str(first.uuid)]}, content_type="application/json")
    assert r.status_code == 400 and r.json()["errors"]["cases"][0]["code"] == "already_in_series"
    r = c.post(f"{API}/series", {"name": "x", "cases": ["9b0c1a55-3f7e-4c59-9d3c-1c2f6c3b9a11"]},
               content_type="application/json")
    assert r.status_code == 422 and "cases" in r.json()["errors"]
    judge = client_for(court.judge)
    assert judge.post(f"{API}/series", {"name": "x", "cases": [str(first.uuid)]},
                      content_type="application/json").status_code == 403
    assert judge.post(f"{API}/series/{body['uuid']}/cases", {"cases": [str(first.uuid)]},
                      content_type="application/json").status_code in (403, 404)
    assert CaseSeries.objects.count() == 1
