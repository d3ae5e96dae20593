"""Dashboard and metric pages (charts fed by json_script, no inline scripts), drill-down links,
and the Excel export reopened with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from pingan.core.models import AuditEntry

from .conftest import at, make_court_case, make_dispute, make_outcome

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def data(world):
    a = make_dispute(world.shaomi_cun, at(2022, 3, 1), grade="blue")
    b = make_dispute(world.pingqing, at(2022, 4, 1), grade="yellow")
    c = make_dispute(world.huangtupo, at(2022, 5, 1), grade="red")
    make_outcome(a, "agreement", dt.date(2022, 3, 9))
    make_outcome(b, "agreement", dt.date(2022, 4, 9))
    make_outcome(c, "failed", dt.date(2022, 5, 9))
    for outcome in ("mediation_document", "judicial_confirmation", "returned"):
        make_court_case(world, world.shaomi_cun, delegated_at=at(2022, 6, 1), outcome=outcome,
                        outcome_at=at(2022, 7, 1), return_reason="failed" if outcome == "returned" else "")


def dashboard(client: Client, params: dict[str, str]) -> tuple[str, list[str]]:
    """The page shell, and each section it loads (hx-get, as htmx would), asserted 200."""
    r = client.get("/statistics/", params)
    assert r.status_code == 200
    shell = r.content.decode()
    sections = []
    for url in re.findall(r'hx-get="([^"]+)"', shell):
        part = client.get(url.replace("&amp;", "&"))
        assert part.status_code == 200, url
        sections.append(part.content.decode())
    return shell, sections


def test_dashboard_for_the_district_leader(world, data):
    c = client_for(world.leader)
    shell, sections = dashboard(c, {"period": "2022"})
    # The shell counts nothing: each domain's figures come with its own section request.
    assert 'data-metric=' not in shell and 'hx-trigger="load"' in shell
    assert {"disputes", "court"} <= {re.search(r'data-domain="(\w+)"', s)[1] for s in sections}
    html = "".join(sections)
    assert 'data-metric="disputes.received"' in html and 'data-metric="court.success_rate"' in html
    assert "statistics/vendor/echarts.min.js" in shell and "statistics/charts.js" in shell
    # every <script> is a file or JSON data (CSP: no inline scripts)
    for tag in re.findall(r"<script[^>]*>", shell + html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    data = json.loads(re.search(r'id="statistics-section-disputes" type="application/json">(.*?)</script>', html,
                                re.S)[1])
    names = data["names"]
    # three disputes plus the three court cases' disputes (source "court")
    assert data["values"][names.index("受理矛盾纠纷")] == 6
    assert "66.67%" in html  # dispute success rate 2/3, court success rate 2/3
    # One domain: the tab shows only its section; the section of a domain one may not see is 404.
    shell, sections = dashboard(c, {"period": "2022", "domain": "court"})
    assert len(sections) == 1 and 'data-metric="court.delegated"' in sections[0]
    assert c.get("/statistics/section/no_such/", {"period": "2022"}).status_code == 404
    assert c.get("/statistics/section/disputes/", {"period": "2022-13"}).status_code == 400


def test_agency_user_sees_only_their_domain(world, data, make_user):
    prosecutor = make_user("prosecutor", "procuratorate", username="st_prosecutor")
    pc = client_for(prosecutor)
    html = "".join(dashboard(pc, {"period": "2022"})[1])
    assert 'data-metric="procuratorate.persons"' in html
    assert 'data-metric="disputes.received"' not in html and 'data-metric="court.delegated"' not in html
    assert pc.get("/statistics/section/disputes/", {"period": "2022"}).status_code == 404
    mediator = make_user("village_mediator", "mc-v-shaomi-cun", username="st_vm_page")
    html = "".join(dashboard(client_for(mediator), {"period": "2022"})[1])
    assert 'data-metric="disputes.received"' in html and 'data-metric="procuratorate.persons"' not in html


def test_bad_period_on_the_page_is_400_with_message(world):
    r = client_for(world.leader).get("/statistics/", {"period": "2022-13"})
    assert r.status_code == 400 and "无法识别的统计期间" in r.content.decode()


def test_metric_page_drills_down(world, data):
    c = client_for(world.leader)
    html = c.get("/statistics/m/disputes.received/", {"period": "2022"}).content.decode()
    assert f'data-code="{world.shaomi.code}"' in html
    assert f"jurisdiction={world.shaomi.code}" in html  # link one level down
    town = c.get("/statistics/m/disputes.received/", {"period": "2022", "jurisdiction": world.shaomi.code})
    page = town.content.decode()
    assert town.status_code == 200 and 'data-testid="total">5<' in page
    assert f'data-code="{world.shaomi_cun.code}"' in page
    assert f"jurisdiction={world.district.code}" in page  # back up to the district
    assert "/disputes/?jurisdiction=" in page  # the cases behind the figure
    assert c.get("/statistics/m/no.such/").status_code == 404


def test_excel_export_reopened(world, data):
    c = client_for(world.leader)
    r = c.get("/statistics/export.xlsx", {"period": "2022"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = {row[0]: row for row in ws.iter_rows(values_only=True) if row and row[0]}
    assert rows["disputes.received"][2] == 6
    assert rows["disputes.success_rate"][2] == 66.67
    assert rows["court.delegated"][2] == 3
    assert rows["court.success_rate"][2] == 66.67
    assert rows["统计期间"][1] == "2022年"
    assert AuditEntry.objects.filter(action="statistics.export").exists()

    r = c.get("/statistics/export.xlsx", {"period": "2022", "metric": "disputes.received"})
    ws = load_workbook(io.BytesIO(r.content)).active
    by_code = {row[0]: row[2] for row in ws.iter_rows(values_only=True) if row and row[0]}
    assert by_code[world.shaomi.code] == 5 and by_code[world.shuangshui.code] == 1
    total = [row for row in ws.iter_rows(values_only=True) if row and row[1] == "合计"]
    assert total[0][2] == 6


def test_api_export_matches(world, data):
    r = client_for(world.leader).get("/api/v1/statistics/export.xlsx", {"period": "2022", "domain": "court"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = {row[0]: row for row in ws.iter_rows(values_only=True) if row and row[0]}
    assert rows["court.succeeded"][2] == 2 and "disputes.received" not in rows


def test_leader_home_panel(world):
    html = client_for(world.leader).get("/").content.decode()
    assert 'data-testid="panel-statistics"' in html
    assert 'data-testid="panel-statistics"' not in client_for(world.town).get("/").content.decode()
