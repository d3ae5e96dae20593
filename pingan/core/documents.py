"""Documents agencies exchange: Word from a docxtpl template, PDF through LibreOffice headless.

    from pingan.core.documents import render_docx, docx_to_pdf
    docx = render_docx(template_path, {"parties": [...], "terms": "…"})
    pdf = docx_to_pdf(docx)          # DocumentError when LibreOffice is missing or times out

Templates are ordinary .docx files kept in the repository (never generated at run time); they
use Jinja tags (`{{ name }}`, `{%p for p in parties %}`, see docxtpl). Values are escaped by
docxtpl (autoescape on), so a party named "<A & B>" cannot break the XML.

PDF conversion starts one `soffice --headless --convert-to pdf` per call with a private user
profile in a temporary directory: two conversions at once (two workers, two requests) never share
LibreOffice's profile lock, and a crashed run leaves nothing behind. The CJK glyphs come from the
system font (fonts-noto-cjk, installed by scripts/setup-system).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from .errors import ApplicationError

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CONTENT_TYPE = "application/pdf"
DEFAULT_TIMEOUT = 120  # seconds; a cold LibreOffice start takes ~2–5 s on the 2-core machines


class DocumentError(ApplicationError):
    """The document could not be produced (bad template, converter missing or failed). A 503:
    the request was fine, the server could not serve it now."""

    status = 503


def render_docx(template_path: str | os.PathLike[str], context: Mapping[str, Any]) -> bytes:
    """Fill the docxtpl template at `template_path` with `context`; returns the .docx bytes."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    path = Path(template_path)
    if not path.is_file():
        raise DocumentError(_("文书模板不存在：%(name)s") % {"name": path.name}, code="template_missing")
    doc = DocxTemplate(str(path))
    try:
        doc.render(dict(context), autoescape=True)
    except TemplateError as exc:
        raise DocumentError(
            _("文书模板“%(name)s”有误：%(error)s") % {"name": path.name, "error": exc}, code="template_error"
        ) from exc
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def soffice_path() -> str | None:
    """The LibreOffice binary, or None (the PDF path is then unavailable; DOCX still works)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx_bytes: bytes, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Convert .docx bytes to PDF bytes with LibreOffice headless (private profile per call)."""
    binary = soffice_path()
    if binary is None:
        raise DocumentError(_("服务器未安装 LibreOffice，无法生成 PDF。"), code="converter_missing")
    if not docx_bytes.startswith(b"PK"):
        raise DocumentError(_("不是有效的 Word 文档。"), code="not_docx")
    with tempfile.TemporaryDirectory(prefix="pingan-doc-") as tmp:
        work = Path(tmp)
        src = work / "document.docx"
        src.write_bytes(docx_bytes)
        profile = (work / "profile").as_uri()
        cmd = [
            binary, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
            "--convert-to", "pdf", "--outdir", str(work), str(src),
        ]
        env = {**os.environ, "HOME": str(work)}  # LibreOffice writes caches under $HOME
        # Its own process group: soffice forks soffice.bin, and a timeout must end both.
        proc = subprocess.Popen(  # noqa: S603
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise DocumentError(_("生成 PDF 超时，请稍后重试。"), code="converter_timeout") from exc
        pdf = work / "document.pdf"
        if proc.returncode != 0 or not pdf.is_file():
            detail = (err or out).decode("utf-8", "replace")[-500:]
            raise DocumentError(
                _("生成 PDF 失败：%(detail)s") % {"detail": detail.strip() or proc.returncode}, code="converter_failed"
            )
        return pdf.read_bytes()
