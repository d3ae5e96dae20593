"""Build the Word templates of the corrections app (docxtpl/Jinja tags inside .docx files).

    python scripts/build_corrections_doc_templates.py   # rewrites pingan/corrections/templates_docx/*.docx

The generated files are committed; the application only reads them (pingan.core.documents).
Same helpers and font as scripts/build_doc_templates.py (disputes)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_doc_templates import _document, _heading, _right, _title  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "pingan" / "corrections" / "templates_docx"


def _person(doc) -> None:
    doc.add_paragraph("社区矫正对象：{{ name }}，身份证号：{{ id_number }}，矫正类别：{{ sentence_type }}，"
                      "判决法院：{{ court }}，判决书号：{{ judgment_number }}，矫正期限：{{ start_date }}至{{ end_date }}。")


def admonition():
    doc = _document()
    _title(doc, "训诫书")
    _right(doc, "{{ document_number }}")
    _person(doc)
    _heading(doc, "违规事实")
    doc.add_paragraph("{{ facts }}")
    _heading(doc, "处理依据")
    doc.add_paragraph("依据《中华人民共和国社区矫正法》第二十八条及《社区矫正法实施办法》有关规定，决定给予训诫。{{ grounds }}")
    doc.add_paragraph("望你深刻认识错误，严格遵守社区矫正监督管理规定。")
    _right(doc, "{{ agency }}")
    _right(doc, "{{ decided_on }}")
    doc.add_paragraph("本人签收：__________　　日期：__________")
    return doc


def warning():
    doc = _document()
    _title(doc, "警告决定书")
    _right(doc, "{{ document_number }}")
    _person(doc)
    _heading(doc, "违规事实")
    doc.add_paragraph("{{ facts }}")
    _heading(doc, "处理依据")
    doc.add_paragraph("依据《中华人民共和国社区矫正法》第二十八条及《社区矫正法实施办法》有关规定，决定给予警告。{{ grounds }}")
    doc.add_paragraph("如不服本决定，可在收到本决定书之日起向{{ agency }}提出申辩。")
    _right(doc, "{{ agency }}")
    _right(doc, "{{ decided_on }}")
    doc.add_paragraph("本人签收：__________　　日期：__________")
    return doc


def revocation():
    doc = _document()
    _title(doc, "{{ title }}")
    _right(doc, "{{ document_number }}")
    doc.add_paragraph("{{ court }}：")
    _person(doc)
    _heading(doc, "违规事实")
    doc.add_paragraph("{{ facts }}")
    _heading(doc, "建议")
    doc.add_paragraph("依据《中华人民共和国社区矫正法》第四十六条至第四十九条，建议依法{{ proposal }}。{{ grounds }}")
    doc.add_paragraph("请于收到本建议书之日起{{ decision_period }}内作出裁定。")
    _right(doc, "{{ agency }}")
    _right(doc, "{{ decided_on }}")
    return doc


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in (("admonition", admonition), ("warning", warning), ("revocation", revocation)):
        build().save(OUT / f"{name}.docx")
        print(OUT / f"{name}.docx")


if __name__ == "__main__":
    main()
