"""Build the Word templates of the disputes app (docxtpl/Jinja tags inside ordinary .docx files).

    python scripts/build_doc_templates.py      # rewrites pingan/disputes/templates_docx/*.docx

The generated files are committed: the application only reads them (pingan.core.documents).
An administrator may replace a template with one edited in Word as long as the tags stay.
Fonts: the East Asian font is set to "Noto Serif CJK SC" (fonts-noto-cjk); Word substitutes SimSun.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent.parent / "pingan" / "disputes" / "templates_docx"
FONT = "Noto Serif CJK SC"


def _document() -> Document:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    # Stable core properties: rebuilding gives the same template (no author/time churn).
    doc.core_properties.author = "pingan"
    doc.core_properties.last_modified_by = "pingan"
    return doc


def _title(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(20)


def _heading(doc, text: str) -> None:
    p = doc.add_paragraph()
    run = p.add_run(text)
    run.bold = True


def _right(doc, text: str) -> None:
    p = doc.add_paragraph(text)
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def mediation_agreement() -> Document:
    """人民调解协议书, with the content 人民调解法 Art. 29 names."""
    doc = _document()
    _title(doc, "人民调解协议书")
    _right(doc, "编号：{{ number }}")
    _heading(doc, "一、当事人基本情况")
    doc.add_paragraph("{%p for p in parties %}")
    doc.add_paragraph(
        "{{ p.role }}：{{ p.name }}{% if p.id_number %}，身份证号码：{{ p.id_number }}{% endif %}"
        "{% if p.credit_code %}，统一社会信用代码：{{ p.credit_code }}{% endif %}"
        "{% if p.address %}，住址：{{ p.address }}{% endif %}{% if p.phone %}，联系电话：{{ p.phone }}{% endif %}。"
    )
    doc.add_paragraph("{%p endfor %}")
    _heading(doc, "二、纠纷主要事实、争议事项")
    doc.add_paragraph("{{ facts }}")
    doc.add_paragraph("争议事项：{{ disputed_matters }}")
    _heading(doc, "三、各方当事人的责任")
    doc.add_paragraph("{{ responsibility }}")
    _heading(doc, "四、经调解，当事人自愿达成如下协议")
    doc.add_paragraph("{{ terms }}")
    _heading(doc, "五、履行方式和期限")
    doc.add_paragraph("履行方式：{{ performance_method }}")
    doc.add_paragraph("履行期限：{{ performance_deadline }}")
    doc.add_paragraph(
        "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
        "本协议一式{{ copies }}份，当事人、人民调解委员会各持一份。"
        "当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。"
    )
    doc.add_paragraph("")
    doc.add_paragraph("{%p for p in parties %}")
    doc.add_paragraph("{{ p.role }}（签名、盖章或按指印）：{{ p.signature }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("人民调解员（签名）：{{ mediator }}")
    doc.add_paragraph("人民调解委员会（印章）：{{ committee }}{% if sealed %}（已盖章）{% endif %}")
    _right(doc, "{{ agreed_on }}")
    return doc


def referral_letter() -> Document:
    """函件推送: a dispute pushed to the body responsible, with the reply deadline."""
    doc = _document()
    _title(doc, "矛盾纠纷转办函")
    _right(doc, "{{ letter_number }}")
    doc.add_paragraph("{{ recipient }}：")
    doc.add_paragraph(
        "我单位于{{ received_on }}受理{{ title }}（编号：{{ number }}）。经研究，该纠纷属于贵单位职责范围，"
        "现将有关情况函告如下，请依法依规处理。"
    )
    _heading(doc, "一、当事人")
    doc.add_paragraph("{%p for p in parties %}")
    doc.add_paragraph("{{ p.role }}：{{ p.name }}{% if p.phone %}，联系电话：{{ p.phone }}{% endif %}")
    doc.add_paragraph("{%p endfor %}")
    _heading(doc, "二、纠纷事实")
    doc.add_paragraph("{{ facts }}")
    _heading(doc, "三、转办事项")
    doc.add_paragraph("{{ request }}")
    doc.add_paragraph("请于{{ reply_due }}前将办理情况书面回复我单位。")
    doc.add_paragraph("联系人：{{ contact }}")
    doc.add_paragraph("")
    _right(doc, "{{ sender }}")
    _right(doc, "{{ sent_on }}")
    return doc


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in (("mediation_agreement", mediation_agreement), ("referral_letter", referral_letter)):
        path = OUT / f"{name}.docx"
        build().save(str(path))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
