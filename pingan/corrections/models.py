"""Community corrections: supervisees, their devices, permitted areas, location fixes, the
per-person "last seen" state the geofence debounce needs, and append-only breach events."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField
from pingan.core.idnumber import mask_id_number


class Supervisee(models.Model):
    """社区矫正对象."""

    class SentenceType(models.TextChoices):
        CONTROL = "control", _("管制")
        PROBATION = "probation", _("缓刑")
        PAROLE = "parole", _("假释")
        OUTSIDE_PRISON = "outside_prison", _("暂予监外执行")

    class Level(models.TextChoices):
        STRICT = "strict", _("严管")
        NORMAL = "normal", _("普管")
        LENIENT = "lenient", _("宽管")

    class Status(models.TextChoices):
        REPORTED = "reported", _("已报到")
        SUPERVISING = "supervising", _("在矫")
        ENDED = "ended", _("解矫")

    class EndReason(models.TextChoices):
        COMPLETED = "completed", _("矫正期满")
        REVOKED = "revoked", _("撤销缓刑/假释")
        CUSTODY = "custody", _("收监执行")
        DIED = "died", _("死亡")

    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号"))
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    sentence_type = models.CharField(_("矫正类别"), max_length=20, choices=SentenceType.choices)
    court = models.CharField(_("判决法院"), max_length=100)
    judgment_number = models.CharField(_("判决书号"), max_length=100)
    start_date = models.DateField(_("矫正起始日"))
    end_date = models.DateField(_("矫正期满日"))
    offence = models.CharField(_("罪名"), max_length=200)
    prohibitions = models.TextField(_("禁止令"), blank=True)
    level = models.CharField(_("管理等级"), max_length=10, choices=Level.choices, default=Level.NORMAL)
    justice_office = models.ForeignKey(
        "orgs.Agency",
        on_delete=models.PROTECT,
        related_name="supervisees",
        limit_choices_to={"kind": "justice_office"},
        verbose_name=_("司法所"),
    )
    residence = models.ForeignKey(
        "orgs.Jurisdiction", on_delete=models.PROTECT, related_name="supervisees", verbose_name=_("居住地")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    end_reason = models.CharField(_("解矫原因"), max_length=12, choices=EndReason.choices, blank=True)
    reported_at = models.DateTimeField(_("报到时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("解矫时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["justice_office", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="corrections_sup_dates"),
            models.CheckConstraint(
                condition=(Q(status="ended") & ~Q(end_reason="") & Q(ended_at__isnull=False))
                | (~Q(status="ended") & Q(end_reason="") & Q(ended_at__isnull=True)),
                name="corrections_sup_end_reason_iff_ended",
            ),
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~Q(status="ended"), name="corrections_sup_one_open_per_person"
            ),
        ]
        indexes = [models.Index(fields=["status", "level"])]
        verbose_name = _("社区矫正对象")
        verbose_name_plural = _("社区矫正对象")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class Device(models.Model):
    """A phone app, a stock OsmAnd/Traccar client or a bracelet that reports fixes.

    `identifier` is what OsmAnd clients send as `id`; for such clients it is the only credential,
    so it is generated long and random unless a bracelet's IMEI must be used. The app batch API
    authenticates with a bearer token whose HMAC is stored in `token_hash`.
    """

    class Kind(models.TextChoices):
        APP = "app", _("手机 App")
        OSMAND = "osmand", _("OsmAnd/Traccar 客户端")
        BRACELET = "bracelet", _("电子定位装置")

    supervisee = models.ForeignKey(Supervisee, on_delete=models.PROTECT, related_name="devices")
    identifier = models.CharField(_("设备标识"), max_length=64, unique=True)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.APP)
    active = models.BooleanField(_("启用"), default=True)
    rate_limit_per_minute = models.PositiveIntegerField(_("每分钟最多请求数"), default=120)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="corrections_device_token_unique"
            ),
            models.CheckConstraint(condition=Q(rate_limit_per_minute__gt=0), name="corrections_device_rate_pos"),
        ]
        verbose_name = _("定位设备")
        verbose_name_plural = _("定位设备")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.identifier[:8]}…"


class PermittedArea(models.Model):
    """A polygon (GeoJSON geometry, WGS-84 lon/lat) that widens or narrows where a person may be.

    kind district / extra_inclusion: being inside any applicable one is fine; exclusion: being
    surely inside one is a breach. No supervisee = applies to everyone.
    """

    class Kind(models.TextChoices):
        DISTRICT = "district", _("辖区")
        EXTRA_INCLUSION = "extra_inclusion", _("额外允许区域")
        EXCLUSION = "exclusion", _("禁止进入区域")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    supervisee = models.ForeignKey(
        Supervisee, null=True, blank=True, on_delete=models.CASCADE, related_name="areas",
        verbose_name=_("适用对象"), help_text=_("留空表示适用于全部对象"),
    )
    geometry = models.JSONField(_("范围（GeoJSON）"))
    crs = models.CharField(_("坐标系"), max_length=60, default="EPSG:4326 (WGS-84)", editable=False)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    valid_from = models.DateTimeField(_("生效时间"), null=True, blank=True)
    valid_to = models.DateTimeField(_("失效时间"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="corrections_area_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["district", "extra_inclusion", "exclusion"]), name="corrections_area_kind"
            ),
        ]
        verbose_name = _("活动区域")
        verbose_name_plural = _("活动区域")

    def __str__(self) -> str:
        return self.name


class LocationFix(models.Model):
    """One reported position (定位记录), stored in WGS-84 whatever the device sent.

    Idempotent per (device, recorded_at). Written in bulk by corrections.store, never one by one.
    `zone`: the geofence verdict at ingestion (0 inside, 1 outside, 2 in an exclusion zone).
    """

    class Crs(models.TextChoices):
        WGS84 = "wgs84", "WGS-84"
        GCJ02 = "gcj02", "GCJ-02"

    class Source(models.TextChoices):
        APP = "app", _("App 批量上报")
        OSMAND = "osmand", _("OsmAnd 协议")
        IMPORT = "import", _("导入")

    id = models.BigAutoField(primary_key=True)
    # No single-column FK indexes: (device, recorded_at) and (supervisee, recorded_at) below lead
    # with them already, and every extra index slows the bulk insert (benchmarks/locations.py).
    # No foreign-key constraints on PostgreSQL either: statement-level triggers check the same
    # references set-based (migration 0011 says why); SQLite keeps its foreign keys.
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="fixes", db_index=False,
                               db_constraint=False)
    supervisee = models.ForeignKey(Supervisee, on_delete=models.PROTECT, related_name="fixes", db_index=False,
                                   db_constraint=False)
    recorded_at = models.DateTimeField(_("定位时间"))
    received_at = models.DateTimeField(_("接收时间"))
    lat = models.FloatField(_("纬度"))
    lon = models.FloatField(_("经度"))
    crs = models.CharField(_("原始坐标系"), max_length=5, choices=Crs.choices, default=Crs.WGS84)
    accuracy = models.FloatField(_("精度（米）"), null=True, blank=True)
    speed = models.FloatField(_("速度（米/秒）"), null=True, blank=True)
    heading = models.FloatField(_("方向"), null=True, blank=True)
    altitude = models.FloatField(_("海拔"), null=True, blank=True)
    battery = models.FloatField(_("电量（%）"), null=True, blank=True)
    charging = models.BooleanField(_("充电中"), null=True, blank=True)
    mock = models.BooleanField(_("模拟定位"), default=False)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    zone = models.PositiveSmallIntegerField(_("围栏判定"), null=True, blank=True)
    extra = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "recorded_at"], name="corrections_fix_device_time"),
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180), name="corrections_fix_coords"
            ),
            models.CheckConstraint(
                condition=Q(accuracy__isnull=True) | Q(accuracy__gte=0), name="corrections_fix_accuracy"
            ),
        ]
        indexes = [models.Index(fields=["supervisee", "recorded_at"], name="corrections_fix_sup_time")]
        verbose_name = _("定位记录")
        verbose_name_plural = _("定位记录")

    def __str__(self) -> str:
        return f"{self.supervisee_id}@{self.recorded_at:%Y-%m-%d %H:%M:%S}"


class SuperviseeLastSeen(models.Model):
    """The newest fix per person, the debounce state, and when the person's current silence began.

    The row is made when the person is registered (`services.register_supervisee`), before any
    fix: `last_fix_at`, `lat` and `lon` are then NULL and `silent_since` is the reporting time.
    Only fixes newer than `last_fix_at` move the row (late fixes are stored but change nothing
    here — Traccar's rule); such a fix sets `last_fix_at` and moves `silent_since` forward to it,
    never back (a fix from before the reporting time does not start a silence before it).
    The silence scan reads `silent_since` alone, by its index: no anti-join over every person.
    A registration row is not a fix: the debounce, the mock and speed-jump checks, the map and
    the person's page read `last_fix_at` / `lat` / `lon`, which stay NULL until the first fix."""

    supervisee = models.OneToOneField(Supervisee, on_delete=models.CASCADE, primary_key=True, related_name="last_seen")
    last_fix_at = models.DateTimeField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    silent_since = models.DateTimeField()
    inside = models.BooleanField(default=True)
    consecutive_outside = models.PositiveIntegerField(default=0)
    first_outside_at = models.DateTimeField(null=True, blank=True)
    open_breach = models.ForeignKey(
        "GeofenceBreach", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(consecutive_outside=0) & Q(first_outside_at__isnull=True))
                | (Q(consecutive_outside__gt=0) & Q(first_outside_at__isnull=False)),
                name="corrections_lastseen_run_consistent",
            ),
            models.CheckConstraint(
                condition=(Q(last_fix_at__isnull=True) & Q(lat__isnull=True) & Q(lon__isnull=True))
                | (Q(last_fix_at__isnull=False) & Q(lat__isnull=False) & Q(lon__isnull=False)
                   & Q(silent_since__gte=F("last_fix_at"))),
                name="corrections_lastseen_fix_whole",
            ),
        ]
        indexes = [models.Index(fields=["silent_since"], name="corrections_lastseen_silent")]

    def __str__(self) -> str:
        return f"{self.supervisee_id} @ {self.last_fix_at or '-'}"


class DeviceRateWindow(models.Model):
    """Requests a device made in its current one-minute window, shared by every server process
    (corrections.ratelimit): no Redis needed, works on SQLite and PostgreSQL."""

    device = models.OneToOneField(Device, on_delete=models.CASCADE, primary_key=True, related_name="+")
    minute = models.BigIntegerField()  # Unix time // 60
    used = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.device_id}: {self.used} @ {self.minute}"


class GeofenceBreach(models.Model):
    """An alert-worthy event (越界, 禁区, 失联 …). Append-only: the only later write is setting
    `ended_at` once, when the person is back inside (a compare-and-set on ended_at IS NULL)."""

    class Kind(models.TextChoices):
        LEFT_AREA = "left_area", _("越界")
        ENTERED_EXCLUSION = "entered_exclusion", _("进入禁止区域")
        SILENCE = "silence", _("无定位记录")
        MOCK_LOCATION = "mock_location", _("模拟定位")
        IMPOSSIBLE_SPEED = "impossible_speed", _("位置跳变")

    supervisee = models.ForeignKey(Supervisee, on_delete=models.PROTECT, related_name="breaches")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField(_("开始时间"))
    detected_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    evidence_fix_ids = models.JSONField(_("证据定位点"), default=list, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        constraints = [
            # One silence alert per silent spell: the spell is identified by its start.
            models.UniqueConstraint(
                fields=["supervisee", "kind", "started_at"], name="corrections_breach_one_per_spell"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="corrections_breach_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["supervisee", "detected_at"], name="corrections_breach_sup_time")]
        verbose_name = _("越界/失联告警")
        verbose_name_plural = _("越界/失联告警")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.supervisee_id} {self.started_at:%Y-%m-%d %H:%M}"


from .models_alerts import Alert, Leave, Sanction, TravelRecord  # noqa: E402,F401  (slice 2 models)
from .models_checkins import *  # noqa: E402,F401,F403
from .models_supervision import *  # noqa: E402,F401,F403  (search tasks, electronic monitoring)
