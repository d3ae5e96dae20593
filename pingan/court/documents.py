"""The court's documents: 民事调解书 and the 司法确认 ruling (民事裁定书), filled from the records
with pingan.core.documents (docxtpl; PDF through LibreOffice)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pingan.core.documents import DOCX_CONTENT_TYPE, PDF_CONTENT_TYPE, docx_to_pdf, render_docx

from .models import CourtCase, JudicialConfirmation

TEMPLATES = Path(__file__).resolve().parent / "templates_docx"
__all__ = ["DOCX_CONTENT_TYPE", "PDF_CONTENT_TYPE", "mediation_document", "ruling", "to_pdf"]


def _date(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _parties(case: CourtCase) -> list[dict[str, Any]]:
    # Names and roles only: the document carries no ID numbers or phones.
    return [{"role": p.get_role_display(), "name": p.name, "address": p.address} for p in case.dispute.parties.all()]


def mediation_document(case: CourtCase) -> bytes:
    doc = case.mediation_document
    return render_docx(TEMPLATES / "mediation_document.docx", {
        "court": case.court.name, "number": case.number, "parties": _parties(case),
        "category": case.dispute.category.name, "claim": case.claim,
        "organisation": case.delegated_to.name if case.delegated_to else "",
        "mediator": str(case.mediator) if case.mediator else "", "content": doc.content,
        "issued_on": _date(doc.issued_on or doc.applied_on),
    })


def ruling(jc: JudicialConfirmation) -> bytes:
    case = jc.court_case
    return render_docx(TEMPLATES / "ruling.docx", {
        "court": case.court.name, "number": jc.number, "pre_number": case.number,
        "applicants": [{"name": p.name} for p in jc.applicants.order_by("order", "pk")],
        "applied_on": _date(jc.applied_on), "organisation": case.delegated_to.name if case.delegated_to else "",
        "terms": case.agreed_terms, "confirmed": jc.ruling == JudicialConfirmation.Ruling.CONFIRMED,
        "reason": jc.ruling_reason, "ruled_on": _date(jc.ruled_on),
    })


def to_pdf(docx: bytes) -> bytes:
    return docx_to_pdf(docx)
