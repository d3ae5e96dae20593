"""Excel export of figure tables (core.spreadsheets): one sheet per request — a row per metric,
or per jurisdiction when drilled down — with the period and the place above the table and each
value's source."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pingan.core.punctuation import mark

# XLSX_CONTENT_TYPE stays importable from here: the statistics views and API answer with it.
from pingan.core.spreadsheets import XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE
from pingan.core.spreadsheets import export_workbook


def _cell(value: Any) -> Any:
    # Percentages keep their two decimals as numbers so Excel can sum and chart them.
    return float(value) if isinstance(value, Decimal) else value


def _caption(title: str, results: list[dict[str, Any]]) -> list[list[Any]]:
    lines: list[list[Any]] = [[title]]
    if results:
        period, place = results[0]["period"], results[0]["jurisdiction"]
        lines.append([_("统计期间"), period["label"], period["date_from"].isoformat(), period["date_to"].isoformat()])
        lines.append([_("区划"), place["name"], place["code"]])
    return lines


def _workbook(sheet: str, caption: list[list[Any]], headers: list[str], rows: list[list[Any]]) -> bytes:
    # The table is small: size each column to its longest text (two units a character, as most
    # of it is Chinese), between 10 and 60.
    lines = [*caption, headers, *rows]
    widths = [min(60, max(10, 2 * max(len(str(line[c] or "")) for line in lines if c < len(line))))
              for c in range(max(len(line) for line in lines))]
    return export_workbook(sheet, headers, rows, caption=caption, widths=widths)


def figures_workbook(results: list[dict[str, Any]], *, title: str) -> bytes:
    """Dashboard table: metric, value, unit, last year, change, source."""
    rows: list[list[Any]] = []
    for r in results:
        yoy = r.get("year_on_year") or {}
        rows.append([r["key"], r["label"], _cell(r["value"]), r["unit"], _cell(yoy.get("value")),
                     _cell(yoy.get("change_percent")), _cell(yoy.get("change_points")),
                     _("业务记录") if r["source"] == "records" else r["source"]])
        rows.extend(["", f"  {r['label']}{mark('：')}{b['label']}", b["value"], r["unit"]]
                    for b in r.get("breakdown", []))
    headers = [_("指标编码"), _("指标"), _("数值"), pgettext("unit of measure", "单位"), _("上年同期"), _("同比增减（%）"),
               _("同比增减（百分点）"), _("数据来源")]
    return _workbook(_("统计"), _caption(title, results), headers, rows)


def drill_workbook(result: dict[str, Any]) -> bytes:
    """One metric by jurisdiction at the next level, with the total."""
    rows = [[row["code"], row["name"], _cell(row["value"])] for row in result["rows"]]
    rows.append(["", _("合计"), _cell(result["value"])])
    headers = [_("区划代码"), _("区划"), f"{result['label']}{mark('（')}{result['unit']}{mark('）')}"]
    return _workbook(_("分区划"), _caption(result["label"], [result]), headers, rows)
