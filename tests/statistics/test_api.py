"""GET /api/v1/statistics/metrics and /api/v1/statistics/{key}: values, breakdown, drill-down,
year on year; bad periods and unknown jurisdictions are 422 field errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from .conftest import at, make_dispute, make_outcome

pytestmark = pytest.mark.django_db
API = "/api/v1/statistics"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def data(world):
    a = make_dispute(world.shaomi_cun, at(2022, 3, 1), grade="blue")
    b = make_dispute(world.huangtupo, at(2022, 4, 1), grade="red")
    make_dispute(world.shaomi_cun, at(2021, 3, 1))
    make_outcome(a, "agreement", dt.date(2022, 3, 9))
    make_outcome(b, "failed", dt.date(2022, 4, 9))


def test_metric_list_is_filtered_by_permission(world):
    leader = client_for(world.leader).get(f"{API}/metrics").json()
    keys = {m["key"] for m in leader}
    assert {"disputes.received", "court.success_rate", "court.first_instance_filings"} <= keys
    rate = next(m for m in leader if m["key"] == "court.success_rate")
    assert rate["unit"] == "%" and rate["kind"] == "ratio" and rate["label"] == "委派调解成功率"
    assert client_for(world.nobody).get(f"{API}/metrics").json() == []
    only = client_for(world.leader).get(f"{API}/metrics", {"domain": "court"}).json()
    assert {m["domain"] for m in only} == {"court"}


def test_value_breakdown_drill_down_and_year_on_year(world, data):
    r = client_for(world.leader).get(f"{API}/disputes.received",
                                     {"from": "2022-01-01", "to": "2022-12-31", "group_by": "jurisdiction"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["value"] == 2 and body["source"] == "records"
    assert body["period"] == {"date_from": "2022-01-01", "date_to": "2022-12-31", "label": "2022年"}
    assert body["jurisdiction"]["code"] == world.district.code
    rows = {row["code"]: row["value"] for row in body["rows"]}
    assert rows[world.shaomi.code] == 1 and rows[world.shuangshui.code] == 1
    assert body["year_on_year"]["value"] == 1 and body["year_on_year"]["change_percent"] == 100.0
    assert body["cases_url"].startswith("/disputes/?jurisdiction=")
    rate = client_for(world.leader).get(f"{API}/disputes.success_rate", {"period": "2022"}).json()
    assert rate["value"] == 50.0 and rate["unit"] == "%"


def test_township_scope_through_the_api(world, data):
    body = client_for(world.town).get(f"{API}/disputes.received", {"period": "2022",
                                                                    "jurisdiction": world.district.code}).json()
    assert body["value"] == 1


@pytest.mark.parametrize("params, field", [
    ({"period": "2022-13"}, "period"),
    ({"from": "2022-02-30"}, "from"),
    ({"from": "2022-05-01", "to": "2022-04-01"}, "to"),
    ({"period": "2022", "from": "2022-01-01"}, "period"),
    ({"jurisdiction": "999999999999"}, "jurisdiction"),
    ({"group_by": "category"}, "group_by"),
])
def test_bad_input_is_422_with_field_errors(world, params, field):
    r = client_for(world.leader).get(f"{API}/disputes.received", params)
    assert r.status_code == 422, r.content
    assert field in r.json()["errors"]


def test_unknown_metric_404_and_forbidden_403(world):
    assert client_for(world.leader).get(f"{API}/no.such.metric").status_code == 404
    assert client_for(world.nobody).get(f"{API}/court.delegated").status_code == 403
    assert Client().get(f"{API}/metrics").status_code == 401


def test_historical_figure_import_through_the_api(world):
    c = client_for(world.leader)
    payload = {"metric": "court.first_instance_filings", "date_from": "2021-01-01", "date_to": "2021-12-31",
               "jurisdiction": world.district.code, "value": "3200", "source": "2021 年法院工作报告"}
    r = c.post(f"{API}/historical", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["value"] == 3200.0
    assert c.get(f"{API}/historical").json()[0]["source"] == "2021 年法院工作报告"
    bad = c.post(f"{API}/historical", {**payload, "source": "  "}, content_type="application/json")
    assert bad.status_code == 422 and "source" in bad.json()["errors"]
    unknown = c.post(f"{API}/historical", {**payload, "metric": "x.y"}, content_type="application/json")
    assert unknown.status_code == 422 and "metric" in unknown.json()["errors"]
    assert client_for(world.town).post(f"{API}/historical", payload,
                                       content_type="application/json").status_code == 403
    body = c.get(f"{API}/court.first_instance_filings", {"period": "2022"}).json()
    assert body["year_on_year"]["value"] == 3200 and body["year_on_year"]["source"] == "2021 年法院工作报告"
