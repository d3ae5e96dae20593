"""pingan.core.spreadsheets with real workbooks: written by openpyxl (or by the module), saved,
re-opened and read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from pingan.core import spreadsheets as ss
from pingan.core.spreadsheets import Column, FileRejected, Ledger

LEDGER = Ledger(title="台账", columns=[
    Column("ref", "台账编号", required=True, note="本台账内唯一。"),
    Column("received_on", "受理日期", required=True, parse=ss.date),
    Column("amount", "金额（元）", parse=ss.decimal),
    Column("people", "人数", parse=ss.integer),
    Column("role", "身份", choices=("申请人", "被申请人", "第三人")),
    Column("closed", "是否办结", parse=ss.yes_no, choices=("是", "否")),
    Column("notes", "备注"),
])
HEADERS = [c.header for c in LEDGER.columns]


def xlsx(rows, headers=HEADERS, title="台账") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(headers)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rejected(reason: str, source, ledger=LEDGER, **kw) -> FileRejected:
    with pytest.raises(FileRejected) as exc:
        list(ss.read(source, ledger, **kw))
    assert exc.value.reason == reason, exc.value.text
    assert isinstance(exc.value, ValidationError) and list(exc.value.message_dict) == ["file"]
    return exc.value


def test_template_has_marked_headers_dropdowns_and_notes():
    long = Ledger(title="台账", columns=[*LEDGER.columns[:-1], Column("notes", "备注", choices=[
        f"很长的选项{i:03d}" for i in range(60)])])
    wb = ss.template(long, instructions=["从第二行起每行一件。"])
    wb = load_workbook(io.BytesIO(ss.workbook_bytes(wb)))
    ws = wb["台账"]
    assert [c.value for c in ws[1]] == ["台账编号*", "受理日期*", "金额（元）", "人数", "身份", "是否办结", "备注"]
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("FFF2CC")  # required: shaded
    assert ws["C1"].fill.fill_type is None
    assert ws.freeze_panes == "A2" and ws.column_dimensions["A"].width >= 12
    formulas = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert formulas['"申请人,被申请人,第三人"'] == "E2:E50001" and formulas['"是,否"'] == "F2:F50001"
    # 60 long options exceed Excel's 255-character inline list: they go to a hidden sheet
    assert formulas["='备注'!$A$1:$A$60"] == "G2:G50001"
    assert wb["备注"].sheet_state == "hidden" and wb["备注"]["A60"].value == "很长的选项059"
    notes = list(wb["填写说明"].iter_rows(values_only=True))
    assert notes[0] == ("列", "必填", "说明") and notes[1] == ("台账编号", "是", "本台账内唯一。")
    assert notes[-1] == ("注意", None, "从第二行起每行一件。")


def test_choices_from_the_database_go_to_a_named_hidden_sheet():
    ledger = Ledger(title="台账", columns=[Column("category", "纠纷类别", required=True, list_name="类别")])
    wb = load_workbook(io.BytesIO(ss.workbook_bytes(ss.template(ledger, choices={"category": ["婚姻家庭", "邻里"]}))))
    assert [dv.formula1 for dv in wb["台账"].data_validations.dataValidation] == ["='类别'!$A$1:$A$2"]
    assert [c.value for c in wb["类别"]["A"]] == ["婚姻家庭", "邻里"] and wb["类别"].sheet_state == "hidden"


def test_filled_template_reads_back_parsed_values():
    wb = ss.template(LEDGER)
    ws = wb["台账"]
    ws.append(["A1", dt.datetime(2023, 3, 23), 1200.5, 3, "申请人", "是", "  有备注  "])
    ws.append([None] * 7)  # a blank row is skipped, the numbering goes on
    ws.append([101, "2023年3月1日", "1,200", "2", None, "否", None])
    rows = list(ss.read(ss.workbook_bytes(wb), LEDGER))
    assert [(r.number, r.errors) for r in rows] == [(2, []), (4, [])]
    number, values, errors = rows[0]
    assert values == {"ref": "A1", "received_on": dt.date(2023, 3, 23), "amount": Decimal("1200.5"), "people": 3,
                      "role": "申请人", "closed": True, "notes": "有备注"}
    assert ss.text(rows[1].values["ref"]) == "101" and rows[1].values["received_on"] == dt.date(2023, 3, 1)
    assert rows[1].values["amount"] == Decimal("1200") and rows[1].values["closed"] is False


@pytest.mark.parametrize(("cell", "day"), [
    ("2023-03-23", dt.date(2023, 3, 23)), ("2023/3/5", dt.date(2023, 3, 5)), ("2023.03.05", dt.date(2023, 3, 5)),
    ("2023年3月5日", dt.date(2023, 3, 5)), ("20230305", dt.date(2023, 3, 5)), (20230305, dt.date(2023, 3, 5)),
    ("2023-03-05 14:30", dt.date(2023, 3, 5)), ("2023-03-05 14:30:00", dt.date(2023, 3, 5)),
    (dt.datetime(2023, 3, 5, 14, 30), dt.date(2023, 3, 5)),
])
def test_date_forms_ledgers_use(cell, day):
    assert ss.date(cell) == day


@pytest.mark.parametrize("cell", ["2023-02-29", "2023-3", "23-03-05", "2023-03-05 下午", "20231305", "昨天"])
def test_dates_that_are_not(cell):
    with pytest.raises(ss.CellError):
        ss.date(cell)


def test_broken_rows_get_one_error_per_bad_cell_in_chinese():
    rows = list(ss.read(xlsx([
        ["B1", "2023-02-30", "abc", "1.5", "证人", "也许", ""],
        [None, "2023-13-01", "-5", "x", None, None, None],
        ["B3", "上周", None, None, None, None, None],
        ["B4", None, None, None, None, None, None],
    ]), LEDGER))
    found = {(e.row, e.column): e.message for r in rows for e in r.errors}
    assert found[(2, "受理日期")] == "日期不存在：“2023-02-30”。"
    assert "须为数字" in found[(2, "金额（元）")] and "abc" in found[(2, "金额（元）")]
    assert "须为整数" in found[(2, "人数")]
    assert "证人" in found[(2, "身份")] and "申请人、被申请人、第三人" in found[(2, "身份")]
    assert "也许" in found[(2, "是否办结")] and "是、否" in found[(2, "是否办结")]
    assert found[(3, "台账编号")] == "必填。" and "日期不存在" in found[(3, "受理日期")]
    assert found[(3, "金额（元）")] == "不能为负数。" and "须为数字" in found[(3, "人数")]
    assert "YYYY-MM-DD" in found[(4, "受理日期")] and "上周" in found[(4, "受理日期")]
    assert found[(5, "受理日期")] == "必填。"
    assert len(found) == 11
    assert rows[0].values["received_on"] is None and rows[0].values["amount"] is None  # bad cells → None


def test_headers_extra_reordered_starred_missing_and_repeated():
    headers = ["说明（不是本台账的列）", "受理日期 *", "台账编号＊", "身份"]
    rows = list(ss.read(xlsx([["x", "2023-01-02", "C1", "第三人"]], headers=headers), LEDGER))
    assert rows[0].values == {"ref": "C1", "received_on": dt.date(2023, 1, 2), "amount": None, "people": None,
                              "role": "第三人", "closed": None, "notes": None}
    exc = rejected("missing_columns", xlsx([["C1"]], headers=["台账编号", "备注"]))
    assert "受理日期" in exc.text and "台账编号" not in exc.text
    rejected("duplicate_column", xlsx([], headers=["台账编号", "受理日期", "台账编号"]))


def test_required_cells_can_be_left_to_the_app():
    rows = list(ss.read(xlsx([["D1", None]], headers=["台账编号", "受理日期"]), LEDGER, require_cells=False))
    assert rows[0].errors == [] and rows[0].values["received_on"] is None


def test_reads_the_named_sheet_and_keeps_row_numbers():
    wb = Workbook()
    wb.active.title = "封面"
    wb.active.append(["这是封面"])
    ws = wb.create_sheet("台账")
    ws.append(HEADERS[:2])
    ws.append(["E1", "2023-05-06"])
    rows = list(ss.read(ss.workbook_bytes(wb), LEDGER))
    assert [(r.number, r.values["ref"]) for r in rows] == [(2, "E1")]


def test_empty_and_headerless_files_are_refused():
    rejected("empty", b"")
    rejected("empty", SimpleUploadedFile("台账.xlsx", b""))
    rejected("no_header", ss.workbook_bytes(Workbook()))


def test_non_xlsx_uploads_are_refused_with_a_clear_message():
    exc = rejected("bad_format", SimpleUploadedFile("x.xlsx", b"not a workbook"))
    assert exc.text == "无法读取文件：请上传 .xlsx 文件。"
    rejected("bad_format", SimpleUploadedFile("notes.txt", "台账编号,受理日期\n".encode()))
    rejected("bad_format", SimpleUploadedFile("ledger.csv", "台账编号,受理日期\nA,2023-01-01\n".encode()))
    assert "另存为 .xlsx" in rejected("old_xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600).text
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    rejected("bad_file", SimpleUploadedFile("x.docx", docx.getvalue()))


def test_csv_when_the_ledger_accepts_it():
    ledger = Ledger(title="台账", columns=LEDGER.columns, formats=("xlsx", "csv"))
    utf8 = "\ufeff台账编号,受理日期,金额（元）\nF1,2023/4/5,12\n,,\nF2,2023-04-06,\n".encode()
    rows = list(ss.read(SimpleUploadedFile("台账.csv", utf8), ledger))
    assert [(r.number, r.values["ref"], r.values["received_on"]) for r in rows] == [
        (2, "F1", dt.date(2023, 4, 5)), (4, "F2", dt.date(2023, 4, 6))]
    gbk = "台账编号,受理日期\nF3,2023-04-07\n".encode("gb18030")
    assert [r.values["ref"] for r in ss.read(gbk, ledger, filename="台账.CSV")] == ["F3"]
    assert "xlsx 或 .csv" in rejected("bad_format", b"garbage", ledger, filename="x.xlsx").text
    rejected("bad_encoding", b"\xff\xfe\x00\xd8\xff", ledger, filename="x.csv")


def test_size_and_row_limits():
    small = Ledger(title="台账", columns=LEDGER.columns, max_bytes=1024 * 1024, max_rows=3)
    big = b"PK\x03\x04" + b"\0" * (1024 * 1024)
    assert "1 MB" in rejected("too_large", big, small).text

    class Sized(io.BytesIO):
        size = 5 * 1024 * 1024  # what the upload says, before anything is read

    rejected("too_large", Sized(b"PK"), small)
    content = xlsx([[f"G{i}", "2023-01-01"] for i in range(4)], headers=HEADERS[:2])
    assert "3" in rejected("too_many_rows", content, small).text
    assert len(list(ss.read(content, dataclasses.replace(small, max_rows=4)))) == 4


def test_error_report_and_export_reopen():
    errors = [ss.RowError(3, "受理日期", "日期不存在：“2023-02-30”。"), {"row": 5, "column": "", "message": "无权"}]
    ws = load_workbook(io.BytesIO(ss.errors_workbook(errors))).active
    assert ws.title == "错误报告" and ws["A1"].font.b
    assert list(ws.iter_rows(values_only=True)) == [("行号", "列", "错误说明"), (3, "受理日期", "日期不存在：“2023-02-30”。"),
                                                    (5, None, "无权")]

    content = ss.export_workbook("走访台账", ["编号", "日期", "时间", "人数"], iter([
        ["V1", dt.date(2023, 3, 23), dt.datetime(2023, 3, 23, 14, 30, tzinfo=dt.UTC), 2],
    ]))
    ws = load_workbook(io.BytesIO(content))["走访台账"]
    assert [c.value for c in ws[1]] == ["编号", "日期", "时间", "人数"] and ws["A1"].font.b
    assert ws["B2"].value == dt.datetime(2023, 3, 23) and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["C2"].value == dt.datetime(2023, 3, 23, 22, 30)  # shown in Asia/Shanghai time
    assert ws["C2"].number_format == "yyyy-mm-dd hh:mm" and ws["D2"].value == 2


def test_export_with_caption_and_widths_reopens():
    content = ss.export_workbook("统计", ["指标", "数值"], [["受理纠纷", 6], ["合计", dt.date(2023, 3, 23)]],
                                 caption=[["统计报表"], ["统计期间", "2022年"]], widths=[30, 12.5])
    ws = load_workbook(io.BytesIO(content))["统计"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "统计报表" and rows[1][:2] == ("统计期间", "2022年") and not any(rows[2])
    assert rows[3][:2] == ("指标", "数值") and rows[4][:2] == ("受理纠纷", 6)
    assert ws["A1"].font.b and ws["A1"].font.sz == 13 and not ws["A2"].font.b and ws["A4"].font.b
    assert ws["B6"].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions["A"].width == 30 and ws.column_dimensions["B"].width == 12.5
