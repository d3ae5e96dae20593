"""The metric registry and the one function that evaluates a metric.

A metric is declared once (key, Chinese and English label, unit, domain) with one of three ways
to get its value:

- `records(ctx)` → a queryset of the records it counts, already passed through
  `orgs.permissions.restrict` and limited to the period; the machinery adds the jurisdiction
  subtree (`jurisdiction_field`), counts, splits (`split`) and drills down by grouping on the
  jurisdiction id and mapping ids to the next level of the path (two queries, any depth);
- `ratio=(numerator_key, denominator_key)` → a percentage with two decimals, rounded half-up
  (1350/2983 = 45.257… → 45.26);
- `compute(ctx)` → a number from a domain's own statistics selector (policing, procuratorate,
  corrections); drill-down calls it once per child jurisdiction.

A value for exactly the metric, period and jurisdiction asked may also come from an imported
`HistoricalFigure` (earlier years' totals with their source); the answer says where each value
came from. Nothing is a stored counter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import can, restrict

from .models import HistoricalFigure
from .periods import Period

Number = int | Decimal


@dataclass
class Context:
    user: Any
    period: Period
    jurisdiction: Jurisdiction
    # Several metrics read the same domain selector's dict; compute it once per request.
    memo: dict[Any, Any] = dc_field(default_factory=dict)

    def with_(self, *, period: Period | None = None, jurisdiction: Jurisdiction | None = None) -> Context:
        return Context(self.user, period or self.period, jurisdiction or self.jurisdiction, self.memo)

    def once(self, key: Any, fn: Callable[[], Any]) -> Any:
        full = (key, self.period, self.jurisdiction.pk)
        if full not in self.memo:
            self.memo[full] = fn()
        return self.memo[full]


@dataclass(frozen=True)
class Split:
    """A breakdown by a field's values; `groups` folds several values into one row (e.g.
    现场兑现/和好/撤诉 into one)."""

    field: str
    labels: dict[str, Any]  # row key → lazy label, in display order
    groups: dict[str, str] = dc_field(default_factory=dict)  # field value → row key


@dataclass(frozen=True)
class Metric:
    key: str
    label: Any  # lazy Chinese msgid
    label_en: str
    unit: Any
    domain: str
    object_type: str  # "app.model" the user must be able to view
    description: Any = ""
    records: Callable[[Context], QuerySet] | None = None
    jurisdiction_field: str = "jurisdiction"
    split: Split | None = None
    ratio: tuple[str, str] | None = None
    compute: Callable[[Context], Number | None] | None = None
    cases_url: Callable[[Context], str | None] | None = None
    order: int = 100
    # (metric key, test on that metric's split value): this metric's records are exactly those of
    # the other metric whose split value passes, so its counts come from the same grouped query
    # (a rate's numerator and denominator in one read). `records` stays the definition; tests
    # check that both agree.
    within: tuple[str, Callable[[Any], bool]] | None = None

    @property
    def is_percent(self) -> bool:
        return self.ratio is not None or str(self.unit) == "%"

    def visible_to(self, user) -> bool:
        try:
            model = apps.get_model(self.object_type)
        except LookupError:  # the domain app is not installed in this deployment
            return False
        return can(user, "view", model)


_REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    kinds = sum(x is not None for x in (metric.records, metric.ratio, metric.compute))
    if kinds != 1:
        raise ValueError(f"metric {metric.key}: give exactly one of records, ratio, compute")
    _REGISTRY[metric.key] = metric
    return metric


def all_metrics() -> list[Metric]:
    return sorted(_REGISTRY.values(), key=lambda m: (m.domain, m.order, m.key))


def metrics_for(user, domain: str | None = None) -> list[Metric]:
    return [m for m in all_metrics() if (domain is None or m.domain == domain) and m.visible_to(user)]


def get(key: str, *, user=None) -> Metric:
    metric = _REGISTRY.get(key)
    if metric is None:
        raise Http404(_("没有这个统计指标：%(key)s") % {"key": key})
    if user is not None and not metric.visible_to(user):
        raise PermissionDenied(_("无权查看此统计指标。"))
    return metric


def percent(num: Number | None, den: Number | None) -> Decimal | None:
    if num is None or not den:
        return None
    return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- records ---------------------------------------------------------------------------------


def _records(metric: Metric, ctx: Context) -> QuerySet:
    assert metric.records is not None
    qs = metric.records(ctx)
    if _whole_tree(ctx):
        return qs  # the only root covers every record: no filter, so date indexes answer alone
    # `jurisdiction_id IN (the subtree's ids)` lets the (jurisdiction, date) indexes answer
    # directly; a join on path LIKE made SQLite visit every row (130 ms vs 6 ms at 100k).
    subtree = Jurisdiction.objects.filter(path__startswith=ctx.jurisdiction.path).values("pk")
    return qs.filter(**{f"{metric.jurisdiction_field}__in": subtree})


def _whole_tree(ctx: Context) -> bool:
    """Is the asked jurisdiction the root of the only tree (one district per deployment)?"""
    if ctx.jurisdiction.parent_id is not None:
        return False
    key = ("whole_tree", ctx.jurisdiction.pk)
    if key not in ctx.memo:
        ctx.memo[key] = not Jurisdiction.objects.filter(parent__isnull=True).exclude(pk=ctx.jurisdiction.pk).exists()
    return ctx.memo[key]


def _grouped(metric: Metric, ctx: Context, by: tuple[str, ...]) -> dict[tuple, int]:
    """COUNT(*) of the metric's records grouped by the fields `by` (() → the total), memoised per
    request. A coarser grouping is summed from a finer one already fetched, so a request for the
    value, the breakdown and the drill-down reads the records once (evaluate fetches the finest
    first). COUNT(*), not COUNT(id): the covering indexes then answer without the table."""
    cache = ctx.once(("grouped", metric.key), dict)
    if by in cache:
        return cache[by]
    for finer, rows in cache.items():
        if set(by) <= set(finer):
            at = [finer.index(f) for f in by]
            summed: dict[tuple, int] = {}
            for key, n in rows.items():
                k = tuple(key[i] for i in at)
                summed[k] = summed.get(k, 0) + n
            cache[by] = summed
            return summed
    if metric.within is not None:
        parent_key, keep = metric.within
        parent = get(parent_key)
        assert parent.split is not None
        out: dict[tuple, int] = {}
        for key, n in _grouped(parent, ctx, (parent.split.field, *by)).items():
            if keep(key[0]):
                out[key[1:]] = out.get(key[1:], 0) + n
        cache[by] = out
        return out
    qs = _records(metric, ctx)
    if by:
        cache[by] = {tuple(row[:-1]): row[-1] for row in qs.values_list(*by).annotate(n=Count("*")).order_by()}
    else:
        cache[by] = {(): qs.count()}
    return cache[by]


def _prefetch(metric: Metric, ctx: Context, group_by: str | None) -> None:
    """Fetch the finest grouping this evaluation needs (split × place) in one query."""
    if metric.ratio is not None:
        for key in metric.ratio:
            _prefetch(get(key), ctx, group_by)
        return
    if metric.records is None:
        return
    by = ((metric.split.field,) if metric.split else ()) + ((metric.jurisdiction_field,) if group_by else ())
    if by:
        _grouped(metric, ctx, by)


def _count(metric: Metric, ctx: Context) -> Number | None:
    if metric.records is not None:
        return sum(_grouped(metric, ctx, ()).values())
    if metric.ratio is not None:
        num, den = (_value(get(k), ctx)[0] for k in metric.ratio)
        return percent(num, den)
    assert metric.compute is not None
    return metric.compute(ctx)


def historical(metric: Metric, ctx: Context) -> HistoricalFigure | None:
    """The visible imported figure for exactly this metric, period and jurisdiction. The table is
    small: one query per jurisdiction and request loads all of its figures."""
    key = ("historical", ctx.jurisdiction.pk)
    if key not in ctx.memo:
        qs = restrict(HistoricalFigure.objects.all(), ctx.user, "view").filter(jurisdiction=ctx.jurisdiction)
        ctx.memo[key] = {(f.metric, f.date_from, f.date_to): f for f in qs.order_by()}
    return ctx.memo[key].get((metric.key, ctx.period.date_from, ctx.period.date_to))


def _value(metric: Metric, ctx: Context) -> tuple[Number | None, str]:
    """(value, source): an imported figure for exactly this period and place, else the records.
    Memoised per request: ratios and the dashboard ask for the same counts more than once."""
    return ctx.once(("value", metric.key), lambda: _fresh_value(metric, ctx))


def _fresh_value(metric: Metric, ctx: Context) -> tuple[Number | None, str]:
    figure = historical(metric, ctx)
    if figure is not None:
        dec: Decimal = figure.value
        if not metric.is_percent and dec == dec.to_integral_value():
            return int(dec), figure.source
        return dec, figure.source
    return _count(metric, ctx), "records"


def breakdown(metric: Metric, ctx: Context) -> list[dict[str, Any]]:
    if metric.split is None or metric.records is None:
        return []
    s = metric.split
    counts = dict.fromkeys(s.labels, 0)
    for (value,), n in _grouped(metric, ctx, (s.field,)).items():
        key = s.groups.get(value, value)
        if key in counts:
            counts[key] += n
    return [{"key": k, "label": str(label), "value": counts[k]} for k, label in s.labels.items()]


def children_of(jurisdiction: Jurisdiction) -> list[Jurisdiction]:
    return list(Jurisdiction.objects.filter(parent=jurisdiction).order_by("path"))


def _child_key(path: str, parent_path: str) -> str | None:
    rest = path[len(parent_path):]
    return parent_path + rest.split("/", 1)[0] + "/" if rest else None


def _drill_counts(metric: Metric, ctx: Context, children: list[Jurisdiction]) -> dict[str | None, Number | None]:
    """{child path (None for records on the node itself): value}."""
    if metric.records is not None:
        jf = metric.jurisdiction_field
        by_id = {jid: n for (jid,), n in _grouped(metric, ctx, (jf,)).items()}
        paths = dict(Jurisdiction.objects.filter(pk__in=list(by_id)).values_list("pk", "path"))
        out: dict[str | None, Number | None] = {}
        for jid, n in by_id.items():
            key = _child_key(paths[jid], ctx.jurisdiction.path)
            out[key] = (out.get(key) or 0) + n
        return out
    if metric.ratio is not None:
        num, den = (_drill_counts(get(k), ctx, children) for k in metric.ratio)
        return {k: percent(num.get(k) or 0, den.get(k)) for k in set(num) | set(den)}
    assert metric.compute is not None
    return {c.path: metric.compute(ctx.with_(jurisdiction=c)) for c in children if c.is_active}


def drill_down(metric: Metric, ctx: Context) -> list[dict[str, Any]]:
    children = children_of(ctx.jurisdiction)
    counts = _drill_counts(metric, ctx, children)
    zero = None if metric.is_percent else 0
    rows = []
    for c in children:
        if not c.is_active and c.path not in counts:
            continue  # a revoked unit shows only while it still has records
        value = counts.get(c.path, zero)
        rows.append({"code": c.code, "name": c.name, "value": value, "has_children": c.level < 4})
    if counts.get(None) is not None:
        rows.append({"code": ctx.jurisdiction.code, "name": _("%(name)s（本级）") % {"name": ctx.jurisdiction.name},
                     "value": counts[None], "has_children": False})
    return rows


def year_on_year(metric: Metric, ctx: Context, current: Number | None) -> dict[str, Any]:
    prev_ctx = ctx.with_(period=ctx.period.year_earlier())
    previous, source = _value(metric, prev_ctx)
    out: dict[str, Any] = {"period": prev_ctx.period.as_dict(), "value": previous, "source": source}
    if metric.is_percent:
        # Rates change by percentage points, not by a percentage of themselves.
        out["change_points"] = (
            (Decimal(current) - Decimal(previous)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if current is not None and previous is not None else None
        )
        out["change_percent"] = None
    else:
        out["change_points"] = None
        out["change_percent"] = (
            percent(Decimal(current) - Decimal(previous), previous) if current is not None and previous else None
        )
    return out


def evaluate(metric: Metric, ctx: Context, *, group_by: str | None = None, compare: bool = True) -> dict[str, Any]:
    _prefetch(metric, ctx, group_by)
    value, source = _value(metric, ctx)
    return {
        "key": metric.key,
        "label": str(metric.label),
        "label_en": metric.label_en,
        "unit": str(metric.unit),
        "domain": metric.domain,
        "period": ctx.period.as_dict(),
        "jurisdiction": {"code": ctx.jurisdiction.code, "name": ctx.jurisdiction.name},
        "value": value,
        "source": source,
        "breakdown": breakdown(metric, ctx),
        "rows": drill_down(metric, ctx) if group_by == "jurisdiction" else [],
        "year_on_year": year_on_year(metric, ctx, value) if compare else None,
        "cases_url": metric.cases_url(ctx) if metric.cases_url else None,
    }
