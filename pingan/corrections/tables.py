"""Uploaded tables (Excel .xlsx or CSV) as row dicts keyed by the header row, and their date cells."""

from __future__ import annotations

from datetime import date, datetime
from typing import IO, Any

from pingan.core import spreadsheets as ss


def read_table(data: bytes | IO[bytes], filename: str) -> list[dict[str, Any]]:
    """Rows keyed by the header row's texts (blank cells None), for imports whose rows may also come
    as JSON keyed by field name (travel records). A file that cannot be read: ss.FileRejected (422)."""
    header, rows = ss.table(data, filename=filename, formats=("xlsx", "csv"))
    return [{h: v for h, v in zip(header, cells, strict=False) if h} for _number, cells in rows]


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
