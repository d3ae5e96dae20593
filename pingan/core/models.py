"""Shared machinery tables: audit log, workflow transitions, outbox, rule sets, calendar,
deadlines, case numbers. No domain knowledge lives here (DESIGN.md: core imports no app of ours).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEntry(models.Model):
    """One append-only, hash-chained audit record (see core/audit.py).

    `hash` = sha256(prev_hash + canonical JSON of the other fields). Editing, deleting or reordering
    any row breaks the chain, which `pingan verify-audit` reports. On PostgreSQL a trigger refuses
    UPDATE and DELETE outright.
    """

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_repr = models.CharField(max_length=150, blank=True)
    event_type = models.PositiveIntegerField(db_index=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class Transition(models.Model):
    """Append-only log of workflow state changes (core/workflow.py writes it)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    workflow = models.CharField(max_length=80)
    name = models.CharField(max_length=80)
    from_state = models.CharField(max_length=40)
    to_state = models.CharField(max_length=40)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.workflow}:{self.object_id} {self.from_state}→{self.to_state}"


class OutboxEvent(models.Model):
    """An event written in the same transaction as the change that caused it; the worker claims
    each row exactly once with a compare-and-set on `processed_at` (healthchecks' Flip)."""

    topic = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at", "id"],
                name="core_outbox_unprocessed",
                condition=Q(processed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.topic}#{self.pk}"


class RuleSet(models.Model):
    """A versioned, administrator-editable set of rules (core/rules.py).

    `rules` is a list of {"id", "name", "when": <condition>, "then": {...}}; the first rule whose
    condition holds fires (or all, depending on `mode`). A new version is a new row; old rows are
    kept so each evaluation can name the version that produced it.
    """

    class Mode(models.TextChoices):
        FIRST = "first", _("首条命中")
        ALL = "all", _("全部命中")

    key = models.CharField(_("规则集"), max_length=80)
    version = models.PositiveIntegerField(_("版本"))
    name = models.CharField(_("名称"), max_length=200, blank=True)
    mode = models.CharField(_("命中方式"), max_length=10, choices=Mode.choices, default=Mode.FIRST)
    rules = models.JSONField(_("规则"), default=list)
    default = models.JSONField(_("无规则命中时的结果"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="core_ruleset_key_version")]
        verbose_name = _("规则集")
        verbose_name_plural = _("规则集")

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class Setting(models.Model):
    """A configurable number with its legal source (statutory periods, thresholds).

    Periods from the law live here, not in code, so a change in the law is a data edit.
    """

    key = models.CharField(_("键"), max_length=100, unique=True)
    value = models.JSONField(_("值"))
    description = models.CharField(_("说明"), max_length=300, blank=True)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("参数")
        verbose_name_plural = _("参数")

    def __str__(self) -> str:
        return self.key


class CalendarYear(models.Model):
    """A year whose official holiday arrangement is known (seeded or entered by an admin)."""

    year = models.PositiveIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=300)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year"]
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the Monday–Friday rule: a statutory holiday or an adjusted working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)
    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Deadline(models.Model):
    """A statutory or configured period attached to any record (core/deadlines.py computes it).

    `provisional` is true while the due date falls in (or runs through) a year with no holiday
    data; entering that year recomputes every provisional deadline.
    """

    class Unit(models.TextChoices):
        NATURAL_DAYS = "natural_days", _("自然日")
        WORKING_DAYS = "working_days", _("工作日")
        MONTHS = "months", _("月")
        HOURS = "hours", _("小时")

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        PAUSED = "paused", _("已中止")
        MET = "met", _("已完成")
        EXPIRED = "expired", _("已届满")
        CANCELLED = "cancelled", _("已取消")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("期限类型"), max_length=80)
    start = models.DateTimeField(_("起算时间"))
    amount = models.PositiveIntegerField(_("期间"))
    unit = models.CharField(pgettext_lazy("unit of measure", "单位"), max_length=20, choices=Unit.choices)
    pauses = models.JSONField(_("中止期间"), default=list, blank=True)
    extensions = models.JSONField(_("延长"), default=list, blank=True)
    due = models.DateTimeField(_("届满时间"))
    provisional = models.BooleanField(_("暂定（缺少节假日数据）"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    source = models.CharField(_("依据"), max_length=300, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["status", "due"]),
            models.Index(fields=["provisional"], name="core_deadline_provisional", condition=Q(provisional=True)),
        ]
        verbose_name = _("期限")
        verbose_name_plural = _("期限")

    def __str__(self) -> str:
        return f"{self.kind} → {self.due:%Y-%m-%d}"


class CaseNumberFormat(models.Model):
    """How one court numbers one case type, e.g. （{year}）{court}{type}{seq}号 → （2022）黔0204民诉前调123号."""

    court_code = models.CharField(_("法院代字"), max_length=20)  # e.g. 黔0204
    case_type = models.CharField(_("类型代字"), max_length=20)  # e.g. 民诉前调
    name = models.CharField(_("名称"), max_length=100, blank=True)
    template = models.CharField(_("格式"), max_length=100, default="（{year}）{court}{type}{seq}号")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["court_code", "case_type"], name="core_casenumberformat_unique")
        ]
        verbose_name = _("案号格式")
        verbose_name_plural = _("案号格式")

    def __str__(self) -> str:
        return f"{self.court_code}{self.case_type}"


class CaseNumberCounter(models.Model):
    """The last sequence issued per format and year; locked with SELECT … FOR UPDATE to issue."""

    format = models.ForeignKey(CaseNumberFormat, on_delete=models.PROTECT, related_name="counters")
    year = models.PositiveIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["format", "year"], name="core_casenumbercounter_unique")]

    def __str__(self) -> str:
        return f"{self.format} {self.year}: {self.last_value}"


class IssuedCaseNumber(models.Model):
    """Every number ever issued, so gaps and duplicates are visible and refused by the database."""

    format = models.ForeignKey(CaseNumberFormat, on_delete=models.PROTECT, related_name="issued")
    year = models.PositiveIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(max_length=100, unique=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["format", "year", "seq"], name="core_issuedcasenumber_unique")
        ]

    def __str__(self) -> str:
        return self.number


class WorkerHeartbeat(models.Model):
    """Each running worker updates its row; /healthz reads the newest."""

    name = models.CharField(max_length=100, unique=True)
    pid = models.PositiveIntegerField()
    host = models.CharField(max_length=100)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
