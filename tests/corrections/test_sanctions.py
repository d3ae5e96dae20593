"""The sanction ladder, approval, notice, court periods and the documents."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from docx import Document
from pypdf import PdfReader

from pingan.core.errors import ApplicationError
from pingan.core.models import Deadline
from pingan.corrections import alerts, documents, sanctions
from pingan.corrections.models import Sanction

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def violation(s, by, minutes=0, kind="checkin_missed", facts=None):
    a = alerts.raise_alert(supervisee=s, kind=kind, occurred_at=T0 + dt.timedelta(minutes=minutes), evidence={},
                           source="checkin")
    alerts.verify_alert(alert=a, outcome="violation", by=by, reason="未按规定签到", facts=facts)
    return Sanction.objects.get(alert=a)


def issue(sanction, officer, staff):
    sanctions.approve_sanction(sanction=sanction, by=officer)
    sanctions.notify_sanction(sanction=sanction, by=staff)
    return sanction


@pytest.mark.django_db
def test_ladder_admonitions_then_warning_then_revocation(make_supervisee, org):
    s, _d, _t = make_supervisee()
    staff, officer = org["staff_a"], org["officer"]
    first = violation(s, staff, 1)
    assert first.kind == "admonition" and first.grounds["record"]["prior"] == {"admonitions": 0, "warnings": 0}
    issue(first, officer, staff)
    second = violation(s, staff, 2)
    assert second.kind == "admonition"
    issue(second, officer, staff)
    third = violation(s, staff, 3)  # two admonitions without correction
    assert third.kind == "warning" and third.grounds["record"]["admonitions_reached"] is True
    issue(third, officer, staff)
    fourth = violation(s, staff, 4)  # the warning reset the admonition count
    assert fourth.kind == "admonition"
    issue(fourth, officer, staff)
    fifth = violation(s, staff, 5, facts={"serious": True})
    assert fifth.kind == "warning"
    issue(fifth, officer, staff)
    sixth = violation(s, staff, 6)  # two warnings without correction (2020 rules; not three)
    assert sixth.kind == "revocation"


@pytest.mark.django_db
def test_ladder_absence_thresholds_and_sentence_types(make_supervisee, org):
    s, _d, _t = make_supervisee()
    assert sanctions.propose(supervisee=s, facts={"absent_days": 10})[0] == "admonition"
    assert sanctions.propose(supervisee=s, facts={"absent_days": 11})[0] == "warning"
    assert sanctions.propose(supervisee=s, facts={"absent_days": 45})[0] == "revocation"
    assert sanctions.propose(supervisee=s, facts={"absent_days": 45, "arrest_grounds": True})[0] == "arrest"
    assert sanctions.propose(supervisee=s, facts={"prohibition": "minor"})[0] == "warning"
    assert sanctions.propose(supervisee=s, facts={"prohibition": "serious"})[0] == "revocation"
    assert sanctions.propose(supervisee=s, facts={"public_order_offence": True})[0] == "police_penalty"
    s.sentence_type = "outside_prison"
    assert sanctions.propose(supervisee=s, facts={"absent_days": 45})[0] == "custody"
    s.sentence_type = "control"
    assert sanctions.propose(supervisee=s, facts={"absent_days": 45})[0] == "warning"


@pytest.mark.django_db
def test_threshold_comes_from_the_setting(make_supervisee, org):
    from pingan.core.settings_store import set_setting

    s, _d, _t = make_supervisee()
    set_setting(key="corrections.admonition_max_absent_days", value=5, by=None)
    assert sanctions.propose(supervisee=s, facts={"absent_days": 6})[0] == "warning"


@pytest.mark.django_db
def test_only_the_county_approves_and_court_period_runs(make_supervisee, org):
    s, _d, _t = make_supervisee()
    staff, officer = org["staff_a"], org["officer"]
    p = sanctions.propose_sanction(supervisee=s, by=staff, facts={"absent_days": 45}, description="脱离监管四十五日")
    assert p.kind == "revocation" and p.found_by_system is False
    with pytest.raises(PermissionDenied):
        sanctions.approve_sanction(sanction=p, by=staff)
    sanctions.approve_sanction(sanction=p, by=officer)
    assert p.document_number.startswith("水司矫撤〔")
    with pytest.raises(ApplicationError):
        sanctions.notify_sanction(sanction=p, by=staff)  # a proposal goes to the court, not to the person
    sanctions.submit_sanction(sanction=p, by=officer)
    dl = Deadline.objects.get(object_id=str(p.pk), kind=sanctions.DECISION_DEADLINE)
    assert (dl.amount, dl.unit, dl.status) == (30, "natural_days", "running")
    sanctions.record_decision(sanction=p, by=officer, decision="（2026）黔0204刑更1号裁定撤销缓刑")
    dl.refresh_from_db()
    assert dl.status == "met" and p.state == "decided"
    arrest = sanctions.propose_sanction(supervisee=s, by=staff, facts={}, description="可能逃跑", kind="arrest")
    sanctions.approve_sanction(sanction=arrest, by=officer)
    sanctions.submit_sanction(sanction=arrest, by=officer)
    dl2 = Deadline.objects.get(object_id=str(arrest.pk), kind=sanctions.DECISION_DEADLINE)
    assert (dl2.amount, dl2.unit) == (48, "hours")


@pytest.mark.django_db
def test_warning_documents_docx_and_pdf(make_supervisee, org):
    s, _d, _t = make_supervisee(name="李四")
    w = sanctions.propose_sanction(supervisee=s, by=org["staff_a"], facts={"serious": True},
                                   description="擅自离开水城区前往盘州市")
    with pytest.raises(ApplicationError):
        documents.sanction_docx(w)
    issue(w, org["officer"], org["staff_a"])
    w.refresh_from_db()
    assert w.notified_at is not None and w.notice_method
    text = "\n".join(p.text for p in Document(io.BytesIO(documents.sanction_docx(w))).paragraphs)
    assert "警告决定书" in text and "李四" in text and w.document_number in text and "盘州市" in text
    assert s.id_number not in text and s.masked_id_number in text
    pdf = PdfReader(io.BytesIO(documents.sanction_pdf(w)))
    flat = "".join(page.extract_text() for page in pdf.pages).replace(" ", "").replace("\n", "")
    assert "警告决定书" in flat and "李四" in flat


@pytest.mark.django_db
def test_admonition_and_revocation_docx(make_supervisee, org):
    s, _d, _t = make_supervisee(name="王五")
    a = issue(sanctions.propose_sanction(supervisee=s, by=org["staff_a"], facts={}, description="迟到报到"),
              org["officer"], org["staff_a"])
    assert "训诫书" in "".join(p.text for p in Document(io.BytesIO(documents.sanction_docx(a))).paragraphs)
    r = sanctions.propose_sanction(supervisee=s, by=org["staff_a"], facts={"absent_days": 40}, description="脱管")
    sanctions.approve_sanction(sanction=r, by=org["officer"])
    text = "".join(p.text for p in Document(io.BytesIO(documents.sanction_docx(r))).paragraphs)
    assert "提请撤销缓刑/假释建议书" in text and "30日" in text and "水城区人民法院" in text
