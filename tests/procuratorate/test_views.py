"""Pages: queue, lists, details with timelines, forms, Excel export, the document; scoping of
partners and police; masked ID numbers with audited reveal."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from openpyxl import load_workbook

from pingan.core.audit import AuditEvent
from pingan.core.models import AuditEntry
from pingan.procuratorate import services
from pingan.procuratorate.models import MinorCase, Recommendation, Suspect

from .conftest import days_ago, valid_id

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_prosecutor_pages_render(proc, django_assert_max_num_queries):
    case = proc.case(request="arrest", received=9)  # the 7-day arrest review is overdue
    rec = services.issue_recommendation(procuratorate=proc.procuratorate, recipient=proc.emergency, title="关于X的检察建议",
                                        problems="问题一\n问题二", measures="措施一", issued_on=days_ago(1),
                                        by=proc.prosecutor)
    c = client_for(proc.prosecutor)
    r = c.get("/procuratorate/")
    assert r.status_code == 200 and case.number in r.content.decode() and "已超期" in r.content.decode()
    for url in ("/procuratorate/cases/", "/procuratorate/volunteer/", "/procuratorate/recommendations/",
                "/procuratorate/early/", "/procuratorate/statistics/", "/procuratorate/import/",
                f"/procuratorate/cases/{case.uuid}/", f"/procuratorate/recommendations/{rec.uuid}/",
                "/procuratorate/cases/new/", "/procuratorate/recommendations/new/", "/"):
        r = c.get(url)
        assert r.status_code == 200, url
    with django_assert_max_num_queries(15):
        c.get("/procuratorate/cases/")
    body = c.get(f"/procuratorate/cases/{case.uuid}/").content.decode()
    assert valid_id(1) not in body and "受理提请批准逮捕" in body and "批准逮捕" in body


def test_decision_form_and_refusal_message(proc):
    case = proc.case(request="arrest", received=3)
    s = case.suspects.get()
    c = client_for(proc.prosecutor)
    r = c.post(f"/procuratorate/suspects/{s.uuid}/action/", {"action": "refuse_arrest", "on": days_ago(1).isoformat(),
                                                             "grounds": ""}, follow=True)
    assert "请填写决定理由" in r.content.decode()
    s.refresh_from_db()
    assert s.state == "arrest_review"
    r = c.post(f"/procuratorate/suspects/{s.uuid}/action/", {"action": "refuse_arrest", "on": days_ago(1).isoformat(),
                                                             "grounds": "无逮捕必要"}, follow=True)
    s.refresh_from_db()
    assert s.state == "arrest_not_approved"
    assert "不批准逮捕" in r.content.decode()


def test_case_form_creates_and_shows_field_errors(proc):
    c = client_for(proc.prosecutor)
    data = {"number": "页面-1", "offence": proc.offences["theft"].pk, "police_agency": proc.police.pk,
            "request": "prosecution", "received_on": days_ago(1).isoformat(),
            "s-TOTAL_FORMS": "1", "s-INITIAL_FORMS": "0", "s-MIN_NUM_FORMS": "1", "s-MAX_NUM_FORMS": "10",
            "s-0-name": "钱七", "s-0-id_number": "123", "s-0-relation": "none"}
    r = c.post("/procuratorate/cases/new/", data)
    assert r.status_code == 200 and "身份证号码" in r.content.decode()
    assert not MinorCase.objects.filter(number="页面-1").exists()
    data["s-0-id_number"] = valid_id(7)
    r = c.post("/procuratorate/cases/new/", data)
    assert r.status_code == 302
    assert Suspect.objects.get(name="钱七").state == "prosecution_review"


def test_reveal_is_audited(proc):
    case = proc.case()
    c = client_for(proc.prosecutor)
    assert valid_id(1) in c.get(f"/procuratorate/cases/{case.uuid}/?reveal=1").content.decode()
    assert AuditEntry.objects.filter(event_type=AuditEvent.SENSITIVE_VIEWED, object_type="procuratorate.suspect").count() == 1


def test_partner_and_police_scope_on_pages(proc):
    case = proc.case()
    s = case.suspects.get()
    plan = services.create_volunteer_plan(suspect=s, partner=proc.partner_traffic, service_type="traffic_duty",
                                          consent_on=days_ago(9), start_on=days_ago(8), end_on=days_ago(0),
                                          planned_hours=4, by=proc.prosecutor)
    partner = client_for(proc.partner)
    assert partner.get("/procuratorate/").status_code == 302  # the partner's queue is their plans
    assert s.name in partner.get("/procuratorate/volunteer/").content.decode()
    assert partner.get(f"/procuratorate/volunteer/{plan.uuid}/").status_code == 200
    assert partner.get(f"/procuratorate/cases/{case.uuid}/").status_code == 404
    assert partner.get("/procuratorate/cases/").status_code == 403
    other = client_for(proc.other_partner)
    assert other.get(f"/procuratorate/volunteer/{plan.uuid}/").status_code == 404
    police = client_for(proc.police_officer)
    assert police.get(f"/procuratorate/cases/{case.uuid}/").status_code == 404
    assert police.get("/procuratorate/cases/").status_code == 403


def test_excel_export_masks_and_is_audited(proc):
    proc.case()
    c = client_for(proc.prosecutor)
    r = c.get("/procuratorate/cases/?export=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.cell(row=2, column=7).value == "张三" and valid_id(1) not in str(list(ws.values))
    assert AuditEntry.objects.filter(event_type=AuditEvent.EXPORTED, action="procuratorate.ledger_exported").exists()


def test_recommendation_document_docx_and_pdf(proc):
    rec = services.issue_recommendation(procuratorate=proc.procuratorate, recipient=proc.emergency,
                                        title="关于加强煤矿安全生产管理的检察建议", problems="安全制度不落实\n未经培训上岗",
                                        measures="全面排查隐患", issued_on=days_ago(5), by=proc.prosecutor)
    c = client_for(proc.prosecutor)
    r = c.get(f"/procuratorate/recommendations/{rec.uuid}/document.docx")
    assert r.status_code == 200
    xml = zipfile.ZipFile(io.BytesIO(r.content)).read("word/document.xml").decode()
    for text in (rec.number, "六盘水市水城区应急管理局", "未经培训上岗", "2个月内", "检察建议书"):
        assert text in xml
    assert "{{" not in xml
    r = c.get(f"/procuratorate/recommendations/{rec.uuid}/document.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert c.get(f"/procuratorate/recommendations/{rec.uuid}/document.txt").status_code == 404
    assert Recommendation.objects.count() == 1
