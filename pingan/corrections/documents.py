"""Sanction documents (训诫书, 警告决定书, 提请撤销缓刑/假释建议书 and the other proposals) as DOCX
and PDF from the committed templates (scripts/build_corrections_doc_templates.py). Rendered on
request: only approved sanctions have a document number and thus a document."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from pingan.core.documents import docx_to_pdf, render_docx
from pingan.core.errors import ApplicationError
from pingan.core.settings_store import get_setting

from .models import Sanction

TEMPLATES = Path(__file__).parent / "templates_docx"
TEMPLATE_OF = {"admonition": "admonition", "warning": "warning"}
PROPOSAL = {
    "revocation": ("提请撤销缓刑/假释建议书", "撤销缓刑（假释），执行原判刑罚"),
    "custody": ("提请收监执行建议书", "对其收监执行"),
    "arrest": ("提请逮捕建议书", "对其予以逮捕"),
    "police_penalty": ("提请治安管理处罚建议书", "对其给予治安管理处罚"),
}


def context(sanction: Sanction) -> dict:
    s = sanction.supervisee
    ctx = {
        "document_number": sanction.document_number, "name": s.name, "id_number": s.masked_id_number,
        "sentence_type": s.get_sentence_type_display(), "court": s.court, "judgment_number": s.judgment_number,
        "start_date": f"{s.start_date:%Y年%m月%d日}", "end_date": f"{s.end_date:%Y年%m月%d日}",
        "facts": sanction.facts, "grounds": "；".join((sanction.grounds or {}).get("explanation", [])[:1]),
        "agency": "六盘水市水城区司法局", "decided_on": f"{sanction.decided_on:%Y年%m月%d日}" if sanction.decided_on else "",
    }
    if sanction.kind in PROPOSAL:
        title, proposal = PROPOSAL[sanction.kind]
        if sanction.kind == "arrest":
            period = _("%(n)s小时") % {"n": get_setting("corrections.arrest_decision_hours", int)}
        else:
            period = _("%(n)s日") % {"n": get_setting("corrections.revocation_decision_days", int)}
        ctx.update(title=title, proposal=proposal, decision_period=period)
    return ctx


def filename(sanction: Sanction, ext: str) -> str:
    title = PROPOSAL[sanction.kind][0] if sanction.kind in PROPOSAL else {"admonition": "训诫书", "warning": "警告决定书"}[sanction.kind]
    return f"{title}-{sanction.supervisee.name}-{sanction.pk}.{ext}"


def sanction_docx(sanction: Sanction) -> bytes:
    if sanction.state in (Sanction.State.PROPOSED, Sanction.State.REJECTED) or not sanction.document_number:
        raise ApplicationError(_("处理措施尚未批准，没有文书。"), code="not_approved", field="state")
    template = TEMPLATE_OF.get(sanction.kind, "revocation")
    return render_docx(TEMPLATES / f"{template}.docx", context(sanction))


def sanction_pdf(sanction: Sanction) -> bytes:
    return docx_to_pdf(sanction_docx(sanction))
