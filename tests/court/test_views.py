"""Court pages: queues per role, the detail page with its timeline and forms, actions through
POST, scoping (404), and the ruling document (DOCX read back; PDF through LibreOffice)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.test import Client
from docx import Document

from pingan.court import services
from pingan.court.models import CourtCase

from .conftest import at, in_mediation, new_case

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_clerk_screens_records_consent_and_delegates_through_pages(court):
    case = new_case(court)
    c = client_for(court.clerk)
    r = c.get("/court/")
    assert r.status_code == 200 and "立案审查与委派" in r.content.decode() and case.dispute.title in r.content.decode()
    detail = f"/court/cases/{case.uuid}/"
    assert c.post(f"{detail}do/screen/", {"note": "符合诉前调解条件"}).status_code == 302
    for party in case.dispute.parties.all():
        r = c.post(f"{detail}do/consent/", {"party": party.pk, "consents": "yes"})
    r = c.post(f"{detail}do/delegate/", {"organisation": court.centre.pk}, follow=True)
    page = r.content.decode()
    assert "已保存。" in page and "民诉前调" in page and "刘芳" in page  # recommended mediators listed
    r = c.post(f"{detail}do/assign/", {"mediator": "med_a", "chosen_by": "court"}, follow=True)
    case.refresh_from_db()
    assert case.state == CourtCase.State.MEDIATOR_ASSIGNED
    assert "调解员确认接受" in r.content.decode()


def test_refused_action_shows_message_and_changes_nothing(court):
    case = new_case(court)
    c = client_for(court.clerk)
    services.screen_case(case=case, by=court.clerk)
    r = c.post(f"/court/cases/{case.uuid}/do/delegate/", {"organisation": court.centre.pk}, follow=True)
    assert "尚未同意诉前调解" in r.content.decode()
    case.refresh_from_db()
    assert case.state == CourtCase.State.CONSENT_PENDING


def test_mediator_queue_and_other_mediator_gets_404(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    r = client_for(court.mediator).get("/court/")
    assert "我的委派案件" in r.content.decode() and case.number in r.content.decode()
    assert client_for(court.other_mediator).get(f"/court/cases/{case.uuid}/").status_code == 404
    r = client_for(court.other_mediator).post(f"/court/cases/{case.uuid}/do/succeed/", {})
    assert r.status_code == 404


def test_judge_comments_and_sees_timeline(court):
    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    c = client_for(court.judge)
    assert "指导调解" in c.get("/court/").content.decode()
    r = c.post(f"/court/cases/{case.uuid}/do/comment/", {"text": "请核实借条原件"}, follow=True)
    page = r.content.decode()
    assert "请核实借条原件" in page
    assert page.count("<li>") >= 4  # timeline: screen, delegate, assign, accept


def test_ruling_document_docx_and_pdf(court):
    from pypdf import PdfReader

    case = in_mediation(court, accepted=at(date(2024, 3, 1)))
    services.succeed_mediation(case=case, agreed_terms="被告于五月底前付清货款", agreement_effective_on=date(2024, 3, 11),
                               by=court.mediator, now=at(date(2024, 3, 11)))
    services.apply_for_confirmation(case=case, applicants=case.dispute.parties.all(), applied_on=date(2024, 3, 12),
                                    by=court.clerk)
    services.rule_on_confirmation(case=case, confirmed=True, ruled_on=date(2024, 3, 20), by=court.judge)
    c = client_for(court.clerk)
    r = c.get(f"/court/cases/{case.uuid}/documents/ruling.docx")
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "（2024）黔0204民特1号" in text and "张三" in text and "调解协议有效" in text
    r = c.get(f"/court/cases/{case.uuid}/documents/ruling.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages).replace(" ", "")
    assert "民事裁定书" in pdf_text
    assert c.get(f"/court/cases/{case.uuid}/documents/mediation.docx").status_code == 404


def test_roster_page_shows_load(court):
    in_mediation(court, accepted=at(date(2024, 3, 1)))
    r = client_for(court.clerk).get("/court/roster/")
    assert r.status_code == 200 and "刘芳" in r.content.decode()
