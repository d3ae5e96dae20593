from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from pingan.core.models import AuditEntry
from pingan.disputes import ledger
from pingan.disputes.models import Dispute, Party

from .conftest import valid_id

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in ledger.COLUMNS]


def row(ref, *, title="欠薪纠纷", category="劳动争议及欠薪", place="520204104001", date="2023-03-01",
        amount="12000", facts="某工地拖欠工资。", p1="王五", p1_id="", p2="", p2_kind="", p2_id="", **extra):
    values = {
        "台账编号": ref, "纠纷简题": title, "纠纷类别": category, "发生地区划代码": place, "受理日期": date,
        "争议金额（元）": amount, "纠纷事实": facts, "当事人1姓名或名称": p1, "当事人1证件号码": p1_id,
        "当事人2姓名或名称": p2, "当事人2类型": p2_kind, "当事人2证件号码": p2_id,
    }
    values.update(extra)
    return values


def xlsx(rows, headers=HEADERS, name="台账.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append([h + ("*" if i == 0 else "") for i, h in enumerate(headers)])
    for r in rows:
        ws.append([r.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_template_has_headers_dropdowns_and_instructions(org, categories):
    wb = load_workbook(io.BytesIO(ledger.template_workbook(user=org.village_mediator_a)))
    assert wb.sheetnames[:1] == ["台账"] and "填写说明" in wb.sheetnames and "区划代码" in wb.sheetnames
    ws = wb["台账"]
    headers = [c.value for c in ws[1]]
    assert headers[0] == "台账编号*" and "纠纷类别*" in headers and "当事人1身份" in headers
    formulas = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("类别" in f for f in formulas) and '"申请人,被申请人,第三人"' in formulas
    assert [c.value for c in wb["类别"]["A"]][:2] == ["婚姻家庭", "邻里"]
    codes = {r[0] for r in wb["区划代码"].iter_rows(min_row=2, values_only=True)}
    assert org.village_a.code in codes and org.village_c.code not in codes  # only the user's scope


def test_broken_rows_each_get_a_precise_error_and_nothing_is_written(org, categories):
    upload = xlsx([
        row("A1"),
        row("A2", p1=""),
        row("A3", date="2023-02-30"),
        row("A4", p1_id="520204198001010015"),
        row("A5", category="算命"),
        row("A6", amount="-100"),
        row("A7", place="520204999999"),
        row("A8", place=org.village_c.code),  # another township: outside the mediator's scope
        row("A1"),  # ledger number repeated in the file
    ])
    job = ledger.preview(upload=upload, by=org.village_mediator_a)
    found = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert ("台账编号" not in {c for (r, c) in found if r == 2})
    assert "必填" in found[(3, "当事人1姓名或名称")]
    assert "日期不存在" in found[(4, "受理日期")] and "2023-02-30" in found[(4, "受理日期")]
    assert "校验位" in found[(5, "当事人1证件号码")]
    assert "算命" in found[(6, "纠纷类别")]
    assert "负数" in found[(7, "争议金额（元）")]
    assert "520204999999" in found[(8, "发生地区划代码")]
    assert "无权" in found[(9, "发生地区划代码")]
    assert "第 2 行" in found[(10, "台账编号")]
    assert job.rows_total == 9 and job.rows_error == 8
    assert [p["action"] for p in job.preview] == ["create"] + ["error"] * 8
    assert Dispute.objects.count() == 0

    # the error report downloads as xlsx with row, column, message
    report = load_workbook(io.BytesIO(ledger.errors_workbook(job.errors)))
    lines = list(report.active.iter_rows(values_only=True))
    assert lines[0] == ("行号", "列", "错误说明") and (4, "受理日期") in {(r[0], r[1]) for r in lines[1:]}

    # all-or-nothing refuses the file: nothing half-written
    job = ledger.start(job=job, mode="all")
    assert job.status == "failed" and Dispute.objects.count() == 0 and Party.objects.count() == 0


def test_import_valid_rows_only(org, categories):
    upload = xlsx([row("B1"), row("B2", date="2023-13-01"), row("B3", p2="某建筑公司", p2_kind="单位")])
    job = ledger.preview(upload=upload, by=org.village_mediator_a)
    job = ledger.start(job=job, mode="valid")
    assert job.status == "done" and job.rows_created == 2 and job.rows_error == 1
    assert set(Dispute.objects.values_list("external_ref", flat=True)) == {"B1", "B3"}
    d = Dispute.objects.get(external_ref="B3")
    assert d.source == "excel" and d.created_by == org.village_mediator_a
    assert [(p.role, p.kind) for p in d.parties.all()] == [("applicant", "person"), ("respondent", "organisation")]
    assert timezone.localtime(d.received_at).date().isoformat() == "2023-03-01"


def test_reimport_same_file_creates_nothing_and_changed_rows_update(org, categories):
    rows = [row(f"C{i}", p1_id=valid_id(i)) for i in range(1, 6)]
    job = ledger.start(job=ledger.preview(upload=xlsx(rows), by=org.village_mediator_a), mode="all")
    assert job.status == "done" and job.rows_created == 5
    audit_count = AuditEntry.objects.count()

    again = ledger.preview(upload=xlsx(rows), by=org.village_mediator_a)
    assert [p["action"] for p in again.preview] == ["skip"] * 5
    again = ledger.start(job=again, mode="all")
    assert again.rows_created == 0 and again.rows_skipped == 5 and Dispute.objects.count() == 5
    assert AuditEntry.objects.count() == audit_count  # nothing written at all

    rows[2]["争议金额（元）"] = "15000"
    rows[4]["当事人2姓名或名称"] = "赵六"
    third = ledger.start(job=ledger.preview(upload=xlsx(rows), by=org.village_mediator_a), mode="all")
    assert (third.rows_created, third.rows_updated, third.rows_skipped) == (0, 2, 3)
    assert str(Dispute.objects.get(external_ref="C3").amount) == "15000.00"
    assert Dispute.objects.get(external_ref="C5").parties.count() == 2
    assert Dispute.objects.count() == 5


def test_not_an_xlsx_or_missing_columns(org, categories):
    with pytest.raises(Exception) as exc:
        ledger.preview(upload=SimpleUploadedFile("x.xlsx", b"not a workbook"), by=org.village_mediator_a)
    assert "xlsx" in str(exc.value)
    with pytest.raises(Exception) as exc:
        ledger.preview(upload=xlsx([row("D1")], headers=HEADERS[1:]), by=org.village_mediator_a)
    assert "台账编号" in str(exc.value)


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_large_file_runs_on_the_worker_with_progress(org, categories, settings):
    settings.PINGAN_DISPUTE_IMPORT_INLINE_ROWS = 10
    rows = [row(f"E{i:03d}", date=(timezone.localdate() - timedelta(days=i)).isoformat()) for i in range(1, 451)]
    job = ledger.preview(upload=xlsx(rows), by=org.village_mediator_a)
    job = ledger.start(job=job, mode="valid")  # autocommit: the task is enqueued at once
    assert job.status == "queued" and Dispute.objects.count() == 0
    with pytest.raises(Exception):  # noqa: B017  a second confirmation is refused
        ledger.start(job=job, mode="valid")
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == job.rows_total == 450 and job.percent == 100
    assert Dispute.objects.count() == 450
