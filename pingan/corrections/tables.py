"""Reading uploaded tables (Excel .xlsx or CSV) into row dicts keyed by the header row."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from pingan.core.errors import ApplicationError

MAX_ROWS = 50_000


def read_table(data: bytes, filename: str) -> list[dict[str, Any]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise ApplicationError(_("无法读取 Excel 文件。"), code="bad_file", field="file") from exc
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="strict")
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    if not rows:
        return []
    header = [str(h or "").strip() for h in rows[0]]
    out = []
    for r in rows[1:MAX_ROWS + 1]:
        if all(v in (None, "") for v in r):
            continue
        out.append({h: (v.strip() if isinstance(v, str) else v) for h, v in zip(header, r, strict=False) if h})
    return out


def as_datetime(value: Any, zone) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=zone)
    text = str(value or "").strip().replace("/", "-").replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ValueError(text)
