"""The sanctions ledger upload through pingan.core.spreadsheets: cell errors by row and column,
whole-file refusals as 422, a real .xlsx read back."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from pingan.corrections.models import Sanction

API = "/api/v1/corrections/sanctions/ledger"
HEADER = ["台账编号", "身份证号", "措施", "决定日期", "系统发现", "事由"]


def xlsx(header, rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("奖惩台账.xlsx", buf.getvalue())


@pytest.mark.django_db
def test_xlsx_rows_with_bad_cells_are_reported_and_the_rest_written(client, org, make_supervisee):
    person = make_supervisee(name="对象甲")[0]
    client.force_login(org["officer"])
    r = client.post(API, {"file": xlsx(HEADER, [
        ["JC-1", person.id_number, "警告", dt.datetime(2023, 2, 1), "是", "越界"],
        ["JC-2", person.id_number, "表扬", "2023-02-30", "否", ""],
        [None, person.id_number, "训诫", "2023-03-01", None, None],
    ])})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["received"], body["created"]) == (3, 1)
    assert set(body["errors"]) == {"3", "4"}
    message = body["errors"]["3"][0]["message"]
    assert "措施：措施无效：表扬" in message and "决定日期：日期不存在" in message
    assert body["errors"]["4"][0]["message"] == "台账编号：必填。"
    s = Sanction.objects.get(ledger_number="JC-1")
    assert (s.kind, s.decided_on, s.found_by_system) == ("warning", dt.date(2023, 2, 1), True)


@pytest.mark.django_db
def test_unreadable_files_are_refused_as_a_whole(client, org):
    client.force_login(org["officer"])
    r = client.post(API, {"file": xlsx(["台账编号", "措施"], [["JC-9", "警告"]])})
    assert r.status_code == 422 and "身份证号" in str(r.json()["errors"]["file"])
    r = client.post(API, {"file": SimpleUploadedFile("奖惩台账.docx", b"not a table")})
    assert r.status_code == 422 and ".xlsx 或 .csv" in str(r.json()["errors"]["file"])
    assert not Sanction.objects.exists()
