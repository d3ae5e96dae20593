"""Writes: imported historical figures (with their source) and the audit record of an export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import can, has_object_permission

from . import registry
from .models import HistoricalFigure


def _snapshot(f: HistoricalFigure) -> dict:
    return {"metric": f.metric, "date_from": f.date_from.isoformat(), "date_to": f.date_to.isoformat(),
            "jurisdiction": f.jurisdiction.code, "value": str(f.value), "source": f.source}


@transaction.atomic
def save_historical_figure(*, metric: str, date_from: dt.date, date_to: dt.date, jurisdiction: Jurisdiction,
                           value: Decimal | int | str, source: str, by, note: str = "") -> HistoricalFigure:
    """Create or replace the imported total for (metric, period, jurisdiction)."""
    if not can(by, "add", HistoricalFigure):
        raise PermissionDenied(_("无权导入历史数据。"))
    if metric not in {m.key for m in registry.all_metrics()}:
        raise ValidationError({"metric": _("没有这个统计指标：%(key)s") % {"key": metric}})
    try:
        value = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"value": _("数值格式不正确。")}) from None
    figure = HistoricalFigure.objects.select_for_update().filter(
        metric=metric, date_from=date_from, date_to=date_to, jurisdiction=jurisdiction).first()
    before = _snapshot(figure) if figure else None
    if figure is not None and not has_object_permission(by, figure, "change"):
        raise PermissionDenied(_("无权修改此历史数据。"))
    figure = figure or HistoricalFigure(metric=metric, date_from=date_from, date_to=date_to, jurisdiction=jurisdiction)
    figure.value = value
    figure.source = (source or "").strip()
    figure.note = (note or "").strip()
    figure.created_by = by if getattr(by, "pk", None) else None
    figure.full_clean()
    figure.save()
    record(actor=by, event_type=AuditEvent.STATISTICS_FIGURE_SAVED, action="statistics.figure.save", obj=figure,
           before=before, after=_snapshot(figure))
    return figure


def record_export(*, by, metric_keys: list[str], params: dict) -> None:
    record(actor=by, event_type=AuditEvent.STATISTICS_EXPORTED, action="statistics.export",
           after={"metrics": metric_keys, **{k: str(v) for k, v in params.items()}})
