"""Search tasks for people out of contact (社区矫正法 Art. 30: 立即组织查找) and electronic
monitoring decisions (电子定位装置, Art. 29: five statutory grounds, ≤ 3 months per decision).

Imported at the end of corrections/models.py so Django sees these models in the app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["MonitoringDecision", "SearchAttempt", "SearchTask"]


class SearchTask(models.Model):
    """查找: opened when a person is out of contact (an alert verified as 失去联系, or staff mark
    the person), worked by the 司法所, closed as found, or escalated to the county bureau and the
    police when the search found nothing by its deadline."""

    class State(models.TextChoices):
        OPEN = "open", _("查找中")
        ESCALATED = "escalated", _("未找到，已报告")
        FOUND = "found", _("已找到")

    class Trigger(models.TextChoices):
        ALERT = "alert", _("告警核查确认失去联系")
        MANUAL = "manual", _("工作人员标记失去联系")

    supervisee = models.ForeignKey("corrections.Supervisee", on_delete=models.PROTECT, related_name="search_tasks",
                                   verbose_name=_("社区矫正对象"))
    justice_office = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("司法所"))
    alert = models.ForeignKey("corrections.Alert", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="search_tasks", verbose_name=_("告警"))
    trigger = models.CharField(_("启动原因"), max_length=10, choices=Trigger.choices)
    reason = models.TextField(_("失联情况"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("启动时间"), default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("启动人"))
    result_due = models.DateTimeField(_("报告查找结果期限"), null=True, blank=True)
    found_at = models.DateTimeField(_("找到时间"), null=True, blank=True)
    found_place = models.CharField(_("找到地点"), max_length=200, blank=True)
    escalated_at = models.DateTimeField(_("报告区县司法局、公安机关时间"), null=True, blank=True)
    escalation_note = models.TextField(_("报告情况"), blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            # A person has at most one search running: marking them again returns it.
            models.UniqueConstraint(fields=["supervisee"], condition=Q(state__in=["open", "escalated"]),
                                    name="corrections_search_one_running"),
            models.CheckConstraint(condition=~Q(state="found") | Q(found_at__isnull=False),
                                   name="corrections_search_found_at"),
            models.CheckConstraint(condition=~Q(state="escalated") | Q(escalated_at__isnull=False),
                                   name="corrections_search_escalated_at"),
        ]
        indexes = [models.Index(fields=["justice_office", "state"], name="corrections_search_office")]
        verbose_name = _("查找任务")
        verbose_name_plural = _("查找任务")

    def __str__(self) -> str:
        return f"{self.supervisee_id} {self.get_state_display()} {self.opened_at:%Y-%m-%d}"


class SearchAttempt(models.Model):
    """One search: who searched, when, how, and what came of it. Append-only."""

    class Method(models.TextChoices):
        PHONE = "phone", _("电话联系")
        HOME_VISIT = "home_visit", _("上门查找")
        FAMILY = "family", _("联系家属、监护人")
        COMMUNITY = "community", _("联系村（居）委会、工作单位")
        LOCATION = "location", _("调取定位、轨迹")
        POLICE = "police", _("请公安机关协查")
        OTHER = "other", _("其他")

    task = models.ForeignKey(SearchTask, on_delete=models.PROTECT, related_name="attempts")
    searched_at = models.DateTimeField(_("查找时间"))
    searchers = models.CharField(_("查找人员"), max_length=200)
    method = models.CharField(_("查找方式"), max_length=12, choices=Method.choices)
    found = models.BooleanField(_("已找到"), default=False)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    note = models.TextField(_("查找情况"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["searched_at", "pk"]
        verbose_name = _("查找记录")
        verbose_name_plural = _("查找记录")

    def __str__(self) -> str:
        return f"{self.task_id} {self.get_method_display()} {self.searched_at:%Y-%m-%d %H:%M}"


class MonitoringDecision(models.Model):
    """One decision to use an electronic monitoring device (电子定位装置): a statutory ground
    (codes from the setting `corrections.monitoring.grounds`), approved by the head of the county
    bureau, for at most `corrections.electronic_monitoring_months`. A renewal is a new decision
    (renewal_of → the previous one); the device comes off at removal or at the end."""

    class State(models.TextChoices):
        ACTIVE = "active", _("使用中")
        RENEWED = "renewed", _("已续用")
        REMOVED = "removed", _("已解除")
        EXPIRED = "expired", _("期满解除")

    supervisee = models.ForeignKey("corrections.Supervisee", on_delete=models.PROTECT,
                                   related_name="monitoring_decisions", verbose_name=_("社区矫正对象"))
    justice_office = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("司法所"))
    device = models.ForeignKey("corrections.Device", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="monitoring_decisions", verbose_name=_("电子定位装置"))
    ground = models.CharField(_("法定事由"), max_length=40)
    ground_facts = models.TextField(_("事由说明"))
    decision_number = models.CharField(_("决定书编号"), max_length=60)
    decided_on = models.DateField(_("决定日期"))
    approved_by_name = models.CharField(_("批准人（区县司法局负责人）"), max_length=50)
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("届满日期"))
    renewal_of = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="renewal", verbose_name=_("续用前决定"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.ACTIVE)
    removed_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    removal_reason = models.TextField(_("解除原因"), blank=True)
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="corrections_monitor_dates"),
            models.CheckConstraint(condition=~Q(ground=""), name="corrections_monitor_ground"),
            models.UniqueConstraint(fields=["supervisee"], condition=Q(state="active"),
                                    name="corrections_monitor_one_active"),
            models.CheckConstraint(
                condition=Q(state__in=["active", "renewed"]) | Q(removed_at__isnull=False),
                name="corrections_monitor_removed_at",
            ),
        ]
        indexes = [models.Index(fields=["state", "end_date"], name="corrections_monitor_expiry")]
        verbose_name = _("电子定位装置使用决定")
        verbose_name_plural = _("电子定位装置使用决定")

    def __str__(self) -> str:
        return f"{self.decision_number} {self.start_date}–{self.end_date}"
