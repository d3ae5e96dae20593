"""The 检察建议书 as Word (docxtpl template in templates_docx/) and PDF (LibreOffice), through
pingan.core.documents. The reply period printed is the one stored with the recommendation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.documents import (
    DOCX_CONTENT_TYPE,
    PDF_CONTENT_TYPE,
    docx_to_pdf,
    render_docx,
    soffice_path,
)
from pingan.core.errors import ApplicationError
from pingan.core.settings_store import get_setting

from .models import Recommendation

TEMPLATE = Path(__file__).resolve().parent / "templates_docx" / "recommendation.docx"


def available() -> bool:
    return TEMPLATE.is_file()


def pdf_available() -> bool:
    return soffice_path() is not None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _cn_date(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def context(rec: Recommendation) -> dict[str, Any]:
    origin = _("办理%(n)s案件过程") % {"n": rec.case.number} if rec.case_id and rec.case else _("履行法律监督职责过程")
    return {
        "procuratorate": rec.procuratorate.name,
        "number": rec.number,
        "recipient": rec.recipient.name,
        "origin": origin,
        "title_clause": rec.title.removeprefix("关于").removesuffix("的检察建议") or rec.title,
        "problems": _lines(rec.problems),
        "measures": _lines(rec.measures),
        "reply_months": _reply_months(rec),
        "reply_due": _cn_date(rec.reply_due),
        "issued_on": _cn_date(rec.issued_on),
        "contact": str(rec.created_by) if rec.created_by_id else "",
    }


def _reply_months(rec: Recommendation) -> int:
    from pingan.core.deadlines import deadlines_for

    from .services import REPLY

    d = deadlines_for(rec).filter(kind=REPLY).first()
    return d.amount if d is not None else get_setting("procuratorate.recommendation_reply_months", int)


def recommendation_document(*, rec: Recommendation, fmt: str, by) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of the recommendation as "docx" or "pdf"."""
    if fmt not in ("docx", "pdf"):
        raise ApplicationError(_("不支持的格式：%(f)s") % {"f": fmt}, code="invalid_format", field="fmt")
    data = render_docx(TEMPLATE, context(rec))
    if fmt == "pdf":
        data = docx_to_pdf(data)
    record(actor=by, event_type=AuditEvent.PROCURATORATE_CHANGED, action="procuratorate.recommendation_document",
           obj=rec, after={"format": fmt})
    content_type = PDF_CONTENT_TYPE if fmt == "pdf" else DOCX_CONTENT_TYPE
    return data, content_type, f"recommendation-{rec.pk}.{fmt}"
