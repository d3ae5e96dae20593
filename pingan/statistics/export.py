"""Excel export of figure tables (openpyxl): one sheet per request — a row per metric, or per
jurisdiction when drilled down — with the period, the place and each value's source."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    # Percentages keep their two decimals as numbers so Excel can sum and chart them.
    return float(value) if isinstance(value, Decimal) else value


def _finish(wb: Workbook) -> bytes:
    ws = wb.active
    for col in range(1, ws.max_column + 1):
        width = max(len(str(ws.cell(row=r, column=col).value or "")) for r in range(1, ws.max_row + 1))
        ws.column_dimensions[get_column_letter(col)].width = min(60, max(10, 2 * width))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _header(ws, title: str, results: list[dict[str, Any]]) -> None:
    first = results[0] if results else None
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    if first:
        ws.append([_("统计期间"), first["period"]["label"], first["period"]["date_from"].isoformat(),
                   first["period"]["date_to"].isoformat()])
        ws.append([_("区划"), first["jurisdiction"]["name"], first["jurisdiction"]["code"]])
    ws.append([])


def figures_workbook(results: list[dict[str, Any]], *, title: str) -> bytes:
    """Dashboard table: metric, value, unit, last year, change, source."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("统计")
    _header(ws, title, results)
    ws.append([_("指标编码"), _("指标"), _("数值"), _("单位"), _("上年同期"), _("同比增减（%）"),
               _("同比增减（百分点）"), _("数据来源")])
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for r in results:
        yoy = r.get("year_on_year") or {}
        ws.append([r["key"], r["label"], _cell(r["value"]), r["unit"], _cell(yoy.get("value")),
                   _cell(yoy.get("change_percent")), _cell(yoy.get("change_points")),
                   _("业务记录") if r["source"] == "records" else r["source"]])
        for b in r.get("breakdown", []):
            ws.append(["", f"  {r['label']}：{b['label']}", b["value"], r["unit"]])
    return _finish(wb)


def drill_workbook(result: dict[str, Any]) -> bytes:
    """One metric by jurisdiction at the next level, with the total."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("分区划")
    _header(ws, result["label"], [result])
    ws.append([_("区划代码"), _("区划"), f"{result['label']}（{result['unit']}）"])
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for row in result["rows"]:
        ws.append([row["code"], row["name"], _cell(row["value"])])
    ws.append(["", _("合计"), _cell(result["value"])])
    return _finish(wb)
