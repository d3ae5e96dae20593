from __future__ import annotations

import datetime as dt

from ninja import Schema


class MetricOut(Schema):
    key: str
    label: str
    label_en: str
    unit: str
    domain: str
    kind: str
    description: str


class PeriodOut(Schema):
    date_from: dt.date
    date_to: dt.date
    label: str


class JurisdictionOut(Schema):
    code: str
    name: str


class BreakdownOut(Schema):
    key: str
    label: str
    value: int | float | None


class RowOut(Schema):
    code: str
    name: str
    value: int | float | None
    has_children: bool


class YearOnYearOut(Schema):
    period: PeriodOut
    value: int | float | None
    source: str
    change_percent: float | None
    change_points: float | None


class FigureOut(Schema):
    key: str
    label: str
    label_en: str
    unit: str
    domain: str
    period: PeriodOut
    jurisdiction: JurisdictionOut
    value: int | float | None
    source: str
    breakdown: list[BreakdownOut]
    rows: list[RowOut]
    year_on_year: YearOnYearOut | None
    cases_url: str | None
