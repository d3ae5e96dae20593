"""/api/v1/statistics/: the metric list, one metric's value (breakdown, drill-down, year on
year), an Excel export, and imported historical figures. Thin: parse, call a selector."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from pingan.core.schemas import StrictSchema
from pingan.orgs.api_auth import scope_required
from pingan.orgs.permissions import requires

from . import export, registry, selectors, services
from .models import HistoricalFigure
from .schemas import FigureOut, MetricOut

router = Router(tags=["statistics"])


class FigureQuery(Schema):
    period: str | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    jurisdiction: str | None = None
    group_by: str | None = None


def _ctx(request: HttpRequest, q: FigureQuery):
    return selectors.context(user=request.user, period=q.period, date_from=q.from_,
                             date_to=q.to, jurisdiction=q.jurisdiction, group_by=q.group_by)


@router.get("/metrics", response=list[MetricOut])
def metric_list(request: HttpRequest, domain: str | None = None):
    return [
        {"key": m.key, "label": str(m.label), "label_en": m.label_en, "unit": str(m.unit), "domain": m.domain,
         "kind": "ratio" if m.ratio else ("selector" if m.compute else "records"), "description": str(m.description)}
        for m in registry.metrics_for(request.user, domain)
    ]


class HistoricalFigureIn(StrictSchema):
    metric: str
    date_from: dt.date
    date_to: dt.date
    jurisdiction: str
    value: Decimal
    source: str
    note: str = ""


class HistoricalFigureOut(Schema):
    metric: str
    date_from: dt.date
    date_to: dt.date
    jurisdiction: str
    value: float
    source: str
    note: str

    @staticmethod
    def resolve_jurisdiction(obj) -> str:
        return obj.jurisdiction.code


@router.get("/historical", response=list[HistoricalFigureOut])
def historical_list(request: HttpRequest, metric: str | None = None):
    return list(selectors.historical_figures(user=request.user, metric=metric))


@router.post("/historical", response={201: HistoricalFigureOut})
@scope_required("write")
@requires("add", HistoricalFigure)
def historical_save(request: HttpRequest, payload: HistoricalFigureIn):
    jur = selectors.resolve_jurisdiction(payload.jurisdiction, user=request.user)
    figure = services.save_historical_figure(
        metric=payload.metric, date_from=payload.date_from, date_to=payload.date_to, jurisdiction=jur,
        value=payload.value, source=payload.source, note=payload.note, by=request.user)
    return Status(201, figure)


@router.get("/export.xlsx")
def export_dashboard(request: HttpRequest, q: Query[FigureQuery], domain: str | None = None, metric: str | None = None):
    """The dashboard table (or one metric by jurisdiction with metric=…&group_by=jurisdiction)."""
    ctx = _ctx(request, q)
    if metric:
        result = selectors.metric_value(user=request.user, key=metric, ctx=ctx, group_by=q.group_by or "jurisdiction")
        content, keys = export.drill_workbook(result), [metric]
    else:
        results = selectors.dashboard(user=request.user, ctx=ctx, domain=domain)
        content, keys = export.figures_workbook(results, title="统计报表"), [r["key"] for r in results]
    services.record_export(by=request.user, metric_keys=keys, params={
        "from": ctx.period.date_from, "to": ctx.period.date_to, "jurisdiction": ctx.jurisdiction.code})
    response = HttpResponse(content, content_type=export.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="statistics-{ctx.period.date_from}-{ctx.period.date_to}.xlsx"'
    return response


@router.get("/{key}", response=FigureOut)
def metric_value(request: HttpRequest, key: str, q: Query[FigureQuery]):
    ctx = _ctx(request, q)
    return selectors.metric_value(user=request.user, key=key, ctx=ctx, group_by=q.group_by)
