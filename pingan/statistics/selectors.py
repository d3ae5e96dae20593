"""Reads for the API, the pages and the export: resolve the request's period and jurisdiction,
then evaluate metrics through the registry (every record read passes orgs.permissions.restrict)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import restrict

from . import metrics_agencies, metrics_disputes, periods, registry  # noqa: F401  (registers the metrics)
from .models import HistoricalFigure

GROUP_BY = ("jurisdiction",)


def default_jurisdiction(user) -> Jurisdiction:
    """The user's own area; the district for users without one (superusers, district staff)."""
    jur = getattr(user, "scope_jurisdiction", None)
    if jur is not None:
        return jur
    return Jurisdiction.objects.get(code=settings.PINGAN_DISTRICT_CODE)


def resolve_jurisdiction(code: str | None, *, user) -> Jurisdiction:
    if not code:
        return default_jurisdiction(user)
    jur = Jurisdiction.objects.filter(code=code.strip()).first()
    if jur is None:
        raise ValidationError({"jurisdiction": _("未知的区划代码：%(code)s") % {"code": code}})
    return jur


def context(*, user, period: str | None = None, date_from: str | dt.date | None = None,
            date_to: str | dt.date | None = None, jurisdiction: str | None = None,
            group_by: str | None = None) -> registry.Context:
    errors: dict[str, list[str]] = {}
    p = j = None
    try:
        p = periods.resolve(period=period, date_from=date_from, date_to=date_to)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        j = resolve_jurisdiction(jurisdiction, user=user)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if group_by and group_by not in GROUP_BY:
        errors["group_by"] = [_("group_by 只能是：%(v)s") % {"v": "、".join(GROUP_BY)}]
    if errors:
        raise ValidationError(errors)
    assert p is not None and j is not None
    return registry.Context(user=user, period=p, jurisdiction=j)


def metric_value(*, user, key: str, ctx: registry.Context, group_by: str | None = None,
                 compare: bool = True) -> dict[str, Any]:
    metric = registry.get(key, user=user)
    return registry.evaluate(metric, ctx, group_by=group_by, compare=compare)


def dashboard(*, user, ctx: registry.Context, domain: str | None = None) -> list[dict[str, Any]]:
    """Every metric the user may see (of one domain, or all), with year-on-year, no drill-down."""
    return [registry.evaluate(m, ctx) for m in registry.metrics_for(user, domain)]


def domains_for(user) -> list[str]:
    seen: list[str] = []
    for m in registry.metrics_for(user):
        if m.domain not in seen:
            seen.append(m.domain)
    return seen


def historical_figures(*, user, metric: str | None = None) -> QuerySet[HistoricalFigure]:
    qs = restrict(HistoricalFigure.objects.all(), user, "view").select_related("jurisdiction")
    return qs.filter(metric=metric) if metric else qs
