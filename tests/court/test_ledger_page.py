"""The court's Excel ledger import page: template, preview (dry run), row-level error report,
import, re-import without duplicates, permissions. Files are real .xlsx, re-opened here."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from pingan.court.ledger import LEDGER
from pingan.court.models import CourtCase
from pingan.disputes.models import Dispute

pytestmark = pytest.mark.django_db
PAGE = "/court/import/"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def xlsx(rows: list[dict]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = LEDGER.title
    headers = [c.header for c in LEDGER.columns]
    ws.append(headers)
    for r in rows:
        ws.append([r.get(c.key) for c in LEDGER.columns])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "ledger.xlsx"
    return buf


def line(i: int, **kw) -> dict:
    base = {"ref": f"TZ{i}", "title": f"买卖合同纠纷{i}", "category": "合同", "jurisdiction": "520204104001",
            "received_on": "2022-05-06", "amount": "3000", "applicants": f"张{i}", "respondents": f"某公司{i}、李{i}",
            "claim": "支付货款", "facts": "拖欠货款", "delegated_to": "水城区人民调解中心", "delegated_on": "2022-05-07",
            "outcome": "司法确认", "outcome_on": "2022-05-30"}
    base.update(kw)
    return base


def upload(client: Client, court, rows: list[dict], action: str):
    return client.post(PAGE, {"court": court.court.pk, "file": xlsx(rows), "action": action})


def test_template_opens_with_the_columns_and_lists(court):
    r = client_for(court.clerk).get("/court/import/template.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    headers = [c.value for c in wb[LEDGER.title][1]]
    assert headers[0] == "台账编号*" and "结果" in headers and "受委派组织" in headers
    assert "填写说明" in wb.sheetnames
    assert wb[LEDGER.title].data_validations.dataValidation  # dropdowns


def test_preview_import_and_reimport(court):
    c = client_for(court.clerk)
    page = c.get(PAGE)
    assert page.status_code == 200 and "诉前调解台账导入" in page.content.decode()
    rows = [line(1), line(2, outcome="转立案", return_reason="调解不成"), line(3, outcome=None, outcome_on=None)]
    r = upload(c, court, rows, "preview")
    assert r.status_code == 200
    assert "预检通过：将新增 3 件" in r.content.decode()
    assert not CourtCase.objects.exists()
    r = upload(c, court, rows, "import")
    assert "已导入：新增 3 件" in r.content.decode()
    case = CourtCase.objects.get(dispute__external_ref="TZ2")
    assert (case.state, case.return_reason, case.delegated_to) == ("returned_for_filing", "failed", court.centre)
    assert [p.name for p in case.dispute.parties.all()] == ["张2", "某公司2", "李2"]
    r = upload(c, court, rows, "import")
    assert "新增 0 件，更新 0 件，无变化跳过 3 件" in r.content.decode()
    assert CourtCase.objects.count() == 3 and Dispute.objects.count() == 3


def test_row_errors_are_listed_and_downloadable_and_nothing_is_written(court):
    c = client_for(court.clerk)
    rows = [line(1), line(2, received_on="2022-13-01"), line(3, category="不存在"), line(4, outcome="转立案")]
    r = upload(c, court, rows, "import")
    body = r.content.decode()
    assert "未写入任何数据" in body
    assert not CourtCase.objects.exists() and not Dispute.objects.exists()
    r = upload(c, court, rows, "errors")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    report = [tuple(row) for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(min_row=2, values_only=True)]
    rows_with_errors = {row for row, _column, _message in report}
    assert rows_with_errors == {3, 4, 5}  # spreadsheet rows (header is row 1)
    assert any(col == "收案日期" for row, col, _m in report if row == 3)
    assert any(col == "纠纷类别" for row, col, _m in report if row == 4)
    assert any(col == "转立案原因" for row, col, _m in report if row == 5)


def test_a_broken_file_is_refused_on_the_file_field(court):
    c = client_for(court.clerk)
    bad = io.BytesIO(b"not a spreadsheet")
    bad.name = "ledger.xlsx"
    r = c.post(PAGE, {"court": court.court.pk, "file": bad, "action": "preview"})
    assert r.status_code == 200 and 'data-testid="file-error"' in r.content.decode()


def test_only_clerks_reach_the_page(court, make_user):
    assert client_for(court.judge).get(PAGE).status_code == 403
    assert client_for(court.mediator).get("/court/import/template.xlsx").status_code == 403
    # a tribunal's clerk cannot pick the court above it
    tribunal_clerk = make_user("court_clerk", "tribunal-dongdi", username="ledger_tribunal_clerk")
    r = client_for(tribunal_clerk).post(PAGE, {"court": court.court.pk, "file": xlsx([line(1)]), "action": "import"})
    assert r.status_code == 200 and not CourtCase.objects.exists()
