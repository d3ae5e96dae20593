"""Face check-in (人脸签到) and video roll calls (视频点名).

Face data: only the 128-number encoding is kept, encrypted (EncryptedTextField holding JSON);
enrolment and check-in photos are discarded once encoded (see checkins.py for why). Neither the
encoding nor any photo appears in an API schema, an admin page or an export.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField

__all__ = ["CheckIn", "CheckInMiss", "FaceEnrolment", "RollCall", "RollCallTarget"]


class FaceEnrolment(models.Model):
    """A reference face of a supervisee, enrolled with the person's recorded consent."""

    supervisee = models.ForeignKey(
        "corrections.Supervisee", on_delete=models.PROTECT, related_name="face_enrolments", verbose_name=_("对象")
    )
    encoding = EncryptedTextField(_("人脸特征（加密）"), editable=False)
    photo_sha256 = models.CharField(_("照片摘要"), max_length=64, editable=False)
    consent_by = models.CharField(_("同意人"), max_length=50)
    consent_at = models.DateTimeField(_("同意时间"))
    consent_version = models.CharField(_("告知同意书版本"), max_length=20)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("采集人")
    )
    enrolled_at = models.DateTimeField(_("采集时间"), default=timezone.now)
    active = models.BooleanField(_("有效"), default=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        ordering = ["supervisee", "-enrolled_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(consent_by="") & ~Q(consent_version=""), name="corrections_face_consent_recorded"
            ),
            models.CheckConstraint(
                condition=Q(active=True, revoked_at__isnull=True) | Q(active=False, revoked_at__isnull=False),
                name="corrections_face_revoked_iff_inactive",
            ),
        ]
        verbose_name = _("人脸采集")
        verbose_name_plural = _("人脸采集")

    def __str__(self) -> str:
        return f"{self.supervisee_id} {self.enrolled_at:%Y-%m-%d}"


class RollCall(models.Model):
    """视频点名: staff pick people (by hand or a seeded random sample); each must check in before
    the deadline."""

    class Mode(models.TextChoices):
        CHOSEN = "chosen", _("指定人员")
        RANDOM = "random", _("随机抽取")

    office = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("发起单位")
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("发起人"))
    started_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    deadline = models.DateTimeField(_("截止时间"))
    mode = models.CharField(_("方式"), max_length=10, choices=Mode.choices)
    sample_seed = models.BigIntegerField(_("抽样种子"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gt=F("started_at")), name="corrections_rollcall_deadline"),
            models.CheckConstraint(
                condition=Q(mode="chosen", sample_seed__isnull=True) | Q(mode="random", sample_seed__isnull=False),
                name="corrections_rollcall_seed_iff_random",
            ),
        ]
        verbose_name = _("视频点名")
        verbose_name_plural = _("视频点名")

    def __str__(self) -> str:
        return f"{self.office_id} {self.started_at:%Y-%m-%d %H:%M}"


class CheckIn(models.Model):
    """One submitted photo and what the matcher made of it. The photo itself is not kept."""

    class Result(models.TextChoices):
        MATCHED = "matched", _("比对通过")
        NOT_MATCHED = "not_matched", _("比对不通过")
        NO_FACE = "no_face", _("未检测到人脸")
        MULTIPLE_FACES = "multiple_faces", _("检测到多张人脸")

    supervisee = models.ForeignKey("corrections.Supervisee", on_delete=models.PROTECT, related_name="checkins")
    device = models.ForeignKey("corrections.Device", on_delete=models.PROTECT, related_name="checkins")
    submitted_at = models.DateTimeField(_("签到时间"), default=timezone.now)
    # The configured window (local date and its index in corrections.checkin.windows) the check-in
    # fell in; null when it only answers a roll call.
    window_date = models.DateField(_("签到日期"), null=True, blank=True)
    window_index = models.PositiveSmallIntegerField(_("签到时段"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices)
    distance = models.FloatField(_("人脸距离"), null=True, blank=True)
    threshold = models.FloatField(_("判定阈值"))
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    accuracy = models.FloatField(_("精度（米）"), null=True, blank=True)
    phone_distance_m = models.FloatField(_("与手机定位距离（米）"), null=True, blank=True)
    photo_sha256 = models.CharField(_("照片摘要"), max_length=64)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=["matched", "not_matched"], distance__isnull=False)
                | Q(result__in=["no_face", "multiple_faces"], distance__isnull=True),
                name="corrections_checkin_distance_iff_compared",
            ),
            models.CheckConstraint(
                condition=Q(window_date__isnull=True, window_index__isnull=True)
                | Q(window_date__isnull=False, window_index__isnull=False),
                name="corrections_checkin_window_pair",
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lon__isnull=True))
                | Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="corrections_checkin_coords",
            ),
        ]
        indexes = [
            models.Index(fields=["supervisee", "window_date", "window_index"], name="corrections_checkin_window"),
            models.Index(fields=["window_date", "result"], name="corrections_checkin_day"),
        ]
        verbose_name = _("人脸签到")
        verbose_name_plural = _("人脸签到")

    def __str__(self) -> str:
        return f"{self.supervisee_id} {self.submitted_at:%Y-%m-%d %H:%M} {self.result}"


class CheckInMiss(models.Model):
    """A window closed without a matching check-in. The unique constraint makes the missed-window
    scan idempotent: one row — and so one alert — per person per window."""

    supervisee = models.ForeignKey("corrections.Supervisee", on_delete=models.PROTECT, related_name="checkin_misses")
    window_date = models.DateField(_("签到日期"))
    window_index = models.PositiveSmallIntegerField(_("签到时段"))
    window_start = models.DateTimeField(_("时段开始"))
    window_end = models.DateTimeField(_("时段结束"))
    detected_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    alert_id = models.BigIntegerField(_("告警编号"), null=True, blank=True)

    class Meta:
        ordering = ["-window_end", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["supervisee", "window_date", "window_index"], name="corrections_checkin_miss_once"
            ),
            models.CheckConstraint(condition=Q(window_end__gt=F("window_start")), name="corrections_miss_window"),
        ]
        verbose_name = _("未按时签到")
        verbose_name_plural = _("未按时签到")

    def __str__(self) -> str:
        return f"{self.supervisee_id} {self.window_date} #{self.window_index}"


class RollCallTarget(models.Model):
    """One person called in a roll call: the check-in that answered it, whether the missed alert
    was raised (`missed_at`, set once), and the staff member's recorded result."""

    class Result(models.TextChoices):
        PENDING = "pending", _("待确认")
        VERIFIED = "verified", _("已应答且核验通过")
        NO_ANSWER = "no_answer", _("未应答")
        FACE_MISMATCH = "face_mismatch", _("人脸不符")

    roll_call = models.ForeignKey(RollCall, on_delete=models.CASCADE, related_name="targets")
    supervisee = models.ForeignKey("corrections.Supervisee", on_delete=models.PROTECT, related_name="roll_calls")
    check_in = models.ForeignKey(CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("应答签到"))
    answered_at = models.DateTimeField(_("应答时间"), null=True, blank=True)
    missed_at = models.DateTimeField(_("超时告警时间"), null=True, blank=True)
    alert_id = models.BigIntegerField(_("告警编号"), null=True, blank=True)
    result = models.CharField(_("点名结果"), max_length=16, choices=Result.choices, default=Result.PENDING)
    result_note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    class Meta:
        ordering = ["roll_call", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["roll_call", "supervisee"], name="corrections_rollcall_target_once"),
            models.CheckConstraint(
                condition=Q(check_in__isnull=True, answered_at__isnull=True)
                | Q(check_in__isnull=False, answered_at__isnull=False),
                name="corrections_rollcall_answer_pair",
            ),
            models.CheckConstraint(
                condition=Q(result="pending", recorded_at__isnull=True)
                | (~Q(result="pending") & Q(recorded_at__isnull=False)),
                name="corrections_rollcall_result_recorded",
            ),
        ]
        verbose_name = _("点名对象")
        verbose_name_plural = _("点名对象")

    def __str__(self) -> str:
        return f"{self.roll_call_id}:{self.supervisee_id} {self.result}"
