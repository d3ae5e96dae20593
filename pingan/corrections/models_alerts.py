"""Alerts and what follows them: verification by the 司法所, sanctions on the ladder of 社区矫正法
Art. 28, leave (外出) and police travel records cross-checked against it.

Imported at the end of corrections/models.py so Django sees these models in the app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Alert(models.Model):
    """告警: one per spell (a breach row, or a (person, kind, occurred_at) triple for other
    sources), routed to the person's 司法所 for verification."""

    class Kind(models.TextChoices):
        LEFT_AREA = "left_area", _("越界")
        ENTERED_EXCLUSION = "entered_exclusion", _("进入禁止区域")
        SILENCE = "silence", _("无定位记录")
        MOCK_LOCATION = "mock_location", _("模拟定位")
        IMPOSSIBLE_SPEED = "impossible_speed", _("位置跳变")
        BATTERY_DEAD = "battery_dead", _("电量耗尽/关机")
        CHECKIN_MISSED = "checkin_missed", _("未按时签到")
        CHECKIN_FAR_FROM_PHONE = "checkin_far_from_phone", _("签到位置与手机定位不符")
        ROLLCALL_MISSED = "rollcall_missed", _("未应答点名")
        LATE_RETURN = "late_return", _("外出逾期未归")
        TRAVEL_RECORD = "travel_record", _("出行记录异常")

    class Severity(models.TextChoices):
        LOW = "low", _("一般")
        MEDIUM = "medium", _("较重")
        HIGH = "high", _("严重")

    class State(models.TextChoices):
        OPEN = "open", _("待核查")
        VIOLATION = "violation", _("确认违规")
        FALSE_ALARM = "false_alarm", _("误报")
        JUSTIFIED = "justified", _("有正当理由")

    class Source(models.TextChoices):
        GEOFENCE = "geofence", _("定位监管")
        CHECKIN = "checkin", _("人脸签到")
        ROLLCALL = "rollcall", _("视频点名")
        LEAVE = "leave", _("外出管理")
        TRAVEL_RECORD = "travel_record", _("公安信息查询")
        PLATFORM = "platform", _("外部监管平台")
        MANUAL = "manual", _("人工登记")

    supervisee = models.ForeignKey("corrections.Supervisee", on_delete=models.PROTECT, related_name="alerts",
                                   verbose_name=_("社区矫正对象"))
    justice_office = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("核查司法所"))
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.OPEN)
    occurred_at = models.DateTimeField(_("发生时间"))
    raised_at = models.DateTimeField(_("告警时间"), default=timezone.now)
    evidence = models.JSONField(_("证据"), default=dict, blank=True)
    breach = models.OneToOneField("corrections.GeofenceBreach", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="alert")
    fix_ids = models.JSONField(_("证据定位点"), default=list, blank=True)
    verify_due = models.DateTimeField(_("核查期限"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    outcome_reason = models.TextField(_("核查说明"), blank=True)
    escalated_at = models.DateTimeField(_("上报区局时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            # The same spell never raises two alerts, whichever path (handler, API, scan) sees it.
            models.UniqueConstraint(fields=["supervisee", "kind", "occurred_at"], name="corrections_alert_one_per_spell"),
            models.CheckConstraint(
                condition=Q(state="open", verified_at__isnull=True) | (~Q(state="open") & Q(verified_at__isnull=False)),
                name="corrections_alert_verified_iff_closed",
            ),
        ]
        indexes = [models.Index(fields=["justice_office", "state", "raised_at"], name="corrections_alert_queue")]
        verbose_name = _("告警")
        verbose_name_plural = _("告警")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.supervisee_id} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def found_by_system(self) -> bool:
        return self.source != self.Source.MANUAL


class Sanction(models.Model):
    """A sanction on the ladder (训诫 … 提请逮捕): proposed by the 司法所 from a verified alert (or
    otherwise), approved by the county bureau, then notified or submitted to the court/police."""

    class Kind(models.TextChoices):
        ADMONITION = "admonition", _("训诫")
        WARNING = "warning", _("警告")
        POLICE_PENALTY = "police_penalty", _("提请治安管理处罚")
        REVOCATION = "revocation", _("提请撤销缓刑/假释")
        CUSTODY = "custody", _("提请收监执行")
        ARREST = "arrest", _("提请逮捕")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不予批准")
        NOTIFIED = "notified", _("已送达")
        SUBMITTED = "submitted", _("已提请")
        DECIDED = "decided", _("已决定")

    EFFECTIVE = ("approved", "notified", "submitted", "decided")

    supervisee = models.ForeignKey("corrections.Supervisee", on_delete=models.PROTECT, related_name="sanctions",
                                   verbose_name=_("社区矫正对象"))
    justice_office = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("司法所"))
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField(_("处理措施"), max_length=20, choices=Kind.choices)
    proposed_kind = models.CharField(_("规则建议"), max_length=20, choices=Kind.choices, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PROPOSED)
    facts = models.TextField(_("违规事实"))
    grounds = models.JSONField(_("依据（规则说明）"), default=dict, blank=True)
    found_by_system = models.BooleanField(_("系统发现"), default=False)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    document_number = models.CharField(_("文书编号"), max_length=60, blank=True)
    notified_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    notice_method = models.CharField(_("送达方式"), max_length=60, blank=True)
    court_decision = models.TextField(_("法院/公安机关决定"), blank=True)
    ledger_number = models.CharField(_("台账编号"), max_length=60, null=True, blank=True, unique=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["proposed", "rejected"]) | Q(decided_on__isnull=False),
                name="corrections_sanction_decided_on",
            ),
            models.UniqueConstraint(fields=["document_number"], condition=~Q(document_number=""),
                                    name="corrections_sanction_docno"),
        ]
        indexes = [models.Index(fields=["kind", "decided_on"], name="corrections_sanction_stats")]
        verbose_name = _("处理措施")
        verbose_name_plural = _("处理措施")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.supervisee_id}"


class Leave(models.Model):
    """外出申请 (社区矫正法 Art. 27): approved by the office or the county by length (rules as
    data); approval adds the destination as a dated extra_inclusion area."""

    class State(models.TextChoices):
        APPLIED = "applied", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不予批准")
        RETURNED = "returned", _("已销假")

    class Approver(models.TextChoices):
        OFFICE = "office", _("司法所")
        COUNTY = "county", _("区县司法局")

    supervisee = models.ForeignKey("corrections.Supervisee", on_delete=models.PROTECT, related_name="leaves",
                                   verbose_name=_("社区矫正对象"))
    justice_office = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("外出事由"))
    destination = models.CharField(_("目的地"), max_length=200)
    destination_geometry = models.JSONField(_("目的地范围（GeoJSON）"), null=True, blank=True)
    start_date = models.DateField(_("外出日期"))
    end_date = models.DateField(_("返回日期"))
    approver = models.CharField(_("审批机关"), max_length=10, choices=Approver.choices)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.APPLIED)
    area = models.OneToOneField("corrections.PermittedArea", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="leave")
    returned_at = models.DateTimeField(_("销假时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="corrections_leave_dates"),
        ]
        verbose_name = _("外出")
        verbose_name_plural = _("外出")

    def __str__(self) -> str:
        return f"{self.destination} {self.start_date}–{self.end_date}"

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class TravelRecord(models.Model):
    """A police query result (协同办公·公安信息查询): a ticket, crossing, hotel stay or internet
    café visit, matched to a supervisee by ID number (blind index only; no clear number kept)."""

    class Kind(models.TextChoices):
        COACH = "coach", _("客车票")
        TRAIN = "train", _("火车票")
        FLIGHT = "flight", _("机票")
        EXIT_ENTRY = "exit_entry", _("出入境")
        HOTEL = "hotel", _("住宿")
        INTERNET_CAFE = "internet_cafe", _("上网")

    record_id = models.CharField(_("记录编号"), max_length=80, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    masked_id_number = models.CharField(_("身份证号"), max_length=20)
    supervisee = models.ForeignKey("corrections.Supervisee", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="travel_records")
    occurred_at = models.DateTimeField(_("发生时间"))
    place = models.CharField(_("地点"), max_length=200)
    region_code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    outside = models.BooleanField(_("在活动区域外"), null=True)
    covered_by_leave = models.ForeignKey(Leave, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lon__isnull=True) | Q(lat__isnull=False, lon__isnull=False),
                name="corrections_travel_latlon_pair",
            ),
        ]
        verbose_name = _("出行记录")
        verbose_name_plural = _("出行记录")

    def __str__(self) -> str:
        return self.record_id
