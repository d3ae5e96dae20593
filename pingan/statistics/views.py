"""Pages: the dashboard (every metric the user may see, by domain, with charts; each domain's
section a request of its own), one metric by jurisdiction with drill-down links, and the Excel
export. Thin: selectors do the work."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.core import punctuation

from . import export, registry, selectors, services

# Lazy: a module-level gettext would freeze the labels in the language active at import.
DOMAIN_LABELS = {
    "disputes": gettext_lazy("矛盾纠纷"), "court": gettext_lazy("诉前调解"), "policing": gettext_lazy("公安基层"),
    "procuratorate": gettext_lazy("检察"), "corrections": gettext_lazy("社区矫正"),
}

def _params(request: HttpRequest) -> dict[str, str]:
    return {k: request.GET[k] for k in ("period", "from", "to", "jurisdiction", "domain") if request.GET.get(k)}

def _ctx(request: HttpRequest, group_by: str | None = None):
    p = _params(request)
    return selectors.context(user=request.user, period=p.get("period"), date_from=p.get("from"), date_to=p.get("to"),
                             jurisdiction=p.get("jurisdiction"), group_by=group_by)

def _errors(exc: ValidationError) -> list[str]:
    return [m for msgs in exc.message_dict.values() for m in msgs]

@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The page shell: filters, tabs and one placeholder per domain, each loading its section
    (section()) by htmx once the page is shown. Evaluating every metric takes seconds on a large
    district; the shell paints at once and each domain's figures come as they are counted."""
    params = _params(request)
    domain = params.get("domain") or None
    try:
        ctx = _ctx(request)
    except ValidationError as exc:
        return render(request, "statistics/dashboard.html", {"errors": _errors(exc), "params": params}, status=400)
    base = {k: v for k, v in params.items() if k != "domain"}
    query = urlencode(base)
    visible = selectors.domains_for(request.user)
    return render(request, "statistics/dashboard.html", {
        "ctx": ctx, "params": params, "domain": domain,
        "sections": [{"domain": d, "label": DOMAIN_LABELS.get(d, d),
                      "url": f"{reverse('statistics:section', args=[d])}?{query}"}
                     for d in visible if domain in (None, d)],
        "domains": [(d, DOMAIN_LABELS.get(d, d)) for d in visible],
        "query": query, "export_query": urlencode(params),
    })

@login_required
def section(request: HttpRequest, domain: str) -> HttpResponse:
    """One domain's figures with year-on-year and its chart data: the fragment the dashboard
    loads into its placeholder (404 for a domain with no metric the user may see)."""
    params = _params(request)
    try:
        ctx = _ctx(request)
    except ValidationError as exc:
        return HttpResponse(punctuation.join(_errors(exc)), status=400, content_type="text/plain; charset=utf-8")
    results = selectors.dashboard(user=request.user, ctx=ctx, domain=domain)
    if not results:
        raise Http404(_("没有可查看的统计指标。"))
    label = DOMAIN_LABELS.get(domain, domain)
    plotted = [r for r in results if r["unit"] != "%"]
    chart = {"title": str(label), "previous_label": _("上年同期"), "names": [r["label"] for r in plotted],
             "values": [r["value"] for r in plotted],
             "previous": [(r["year_on_year"] or {}).get("value") for r in plotted]}
    return render(request, "statistics/_section.html", {
        "section": {"domain": domain, "label": label, "results": results},
        "query": urlencode({k: v for k, v in params.items() if k != "domain"}),
        "chart_id": f"statistics-section-{domain}", "chart_data": _jsonable(chart),
    })

@login_required
def metric_detail(request: HttpRequest, key: str) -> HttpResponse:
    metric = registry.get(key, user=request.user)
    params = _params(request)
    try:
        ctx = _ctx(request, group_by="jurisdiction")
    except ValidationError as exc:
        return render(request, "statistics/metric.html", {"metric": metric, "errors": _errors(exc), "params": params},
                      status=400)
    result = selectors.metric_value(user=request.user, key=key, ctx=ctx, group_by="jurisdiction")
    keep = {k: v for k, v in params.items() if k not in ("jurisdiction", "domain")}
    here = reverse("statistics:metric", args=[key])
    for row in result["rows"]:
        row["url"] = f"{here}?{urlencode({**keep, 'jurisdiction': row['code']})}" if row["has_children"] else None
    parent = ctx.jurisdiction.parent
    return render(request, "statistics/metric.html", {
        "metric": metric, "result": result, "ctx": ctx, "params": params,
        "up_url": f"{here}?{urlencode({**keep, 'jurisdiction': parent.code})}" if parent else None,
        "export_query": urlencode({**params, "metric": key, "jurisdiction": ctx.jurisdiction.code}),
        "chart_data": _jsonable({"title": result["label"], "names": [r["name"] for r in result["rows"]],
                                 "values": [r["value"] for r in result["rows"]]}),
    })

@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    params = _params(request)
    key = request.GET.get("metric")
    try:
        ctx = _ctx(request, group_by="jurisdiction" if key else None)
    except ValidationError as exc:
        return HttpResponse(punctuation.join(_errors(exc)), status=400, content_type="text/plain; charset=utf-8")
    if key:
        result = selectors.metric_value(user=request.user, key=key, ctx=ctx, group_by="jurisdiction")
        content, keys = export.drill_workbook(result), [key]
    else:
        results = selectors.dashboard(user=request.user, ctx=ctx, domain=params.get("domain"))
        content, keys = export.figures_workbook(results, title=_("统计报表")), [r["key"] for r in results]
    services.record_export(by=request.user, metric_keys=keys, params={
        "from": ctx.period.date_from, "to": ctx.period.date_to, "jurisdiction": ctx.jurisdiction.code})
    response = HttpResponse(content, content_type=export.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="statistics-{ctx.jurisdiction.code}-{ctx.period.date_from}-{ctx.period.date_to}.xlsx"')
    return response

def _jsonable(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
