"""pingan.core.documents: docxtpl rendering and the LibreOffice PDF path, on real files."""

from __future__ import annotations

import io
import threading

import pytest
from docx import Document
from pypdf import PdfReader

from pingan.core.documents import DocumentError, docx_to_pdf, render_docx


def _template(tmp_path, *paragraphs: str):
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    path = tmp_path / "t.docx"
    doc.save(str(path))
    return path


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _pdf_text(data: bytes) -> str:
    # pypdf puts spaces between CJK and Latin runs ("第 1 份"); compare without them.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace(" ", "")


def test_render_fills_fields_and_loops_and_escapes(tmp_path):
    path = _template(
        tmp_path, "协议编号：{{ number }}", "{%p for p in parties %}", "{{ p.role }}：{{ p.name }}", "{%p endfor %}",
        "协议内容：{{ terms }}",
    )
    data = render_docx(path, {
        "number": "（2026）勺调字第7号",
        "parties": [{"role": "申请人", "name": "王<明>&华"}, {"role": "被申请人", "name": "李强"}],
        "terms": "李强于2026年12月1日前赔偿王明华人民币3000元。",
    })
    text = _docx_text(data)
    assert "协议编号：（2026）勺调字第7号" in text
    assert "申请人：王<明>&华" in text  # escaped in the XML, intact when read back
    assert "被申请人：李强" in text
    assert "赔偿王明华人民币3000元" in text
    assert "{{" not in text and "{%" not in text


def test_missing_template_and_broken_tags_are_clear_errors(tmp_path):
    with pytest.raises(DocumentError) as missing:
        render_docx(tmp_path / "nope.docx", {})
    assert missing.value.code == "template_missing"
    broken = _template(tmp_path, "{{ unclosed ")
    with pytest.raises(DocumentError) as exc:
        render_docx(broken, {})
    assert exc.value.code == "template_error"


def test_pdf_contains_the_chinese_text(tmp_path):
    path = _template(tmp_path, "人民调解协议书", "当事人：{{ name }}")
    pdf = docx_to_pdf(render_docx(path, {"name": "张桂兰"}))
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    assert "人民调解协议书" in text
    assert "张桂兰" in text


def test_two_conversions_at_once_use_separate_profiles(tmp_path):
    path = _template(tmp_path, "第{{ n }}份")
    results: dict[int, str] = {}
    errors: list[Exception] = []

    def run(n: int) -> None:
        try:
            results[n] = _pdf_text(docx_to_pdf(render_docx(path, {"n": n})))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert "第1份" in results[1] and "第2份" in results[2]


def test_bad_input_missing_converter_and_timeout(tmp_path, monkeypatch):
    with pytest.raises(DocumentError) as not_docx:
        docx_to_pdf(b"%PDF-1.4 not a word file")
    assert not_docx.value.code == "not_docx"
    data = render_docx(_template(tmp_path, "超时"), {})
    with pytest.raises(DocumentError) as slow:
        docx_to_pdf(data, timeout=0.01)  # LibreOffice cannot even start in 10 ms
    assert slow.value.code == "converter_timeout"
    assert slow.value.status == 503
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere on the path
    with pytest.raises(DocumentError) as missing:
        docx_to_pdf(data)
    assert missing.value.code == "converter_missing"
