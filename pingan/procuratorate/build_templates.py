"""Build the Word template of the 检察建议书 (docxtpl/Jinja tags inside an ordinary .docx).

    python -m pingan.procuratorate.build_templates   # rewrites templates_docx/recommendation.docx

The generated file is committed: the application only reads it (pingan.core.documents). An
administrator may replace it with one edited in Word as long as the tags stay. Layout follows
人民检察院检察建议工作规定（2019）第16条 (what a recommendation states).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent / "templates_docx"
FONT = "Noto Serif CJK SC"


def _paragraph(doc, text: str, *, align=None, bold: bool = False, size: int | None = None) -> None:
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)


def recommendation():  # -> docx Document
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.core_properties.author = "pingan"
    doc.core_properties.last_modified_by = "pingan"
    _paragraph(doc, "{{ procuratorate }}", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=18)
    _paragraph(doc, "检察建议书", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=22)
    _paragraph(doc, "{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ recipient }}：")
    _paragraph(doc, "本院在{{ origin }}中发现，{{ title_clause }}存在以下问题：")
    doc.add_paragraph("{%p for line in problems %}")
    doc.add_paragraph("{{ line }}")
    doc.add_paragraph("{%p endfor %}")
    _paragraph(doc, "根据《中华人民共和国人民检察院组织法》第二十一条和《人民检察院检察建议工作规定》的规定，特提出如下建议：")
    doc.add_paragraph("{%p for line in measures %}")
    doc.add_paragraph("{{ line }}")
    doc.add_paragraph("{%p endfor %}")
    _paragraph(doc, "请你单位自收到本检察建议书之日起{{ reply_months }}个月内（{{ reply_due }}前）将采纳建议、整改落实的情况"
                    "书面回复本院。对本建议有异议的，可在上述期限内书面提出。")
    _paragraph(doc, "{{ procuratorate }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "{{ issued_on }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, "（联系人：{{ contact }}）", size=12)
    return doc


def main() -> None:
    OUT.mkdir(exist_ok=True)
    recommendation().save(OUT / "recommendation.docx")


if __name__ == "__main__":
    main()
