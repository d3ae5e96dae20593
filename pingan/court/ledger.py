"""The court's Excel ledger (诉前调解台账) of historical cases, on pingan.core.spreadsheets: the
template, reading an upload into imports.CaseRow, and the row-level error report. The import
itself is imports.import_cases (the JSON batch API's too): all or nothing, a dry run writes
nothing, re-importing the same ledger references updates or skips."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from pingan.core import spreadsheets as xl
from pingan.disputes.models import Category
from pingan.orgs.models import Agency

from . import imports
from .models import Outcome, ReturnReason
from .services import MEDIATION_KINDS

OUTCOMES = {str(label): value for value, label in Outcome.choices if value}
RETURN_REASONS = {str(label): value for value, label in ReturnReason.choices}
_SPLIT = re.compile(r"[、，,；;\n]+")

LEDGER = xl.Ledger(title="诉前调解台账", max_rows=imports.MAX_ROWS, columns=[
    xl.Column("ref", "台账编号", True, xl.text, note="本台账内唯一；再次导入同一编号时更新原记录，不会重复登记。"),
    xl.Column("number", "案号", False, xl.text, width=28, note="以往年度的诉前调解案号，如（2022）黔0204民诉前调123号；可空。"),
    xl.Column("title", "案由或简题", True, xl.text, width=24),
    xl.Column("category", "纠纷类别", True, width=16, note="从下拉列表选择。"),
    xl.Column("jurisdiction", "发生地区划代码", True, xl.text, width=16, note="12 位统计用区划代码。"),
    xl.Column("received_on", "收案日期", True, xl.date, note="格式 2022-03-23。"),
    xl.Column("amount", "标的额（元）", False, xl.decimal),
    xl.Column("filing_division", "收案部门", False, xl.text),
    xl.Column("applicants", "原告（申请人）", True, xl.text, width=20, note="多人用“、”分隔。"),
    xl.Column("respondents", "被告（被申请人）", True, xl.text, width=20, note="多人用“、”分隔。"),
    xl.Column("claim", "诉讼请求", True, xl.text, width=30),
    xl.Column("facts", "纠纷事实", True, xl.text, width=40),
    xl.Column("delegated_to", "受委派组织", False, width=24, note="委派的调解组织，从下拉列表选择；未委派的留空。"),
    xl.Column("delegated_on", "委派日期", False, xl.date),
    xl.Column("outcome", "结果", False, xl.choice(OUTCOMES), choices=list(OUTCOMES), note="未结的留空。"),
    xl.Column("outcome_on", "结案日期", False, xl.date),
    xl.Column("return_reason", "转立案原因", False, xl.choice(RETURN_REASONS), choices=list(RETURN_REASONS),
              note="结果为“转立案”时必填。"),
])
# imports.CaseRow field → the column users see (parties go to the applicants' column)
FIELD_COLUMN = {"parties": "applicants", "delegated_on": "delegated_on", "outcome_on": "outcome_on"}


def _organisations() -> list[Agency]:
    return list(Agency.objects.filter(kind__in=MEDIATION_KINDS, is_active=True).order_by("path"))


def template_bytes() -> bytes:
    wb = xl.template(LEDGER, choices={
        "category": list(Category.objects.filter(active=True).values_list("name", flat=True)),
        "delegated_to": [a.name for a in _organisations()],
    }, instructions=[_("第一行为表头，请勿修改；从第二行起每行一件案件。上传后先预检，确认无误再导入；任何一行有错误时不写入任何数据。")])
    return xl.workbook_bytes(wb)


@dataclass
class LedgerResult:
    result: imports.ImportResult | None
    errors: list[xl.RowError] = field(default_factory=list)
    rows: int = 0

    def as_dicts(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors]


def _parties(values: dict[str, Any]) -> list[dict[str, Any]]:
    names = [("applicant", n) for n in _SPLIT.split(values.get("applicants") or "")]
    names += [("respondent", n) for n in _SPLIT.split(values.get("respondents") or "")]
    return [{"role": role, "name": n.strip()} for role, n in names if n.strip()]


def _case_row(values: dict[str, Any], cats: dict[str, str], orgs: dict[str, str]) -> imports.CaseRow:
    category = str(values.get("category") or "").strip()
    org = str(values.get("delegated_to") or "").strip()
    return imports.CaseRow(
        ref=values.get("ref") or "", number=values.get("number") or "", title=values.get("title") or "",
        facts=values.get("facts") or "", claim=values.get("claim") or "",
        category=cats.get(category, category), jurisdiction=str(values.get("jurisdiction") or ""),
        received_on=values.get("received_on"), parties=_parties(values),
        amount=Decimal(values.get("amount") or 0),
        filing_division=values.get("filing_division") or "", delegated_to=orgs.get(org, org),
        delegated_on=values.get("delegated_on"), outcome=values.get("outcome") or "",
        outcome_on=values.get("outcome_on"), return_reason=values.get("return_reason") or "",
    )


def import_ledger(*, court: Agency, content: bytes, filename: str, by, dry_run: bool) -> LedgerResult:
    """Read the upload and import it (or dry-run it). Cell errors and the import's own row errors
    come back together, keyed by spreadsheet row and column; any error → nothing written.
    FileRejected (a ValidationError on "file") when the file itself is unusable."""
    cats = dict(Category.objects.values_list("name", "code"))
    orgs = {a.name: a.code for a in _organisations()}
    rows: list[imports.CaseRow] = []
    numbers: list[int] = []
    errors: list[xl.RowError] = []
    for row in xl.read(content, LEDGER, filename=filename):
        if row.errors:
            errors.extend(row.errors)
            continue
        rows.append(_case_row(row.values, cats, orgs))
        numbers.append(row.number)
    total = len(rows) + len({e.row for e in errors})
    if not rows:
        return LedgerResult(None, errors or [xl.RowError(0, "", _("文件中没有案件。"))], total)
    try:
        result = imports.import_cases(court=court, rows=rows, by=by, dry_run=dry_run or bool(errors), source="excel")
    except imports.ImportRejected as exc:
        result = exc.result
    for e in result.errors:
        key = FIELD_COLUMN.get(e.field.split(".")[0], e.field.split(".")[0])
        errors.append(xl.RowError(numbers[e.index], LEDGER.header(key), e.message))
    errors.sort(key=lambda e: e.row)
    if errors:
        result.created = result.updated = result.skipped = 0
    return LedgerResult(result, errors, total)
