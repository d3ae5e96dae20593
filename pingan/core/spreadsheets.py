"""Excel ledgers (台账): declare the columns once, get the template, the reader, the error report
and the export from it.

    LEDGER = Ledger(title="台账", columns=[
        Column("ref", "台账编号", required=True, note="本台账内唯一"),
        Column("received_on", "受理日期", required=True, parse=date),
        Column("amount", "争议金额（元）", parse=decimal),
        Column("role", "身份", choices=("申请人", "被申请人")),   # → dropdown; other values are errors
    ])
    content = workbook_bytes(template(LEDGER))                 # download
    for number, values, errors in read(upload, LEDGER): ...   # values keyed by Column.key
    errors_workbook([e.as_dict() for e in errors])             # row-level error report
    export_workbook("台账", headers, rows)                      # list export (caption=, widths= for a report)

The app keeps what a row means (lookups, dedupe by ledger number, how it is stored). Whole-file
problems (not an .xlsx, too large, too many rows, no header, a required column missing) raise
`FileRejected`, a Django `ValidationError` keyed "file", so forms and the API answer 4xx with the
message. Cell problems are `RowError`s on the row, with the column header users see.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any, NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
INLINE_LIST_MAX = 255  # Excel's limit for a dropdown list written into the formula itself
_ZIP = b"PK\x03\x04"  # .xlsx is a zip archive
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the pre-2007 .xls (and .doc) container
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADING = Font(bold=True, size=13)


class CellError(ValueError):
    """Raised by a parser: the cell's value is unusable; `message` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


Parser = Callable[[Any], Any]  # a non-blank cell value → the value the app wants; raises CellError


@dataclass(frozen=True)
class Column:
    key: str  # what the app calls it (the values dict is keyed by it)
    header: str  # what users see in row 1; a trailing "*" in the file is ignored
    required: bool = False  # the column must be present and its cells filled
    parse: Parser | None = None  # None: the raw cell value (stripped text, number, date)
    choices: Sequence[str] = ()  # a dropdown in the template; without `parse`, other values are errors
    width: int = 0  # 0: from the header's length
    note: str = ""  # shown in the template's 填写说明 sheet
    list_name: str = ""  # the hidden sheet of a dropdown from the database or too long to inline


@dataclass(frozen=True)
class Ledger:
    title: str  # the data sheet's name (read from it when present, else the first sheet)
    columns: Sequence[Column]
    max_rows: int = MAX_ROWS
    max_bytes: int = MAX_BYTES
    formats: tuple[str, ...] = ("xlsx",)  # add "csv" to accept comma-separated text too

    def header(self, key: str) -> str:
        """The header users see for a key (the key itself for a key that is no column)."""
        return next((c.header for c in self.columns if c.key == key), key)


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number as users see it (the header is row 1)
    column: str  # the column header, or "" for the row as a whole
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class Row(NamedTuple):
    number: int
    values: dict[str, Any]  # every column key; None for a blank or unparsable cell or a missing column
    errors: list[RowError]


class FileRejected(ValidationError):
    """The file as a whole cannot be used; `text` is the message, `reason` a stable code."""

    def __init__(self, text: str, reason: str):
        super().__init__({"file": [ValidationError(text, code=reason)]})
        self.text, self.reason = text, reason


# --- parsers ------------------------------------------------------------------------------------


def text(value: Any) -> str:
    """A cell as text; a whole number typed into a text column (1.0) reads as "1"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


_DATE_RE = re.compile(r"^(\d{4})(?:\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))"
                      r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def date(value: Any) -> dt.date:
    """A date cell, or text such as 2023-03-23, 2023/3/23, 2023.3.23, 2023年3月23日 or 20230323
    (a time after it, as in 2023-03-23 14:30, is ignored)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    m = _DATE_RE.match(raw)
    if not m:
        raise CellError(_("日期格式应为 YYYY-MM-DD，实际为“%(v)s”。") % {"v": raw})
    try:
        return dt.date(int(m[1]), int(m[2] or m[4]), int(m[3] or m[5]))
    except ValueError:
        raise CellError(_("日期不存在：“%(v)s”。") % {"v": raw}) from None


def decimal(value: Any) -> Decimal:
    """A number (thousands separators allowed); never negative — ledgers count and sum."""
    raw = text(value)
    try:
        number = Decimal(raw.replace(",", "").replace("，", ""))
        if not number.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise CellError(_("须为数字，实际为“%(v)s”。") % {"v": raw}) from None
    if number < 0:
        raise CellError(_("不能为负数。"))
    return number


def integer(value: Any) -> int:
    """A whole, non-negative number."""
    number = decimal(value)
    if number != number.to_integral_value():
        raise CellError(_("须为整数，实际为“%(v)s”。") % {"v": text(value)})
    return int(number)


def choice(names: Mapping[str, Any]) -> Parser:
    """A parser accepting the labels in `names` (→ their values); anything else is an error."""

    def parse(value: Any) -> Any:
        raw = text(value)
        if raw in names:
            return names[raw]
        raise CellError(_("无效的取值“%(v)s”，应为：%(ok)s。") % {"v": raw, "ok": "、".join(names)})

    return parse


yes_no = choice({"是": True, "否": False})


# --- template -----------------------------------------------------------------------------------


def template(ledger: Ledger, *, choices: Mapping[str, Sequence[str]] | None = None,
             instructions: Sequence[str] = ()) -> Workbook:
    """The blank ledger: headers (required ones marked * and shaded), widths, frozen header row,
    a dropdown for every column with choices (`choices` gives them by key for lists read from the
    database; those always go to a hidden sheet, as they may grow), and a 填写说明 sheet from the columns' notes. Returned open so the app can add
    reference sheets; `workbook_bytes` turns it into the download."""
    wb = Workbook()
    ws = wb.active
    ws.title = ledger.title
    bold = Font(bold=True)
    last = 1 + ledger.max_rows
    for i, col in enumerate(ledger.columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header + ("*" if col.required else ""))
        cell.font = bold
        if col.required:
            cell.fill = _REQUIRED_FILL
        letter = cell.column_letter
        ws.column_dimensions[letter].width = col.width or max(12, len(col.header) * 2 + 4)
        from_db = choices is not None and col.key in choices
        options = list(choices[col.key]) if choices is not None and from_db else list(col.choices)
        if options or from_db:
            dv = DataValidation(type="list", formula1=_list_formula(wb, col, options, inline=not from_db),
                                allow_blank=not col.required,
                                showErrorMessage=True, errorTitle=col.header,
                                error=_("请从下拉列表选择“%(h)s”。") % {"h": col.header})
            dv.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append([_("列"), _("必填"), _("说明")])
    for col in ledger.columns:
        notes.append([col.header, _("是") if col.required else "", col.note])
    if instructions:
        notes.append([])
        for line in instructions:
            notes.append([_("注意"), "", line])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["C"].width = 70
    return wb


def _list_formula(wb: Workbook, col: Column, options: list[str], *, inline: bool) -> str:
    joined = ",".join(options)
    if inline and options and len(joined) + 2 <= INLINE_LIST_MAX and not any("," in o or '"' in o for o in options):
        return f'"{joined}"'
    sheet = wb.create_sheet((col.list_name or col.header)[:31])
    for r, option in enumerate(options, start=1):
        sheet.cell(row=r, column=1, value=option)
    sheet.sheet_state = "hidden"
    return f"='{sheet.title}'!$A$1:$A${max(len(options), 1)}"


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- reading ------------------------------------------------------------------------------------


def _formats_text(formats: Sequence[str]) -> str:
    return _(" 或 ").join(f".{f}" for f in formats)


def upload_bytes(source: bytes | IO[bytes], max_bytes: int = MAX_BYTES) -> bytes:
    """The upload's content, refused (FileRejected) when empty or over `max_bytes` — checked on the
    upload's declared size before reading, for apps that store the file before reading it."""
    too_large = _("文件过大：最大 %(mb)s MB。") % {"mb": max_bytes // 1024 // 1024}
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        size = getattr(source, "size", None)
        if size is not None and size > max_bytes:  # refuse before reading it into memory
            raise FileRejected(too_large, "too_large")
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRejected(too_large, "too_large")
    if not data:
        raise FileRejected(_("文件是空的。"), "empty")
    return data


def table(source: bytes | IO[bytes], *, filename: str = "", sheet: str = "", formats: Sequence[str] = ("xlsx",),
          max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header cells (stripped, trailing * dropped) and an iterator of (row number, cells) for
    each non-blank row; cells are stripped text or the spreadsheet's numbers and dates, blank → None.
    Raises FileRejected at once for a file that is not one of `formats`, too large, empty or has no
    header, and while iterating past `max_rows` non-blank rows."""
    name = filename or str(getattr(source, "name", "") or "")
    data = upload_bytes(source, max_bytes)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    wrong = _("无法读取文件：请上传 %(f)s 文件。") % {"f": _formats_text(formats)}
    raw: Iterable[Sequence[Any]]
    if data.startswith(_OLE):
        raise FileRejected(_("这是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 后再上传。"), "old_xls")
    if data.startswith(_ZIP) and "xlsx" in formats:
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a zip that is no workbook
            raise FileRejected(wrong, "bad_file") from None
        ws = wb[sheet] if sheet and sheet in wb.sheetnames else wb.worksheets[0]
        raw, close = ws.iter_rows(values_only=True), wb.close
    elif ext == "csv" and "csv" in formats:
        raw, close = csv.reader(io.StringIO(_decode(data))), lambda: None
    else:
        raise FileRejected(wrong, "bad_format")
    rows = iter(raw)
    first = next(rows, None)
    header = [text(h).rstrip("*＊").strip() for h in first or ()]
    if not any(header):
        close()
        raise FileRejected(_("文件是空的：第一行应为表头。"), "no_header")

    def body() -> Iterator[tuple[int, list[Any]]]:
        seen = 0
        try:
            for number, values in enumerate(rows, start=2):
                cells = [_clean(v) for v in values or ()]
                if all(v is None for v in cells):
                    continue
                seen += 1
                if seen > max_rows:
                    raise FileRejected(_("行数超过上限 %(n)s 行，请分文件导入。") % {"n": max_rows}, "too_many_rows")
                yield number, cells
        finally:
            close()

    return header, body()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GB18030
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected(_("无法识别 CSV 文件的编码，请另存为 UTF-8。"), "bad_encoding")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def read(source: bytes | IO[bytes], ledger: Ledger, *, filename: str = "", require_cells: bool = True) -> Iterator[Row]:
    """Rows of an uploaded ledger, matched to the columns by header (order and extra columns do
    not matter). Each row comes with its cell errors: a blank required cell (unless
    `require_cells` is False, for ledgers where the app decides, e.g. a case's fields given only on
    its first row), a parser's CellError, a value outside a column's choices. File-level problems
    raise FileRejected (see `table`); so does a required column missing from the header."""
    header, rows = table(source, filename=filename, sheet=ledger.title, formats=ledger.formats,
                         max_bytes=ledger.max_bytes, max_rows=ledger.max_rows)
    by_header = {c.header: c for c in ledger.columns}
    where: dict[str, int] = {}
    for i, h in enumerate(header):
        col = by_header.get(h)
        if col is None:
            continue
        if col.key in where:
            raise FileRejected(_("表头中“%(h)s”出现了两次。") % {"h": h}, "duplicate_column")
        where[col.key] = i
    missing = [c.header for c in ledger.columns if c.required and c.key not in where]
    if missing:
        raise FileRejected(_("缺少必需的列：%(cols)s（请使用下载的模板）。") % {"cols": "、".join(missing)},
                           "missing_columns")
    return _rows(rows, ledger, where, require_cells)


def _rows(rows: Iterator[tuple[int, list[Any]]], ledger: Ledger, where: dict[str, int],
          require_cells: bool) -> Iterator[Row]:
    for number, cells in rows:
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        for col in ledger.columns:
            i = where.get(col.key)
            value = cells[i] if i is not None and i < len(cells) else None
            if value is not None:
                try:
                    value = _parse(col, value)
                except CellError as exc:
                    errors.append(RowError(number, col.header, exc.message))
                    value = None
            elif col.required and require_cells:
                errors.append(RowError(number, col.header, _("必填。")))
            values[col.key] = value
        yield Row(number, values, errors)


def _parse(col: Column, value: Any) -> Any:
    if col.parse is not None:
        return col.parse(value)
    if col.choices and text(value) not in col.choices:
        raise CellError(_("无效的取值“%(v)s”，请从下拉列表选择：%(ok)s。") % {"v": text(value), "ok": "、".join(col.choices)})
    return value


# --- writing ------------------------------------------------------------------------------------


def errors_workbook(errors: Iterable[RowError | Mapping[str, Any]]) -> bytes:
    """The row-level error report users download to fix their file: row, column, message."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("错误报告")
    ws.append([_("行号"), _("列"), _("错误说明")])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for e in errors:
        d = e.as_dict() if isinstance(e, RowError) else e
        ws.append([d["row"], d["column"], d["message"]])
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 60
    return workbook_bytes(wb)


def export_workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
                    caption: Sequence[Sequence[Any]] = (), widths: Sequence[float] = ()) -> bytes:
    """A list as .xlsx: bold header row, dates shown as dates. `caption` lines go above the table
    (the first cell of the first line is its heading, bold and larger; a blank row follows), e.g.
    the period and place of a report; `widths` are the columns' widths, left to right (Excel's
    default otherwise: a streamed sheet cannot measure its cells). Written in streaming mode, so a
    queryset iterated in chunks is never held whole in memory."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for n, line in enumerate(caption):
        ws.append([_styled(ws, v, _HEADING) if n == j == 0 else _export_cell(ws, v) for j, v in enumerate(line)])
    if caption:
        ws.append([])
    ws.append([_styled(ws, h, Font(bold=True)) for h in headers])
    for row in rows:
        ws.append([_export_cell(ws, v) for v in row])
    return workbook_bytes(wb)


def _styled(ws: Any, value: Any, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    return cell


def _export_cell(ws: Any, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        cell = WriteOnlyCell(ws, value=local.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value
