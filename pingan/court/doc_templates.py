"""Build the court's Word templates (docxtpl/Jinja tags inside ordinary .docx files):

    python -m pingan.court.doc_templates      # rewrites pingan/court/templates_docx/*.docx

The generated files are committed; the application only reads them (pingan.core.documents).
An administrator may replace a template with one edited in Word as long as the tags stay."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent / "templates_docx"
FONT = "Noto Serif CJK SC"


def _document():
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.core_properties.author = "pingan"
    doc.core_properties.last_modified_by = "pingan"
    return doc


def _centre(doc, text: str, size: int = 20, bold: bool = True) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)


def _right(doc, text: str) -> None:
    doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT


def mediation_document():
    doc = _document()
    _centre(doc, "{{ court }}")
    _centre(doc, "民事调解书", 18)
    _right(doc, "{{ number }}")
    doc.add_paragraph("{%p for p in parties %}")
    doc.add_paragraph("{{ p.role }}：{{ p.name }}{% if p.address %}，住{{ p.address }}{% endif %}。")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("案由：{{ category }}")
    doc.add_paragraph("诉讼请求：{{ claim }}")
    doc.add_paragraph("本案经{{ organisation }}调解员{{ mediator }}诉前调解，当事人自愿达成如下协议：")
    doc.add_paragraph("{{ content }}")
    doc.add_paragraph("上述协议，不违反法律规定，本院予以确认。本调解书经双方当事人签收后，即具有法律效力。")
    _right(doc, "{{ issued_on }}")
    return doc


def ruling():
    doc = _document()
    _centre(doc, "{{ court }}")
    _centre(doc, "民事裁定书", 18)
    _right(doc, "{{ number }}")
    doc.add_paragraph("{%p for p in applicants %}")
    doc.add_paragraph("申请人：{{ p.name }}。")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph(
        "申请人于{{ applied_on }}向本院申请确认{{ organisation }}主持达成的调解协议（{{ pre_number }}）的效力。"
    )
    doc.add_paragraph("调解协议内容：{{ terms }}")
    doc.add_paragraph("{% if confirmed %}本院经审查认为，申请确认的调解协议符合司法确认条件。依照《中华人民共和国民事诉讼法》"
                      "第二百零六条的规定，裁定如下：申请人达成的调解协议有效。一方拒绝履行或者未全部履行的，"
                      "对方当事人可以向人民法院申请执行。{% else %}本院经审查认为：{{ reason }}。依照《中华人民共和国"
                      "民事诉讼法》第二百零六条的规定，裁定如下：驳回申请。当事人可以通过调解方式变更原调解协议或者"
                      "达成新的调解协议，也可以向人民法院提起诉讼。{% endif %}")
    _right(doc, "{{ ruled_on }}")
    return doc


def main() -> None:
    OUT.mkdir(exist_ok=True)
    mediation_document().save(OUT / "mediation_document.docx")
    ruling().save(OUT / "ruling.docx")


if __name__ == "__main__":
    main()
