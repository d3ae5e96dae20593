"""Statistics keep no counters: every figure is computed from the domain records when asked.
The one table here holds totals for periods before the records (earlier years' figures imported
with the document they come from), so a year-on-year change can be computed when only last
year's total is known."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HistoricalFigure(models.Model):
    """An imported total: metric × period × jurisdiction → value, with its source, e.g.
    民商事一审新收案件 2021 年 N 件，来源：水城区人民法院 2021 年工作报告. For that exact metric,
    period and jurisdiction it stands in for the records (see registry.evaluate)."""

    metric = models.CharField(_("指标"), max_length=80)
    date_from = models.DateField(_("起始日期"))
    date_to = models.DateField(_("截止日期"))
    jurisdiction = models.ForeignKey(
        "orgs.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=4)
    source = models.TextField(_("来源"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["metric", "-date_from", "jurisdiction__path"]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=F("date_from")), name="statistics_figure_period_order"),
            models.CheckConstraint(condition=~Q(source=""), name="statistics_figure_has_source"),
            models.UniqueConstraint(
                fields=["metric", "date_from", "date_to", "jurisdiction"], name="statistics_figure_unique_period"
            ),
        ]
        verbose_name = _("历史数据")
        verbose_name_plural = _("历史数据")

    def __str__(self) -> str:
        return f"{self.metric} {self.date_from}–{self.date_to}: {self.value}"
