"""Police grassroots work (公安基层工作): households and responsibility assignments (包保), visits,
hazards (隐患) followed through the seven-step method, pushes to responsible bodies (推送:
disputes or referral letters), risk persons with a review schedule, and overdue flags.

Every write goes through services.py; statistics are computed from these rows (selectors_stats.py),
never kept as counters. Rows carry the unit that owns them (`agency`) and the place
(`jurisdiction`), which is what the permission rows in data/permissions.json scope on."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField
from pingan.core.idnumber import mask_id_number

PHONE = RegexValidator(r"^[0-9+\-() ]{5,20}$", _("电话号码格式不正确。"))


def mask_phone(p: str) -> str:
    p = p or ""
    return p[:3] + "*" * max(len(p) - 7, 0) + p[-4:] if len(p) >= 8 else "*" * len(p)


def mask_name(n: str) -> str:
    n = n or ""
    return n[:1] + "*" * max(len(n) - 1, 1) if n else ""


class Grade(models.TextChoices):
    BLUE = "blue", _("蓝色（一类）")
    YELLOW = "yellow", _("黄色（二类）")
    RED = "red", _("红色（三类）")


def _coordinates(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(latitude__isnull=True, longitude__isnull=True)
            | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_coordinates",
        )
    ]


class Household(models.Model):
    """A household in an officer's patch (户): the head of household and how to reach them."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    jurisdiction = models.ForeignKey(
        "orgs.Jurisdiction", on_delete=models.PROTECT, related_name="policing_households", verbose_name=_("所属村（组）")
    )
    address = models.CharField(_("住址"), max_length=300)
    head_name = models.CharField(_("户主姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[PHONE])
    external_ref = models.CharField(_("外部编号"), max_length=100, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["jurisdiction__path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["external_ref"], condition=~Q(external_ref=""),
                                    name="policing_household_external_ref"),
        ]
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self) -> str:
        return f"{mask_name(self.head_name)}（{self.address}）"

    @property
    def masked_head_name(self) -> str:
        return mask_name(self.head_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Assignment(models.Model):
    """包保责任: an officer answers for a village, a village group or a single household. The
    visit plan is the interval (days between visits); empty = the district default setting."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="policing_assignments", verbose_name=_("包保民（辅）警")
    )
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属单位"))
    jurisdiction = models.ForeignKey(
        "orgs.Jurisdiction", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("包保村（组）")
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("包保户")
    )
    interval_days = models.PositiveIntegerField(
        _("走访周期（天）"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3660)],
        help_text=_("留空则按全区默认走访周期"),
    )
    starts_on = models.DateField(_("开始日期"), default=timezone.localdate)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["officer", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(jurisdiction__isnull=False, household__isnull=True)
                | Q(jurisdiction__isnull=True, household__isnull=False),
                name="policing_assignment_one_target",
            ),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                   name="policing_assignment_dates"),
            models.CheckConstraint(condition=Q(interval_days__isnull=True) | Q(interval_days__gte=1),
                                   name="policing_assignment_interval_positive"),
            models.UniqueConstraint(fields=["officer", "jurisdiction"],
                                    condition=Q(ends_on__isnull=True, jurisdiction__isnull=False),
                                    name="policing_assignment_open_jurisdiction"),
            models.UniqueConstraint(fields=["officer", "household"],
                                    condition=Q(ends_on__isnull=True, household__isnull=False),
                                    name="policing_assignment_open_household"),
        ]
        verbose_name = _("包保责任")
        verbose_name_plural = _("包保责任")

    def __str__(self) -> str:
        return f"{self.officer} → {self.jurisdiction or self.household}"


class CommitteeRole(models.Model):
    """一村一警: the village auxiliary officer sits on the village mediation committee (as its
    vice-director). A membership row, so the committee page and the officer page both show it."""

    class Title(models.TextChoices):
        VICE_DIRECTOR = "vice_director", _("副主任")
        MEMBER = "member", _("委员")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="policing_committee_roles")
    committee = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="policing_members",
                                  verbose_name=_("调解委员会"))
    title = models.CharField(_("职务"), max_length=20, choices=Title.choices, default=Title.VICE_DIRECTOR)
    starts_on = models.DateField(_("任职日期"), default=timezone.localdate)
    ends_on = models.DateField(_("离任日期"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "committee", "title"], condition=Q(ends_on__isnull=True),
                                    name="policing_committeerole_open"),
        ]
        verbose_name = _("调委会任职")
        verbose_name_plural = _("调委会任职")

    def __str__(self) -> str:
        return f"{self.user} {self.get_title_display()} @ {self.committee}"


class Visit(models.Model):
    """One visit, usually entered on a phone: when, where, whom the officer met, what was noted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="policing_visits",
                                verbose_name=_("走访人"))
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("所属单位"))
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="visits",
                                  verbose_name=_("走访户"))
    jurisdiction = models.ForeignKey("orgs.Jurisdiction", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("走访地点"))
    visited_at = models.DateTimeField(_("走访时间"), default=timezone.now)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])
    people_met = models.CharField(_("走访对象"), max_length=300, blank=True)
    notes = models.TextField(_("走访情况"), blank=True)
    external_ref = models.CharField(_("外部编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-visited_at", "-pk"]
        constraints = [
            *_coordinates("policing_visit"),
            models.UniqueConstraint(fields=["external_ref"], condition=~Q(external_ref=""),
                                    name="policing_visit_external_ref"),
        ]
        indexes = [
            models.Index(fields=["officer", "visited_at"], name="policing_visit_officer_at"),
            models.Index(fields=["household", "visited_at"], name="policing_visit_household_at"),
            # (time, household) covers "households visited in a period" without reading rows;
            # (place, time) answers a subtree's visits in a period by index ranges. The trailing
            # scope columns let a count or a page in time order test restrict()'s "agency_id IN …
            # OR jurisdiction_id IN …" in the index instead of reading every row of the period.
            models.Index(fields=["visited_at", "household", "agency", "jurisdiction"],
                         name="policing_visit_at_scope"),
            models.Index(fields=["jurisdiction", "visited_at"], name="policing_visit_jur_at"),
        ]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")

    def __str__(self) -> str:
        return f"{self.visited_at:%Y-%m-%d} {self.jurisdiction}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("经纬度须同时填写或同时留空。")})
        if self.visited_at and self.visited_at > timezone.now() + datetime.timedelta(minutes=10):
            raise ValidationError({"visited_at": _("走访时间不能晚于现在。")})


class Hazard(models.Model):
    """A hazard found (隐患): graded, then followed through 盯、联、推、化、管、访、宣 (workflow.py)."""

    INITIAL_STATE = "watching"

    class Category(models.TextChoices):
        DISPUTE = "dispute", _("矛盾纠纷")
        PUBLIC_ORDER = "public_order", _("治安隐患")
        SAFETY = "safety", _("安全隐患")
        PETITION = "petition", _("信访苗头")
        OTHER = "other", _("其他")

    class State(models.TextChoices):
        WATCHING = "watching", _("盯：发现盯守")
        LINKED = "linked", _("联：联动会商")
        PUSHED = "pushed", _("推：推送责任单位")
        RESOLVED = "resolved", _("化：已化解")
        CONTROLLED = "controlled", _("管：稳控管理")
        REVISITED = "revisited", _("访：已回访")
        PUBLICISED = "publicised", _("宣：已宣传")

    class Outcome(models.TextChoices):
        NONE = "", _("处置中")
        LOCAL = "local", _("就地化解")
        DISPUTE = "dispute", _("转矛盾纠纷")
        LETTER = "letter", _("函件推送")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards",
                                  verbose_name=_("涉及户"))
    jurisdiction = models.ForeignKey("orgs.Jurisdiction", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("发生地"))
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("发现单位"))
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("发现人"))
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    title = models.CharField(_("隐患简题"), max_length=200)
    description = models.TextField(_("隐患情况"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.DISPUTE)
    people_involved = models.PositiveIntegerField(_("涉及人数"), default=1, validators=[MaxValueValidator(100_000)])
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, default=0,
                                 validators=[MinValueValidator(0)])
    contact_name = models.CharField(_("当事人姓名"), max_length=50, blank=True)
    contact_phone = models.CharField(_("当事人电话"), max_length=20, blank=True, validators=[PHONE])
    grade = models.CharField(_("风险等级"), max_length=10, choices=Grade.choices, null=True, blank=True)
    grading = models.JSONField(_("定级依据"), default=dict, blank=True)
    state = models.CharField(_("七字工作法环节"), max_length=20, choices=State.choices, default=INITIAL_STATE,
                             db_index=True)
    outcome = models.CharField(_("处置方式"), max_length=10, choices=Outcome.choices, default="", blank=True)
    dispute = models.ForeignKey("disputes.Dispute", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="policing_hazards", verbose_name=_("转化的纠纷"))
    resolution = models.TextField(_("化解情况"), blank=True)
    resolved_at = models.DateTimeField(_("化解时间"), null=True, blank=True)
    external_ref = models.CharField(_("外部编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["external_ref"], condition=~Q(external_ref=""),
                                    name="policing_hazard_external_ref"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="policing_hazard_amount_non_negative"),
            models.CheckConstraint(condition=Q(grade__isnull=True) | Q(grade__in=["blue", "yellow", "red"]),
                                   name="policing_hazard_grade_valid"),
            models.CheckConstraint(condition=~Q(outcome="dispute") | Q(dispute__isnull=False),
                                   name="policing_hazard_dispute_outcome_has_dispute"),
        ]
        indexes = [
            # Covers the statistics' one-pass conditional COUNTs (found, resolved, to a dispute,
            # by grade) in a period without reading the wide rows, restrict()'s scope columns
            # included (an officer's figures read the rows of the period to test them before).
            models.Index(fields=["found_at", "grade", "resolved_at", "dispute", "agency", "jurisdiction"],
                         name="policing_hazard_found_scope"),
            models.Index(fields=["jurisdiction", "found_at"], name="policing_hazard_jur_found"),
            models.Index(fields=["resolved_at"], name="policing_hazard_resolved"),
        ]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")

    def __str__(self) -> str:
        return self.title

    @property
    def masked_contact_name(self) -> str:
        return mask_name(self.contact_name)

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)


class Push(models.Model):
    """推: something pushed to the body responsible — into the disputes system (a dispute with
    source "police") or by a referral letter (函件推送) awaiting a reply. One hazard may be pushed
    to several bodies, and a visit may push information without a hazard, so pushes are counted
    on their own."""

    class Channel(models.TextChoices):
        DISPUTE = "dispute", _("转矛盾纠纷")
        LETTER = "letter", _("函件推送")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hazard = models.ForeignKey(Hazard, null=True, blank=True, on_delete=models.PROTECT, related_name="pushes")
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("推送单位"))
    jurisdiction = models.ForeignKey("orgs.Jurisdiction", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("发生地"))
    channel = models.CharField(_("推送方式"), max_length=10, choices=Channel.choices)
    target_name = models.CharField(_("责任单位"), max_length=200)
    target_agency = models.ForeignKey("orgs.Agency", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("责任单位（平台内）"))
    dispute = models.ForeignKey("disputes.Dispute", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="policing_pushes")
    # A letter to a body on the platform goes through the disputes referral service (函件推送 with
    # a reply deadline); a letter to a body outside the platform is recorded here only.
    referral = models.ForeignKey("disputes.Referral", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="policing_pushes")
    letter_number = models.CharField(_("函件编号"), max_length=100, blank=True)
    content = models.TextField(_("推送内容"), blank=True)
    sent_at = models.DateTimeField(_("推送时间"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    reply = models.TextField(_("回复内容"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    revisited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    satisfied = models.BooleanField(_("群众满意"), null=True, blank=True)
    external_ref = models.CharField(_("外部编号"), max_length=100, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["external_ref"], condition=~Q(external_ref=""),
                                    name="policing_push_external_ref"),
            models.CheckConstraint(condition=~Q(channel="dispute") | Q(dispute__isnull=False),
                                   name="policing_push_dispute_channel_has_dispute"),
            models.CheckConstraint(condition=Q(closed_at__isnull=True) | Q(channel="dispute") | Q(replied_at__isnull=False),
                                   name="policing_push_letter_closed_after_reply"),
            models.CheckConstraint(condition=Q(revisited_at__isnull=True) | Q(closed_at__isnull=False),
                                   name="policing_push_revisit_after_close"),
        ]
        indexes = [
            models.Index(fields=["sent_at", "channel", "agency", "jurisdiction"], name="policing_push_sent_scope"),
            models.Index(fields=["jurisdiction", "sent_at"], name="policing_push_jur_sent"),
        ]
        verbose_name = _("推送")
        verbose_name_plural = _("推送")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.target_name}"


class RiskPerson(models.Model):
    """A person to keep under watch (重点人员), reviewed on a schedule set by the risk level."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[PHONE])
    address = models.CharField(_("住址"), max_length=300, blank=True)
    jurisdiction = models.ForeignKey("orgs.Jurisdiction", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("所在村（组）"))
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="risk_persons")
    hazard = models.ForeignKey(Hazard, null=True, blank=True, on_delete=models.PROTECT, related_name="risk_persons")
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("管控单位"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="policing_risk_persons", verbose_name=_("责任民（辅）警"))
    risk_level = models.CharField(_("风险等级"), max_length=10, choices=Grade.choices)
    reason = models.TextField(_("列管原因"))
    next_review_on = models.DateField(_("下次评估日期"))
    last_reviewed_at = models.DateTimeField(_("上次评估时间"), null=True, blank=True)
    is_active = models.BooleanField(_("在管"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["next_review_on", "pk"]
        indexes = [models.Index(fields=["is_active", "next_review_on"], name="policing_risk_due")]
        verbose_name = _("重点人员")
        verbose_name_plural = _("重点人员")

    def __str__(self) -> str:
        return mask_name(self.name)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number or "")

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class RiskReview(models.Model):
    risk_person = models.ForeignKey(RiskPerson, on_delete=models.CASCADE, related_name="reviews")
    reviewed_at = models.DateTimeField(_("评估时间"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    risk_level = models.CharField(_("评估后风险等级"), max_length=10, choices=Grade.choices)
    notes = models.TextField(_("评估情况"), blank=True)
    next_review_on = models.DateField(_("下次评估日期"))

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = _("重点人员评估")
        verbose_name_plural = _("重点人员评估")

    def __str__(self) -> str:
        return f"{self.risk_person} {self.reviewed_at:%Y-%m-%d}"


class OverdueFlag(models.Model):
    """Raised by the periodic scan (tasks.py) when a household is past its visit interval or a
    risk person past the review date; cleared when the visit/review is recorded. Unique per due
    date, so rerunning the scan adds nothing."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("走访逾期")
        REVIEW = "review", _("评估逾期")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    risk_person = models.ForeignKey(RiskPerson, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+")
    jurisdiction = models.ForeignKey("orgs.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    flagged_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "household", "due_on"], condition=Q(kind="visit"),
                                    name="policing_overdue_visit_once"),
            models.UniqueConstraint(fields=["risk_person", "due_on"], condition=Q(kind="review"),
                                    name="policing_overdue_review_once"),
            models.CheckConstraint(
                condition=Q(kind="visit", household__isnull=False, assignment__isnull=False)
                | Q(kind="review", risk_person__isnull=False),
                name="policing_overdue_target",
            ),
        ]
        verbose_name = _("逾期提醒")
        verbose_name_plural = _("逾期提醒")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"


class DailyCount(models.Model):
    """A cache of record counts that the statistics read instead of counting every hazard and push
    of a period (see rollup.py): how many `source` records fell on the local `day` (or, for a month
    row, in the month starting on `day`), by unit, by area (the record's jurisdiction, or its
    township when it lies deeper: a scope or filter at township level or above stays exact) and
    by the columns the figures test. Rebuilt from the records by `pingan policing_rollup
    --rebuild`; never edited by hand."""

    source = models.CharField(max_length=10)
    day = models.DateField()
    month = models.BooleanField(default=False)
    agency = models.ForeignKey("orgs.Agency", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    area = models.ForeignKey("orgs.Jurisdiction", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name="+")
    grade = models.CharField(max_length=10, null=True)
    resolved = models.BooleanField(default=False)
    to_dispute = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, blank=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["source", "month", "day"], name="policing_dailycount_day")]

    def __str__(self) -> str:
        return f"{self.source} {self.day}: {self.n}"


class DirtyDay(models.Model):
    """A local day whose DailyCount rows of `source` may be stale: database triggers (migration
    0005) mark it in the writer's own transaction on every insert, update and delete of a hazard or
    push (the UTC date of its time and the days either side, which hold its local date); the worker
    recounts the day and clears the mark. Until then the statistics count that day from the records."""

    source = models.CharField(max_length=10)
    day = models.DateField()
    marks = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "day"], name="policing_dirtyday_unique")]

    def __str__(self) -> str:
        return f"{self.source} {self.day}"
