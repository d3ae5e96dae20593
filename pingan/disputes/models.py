"""Disputes (矛盾纠纷): the record, its parties and attachments, categories as data, duplicate
flags and Excel import jobs. Invariants live in the database; every write goes through
services.py."""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField
from pingan.core.idnumber import mask_id_number


class Category(models.Model):
    """A dispute category. Seeded from data/categories.json; administrators may add or retire
    categories, never re-code one that is in use (imports and statistics refer to the code)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("纠纷类别")
        verbose_name_plural = _("纠纷类别")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language: English pages show name_en where it is set."""
        return self.name_en if self.name_en and get_language() == "en" else self.name


class Source(models.TextChoices):
    WEB = "web", _("窗口登记")
    API = "api", _("系统接口")
    EXCEL = "excel", _("台账导入")
    COURT = "court", _("法院立案")
    POLICE = "police", _("公安移送")
    HOTLINE = "hotline", _("热线")
    VISIT = "visit", _("走访排查")
    PETITION = "petition", _("信访")
    OTHER = "other", _("其他")


class Grade(models.TextChoices):
    BLUE = "blue", _("蓝色（一类）")
    YELLOW = "yellow", _("黄色（二类）")
    RED = "red", _("红色（三类）")


def _random_attachment_name(instance, filename: str) -> str:
    # A random stored name: the uploader's file name may carry personal data and path tricks;
    # the original name is kept in its own column for display.
    ext = os.path.splitext(filename)[1].lower()[:10]
    now = timezone.now()
    return f"disputes/{now:%Y/%m}/{uuid.uuid4().hex}{ext}"


class Dispute(models.Model):
    # The workflow engine (core/workflow.py) drives `state`; see workflow.py in this app.
    INITIAL_STATE = "received"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("编号"), max_length=100, blank=True, db_index=True)
    title = models.CharField(_("纠纷简题"), max_length=200)
    facts = models.TextField(_("纠纷事实"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("类别"))
    amount = models.DecimalField(
        _("争议金额（元）"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    jurisdiction = models.ForeignKey(
        "orgs.Jurisdiction", on_delete=models.PROTECT, related_name="disputes", verbose_name=_("发生地")
    )
    latitude = models.DecimalField(
        _("纬度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.WEB)
    external_ref = models.CharField(_("外部编号"), max_length=100, blank=True)
    state = models.CharField(_("状态"), max_length=30, default=INITIAL_STATE, db_index=True)
    grade = models.CharField(_("风险等级"), max_length=10, choices=Grade.choices, null=True, blank=True)
    handling_agency = models.ForeignKey(
        "orgs.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="disputes",
        verbose_name=_("承办单位"),
    )
    received_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Workflow milestones (core/workflow.py): when the dispute first entered "mediating" and
    # "closed"; kept by the workflow engine, never by hand. The police three-tier figures count them.
    first_mediating_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates",
        verbose_name=_("重复于"),
    )
    related = models.ManyToManyField("self", blank=True, verbose_name=_("关联纠纷"))
    # Denormalised text for substring search (see selectors.search): maintained by services.
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="disputes_dispute_amount_non_negative"),
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~Q(external_ref=""),
                name="disputes_dispute_source_external_ref",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="disputes_dispute_coordinates",
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__in=["blue", "yellow", "red"]),
                name="disputes_dispute_grade_valid",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=models.F("pk")),
                name="disputes_dispute_not_duplicate_of_itself",
            ),
        ]
        # `include` (PostgreSQL; plain indexes elsewhere) lets counts and group-bys by the
        # statistics' and the list's filter columns run as index-only scans (see
        # benchmarks/disputes.py); statistics count COUNT(*), never COUNT(id), for that reason.
        indexes = [
            models.Index(fields=["received_at"], include=["jurisdiction", "source", "grade", "state"],
                         name="disputes_received_cover"),
            models.Index(fields=["jurisdiction", "received_at"], include=["category", "state", "grade", "source"],
                         name="disputes_jur_received_cover"),
            models.Index(fields=["state", "received_at"], include=["grade"], name="disputes_state_received_cover"),
            # Child records (outcomes, follow-ups, court cases) drilled down by their dispute's
            # place: the join reads the place from this index instead of the table (3× faster).
            models.Index(fields=["id"], include=["jurisdiction"], name="disputes_id_jurisdiction"),
            models.Index(fields=["category", "received_at"], name="disputes_cat_received"),
            # Police three-tier figures: one channel's disputes of a period with their milestones,
            # counted from the index alone (policing/selectors_stats.py); the id for follow-ups.
            models.Index(fields=["source", "received_at"],
                         include=["jurisdiction", "id", "first_mediating_at", "first_closed_at"],
                         name="disputes_source_received"),
        ]
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")

    def __str__(self) -> str:
        return self.number or self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("经纬度须同时填写或同时留空。")})


class SearchToken(models.Model):
    """One token of a dispute's search_text (see search.py): the table a substring search reads
    instead of scanning every dispute. Keyed (token, dispute): a search reads one token's
    disputes from the key alone."""

    pk = models.CompositePrimaryKey("token", "dispute")
    token = models.BigIntegerField()
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.token}@{self.dispute_id}"


class Party(models.Model):
    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        THIRD_PARTY = "third_party", _("第三人")

    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", pgettext_lazy("party kind", "单位")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("身份"), max_length=20, choices=Role.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("姓名或名称"), max_length=100)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    # Keyed hash of the normalised ID number: finds the same person across disputes without
    # decrypting (duplicate detection).
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True,
        validators=[RegexValidator(r"^[0-9A-HJ-NPQRTUWXY]{18}$", _("统一社会信用代码须为 18 位数字或大写字母。"))],
    )
    phone = models.CharField(
        _("联系电话"), max_length=20, blank=True,
        validators=[RegexValidator(r"^[0-9+\-() ]{5,20}$", _("电话号码格式不正确。"))],
    )
    address = models.CharField(_("住址"), max_length=300, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    age = models.PositiveSmallIntegerField(_("年龄"), null=True, blank=True, validators=[MaxValueValidator(150)])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["dispute", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="person", credit_code="") | Q(kind="organisation", id_number_index=""),
                name="disputes_party_identifier_matches_kind",
            ),
            models.CheckConstraint(condition=Q(age__isnull=True) | Q(age__lte=150), name="disputes_party_age_range"),
        ]
        indexes = [models.Index(fields=["name", "phone"], name="disputes_party_name_phone")]
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number or "")

    @property
    def masked_phone(self) -> str:
        p = self.phone or ""
        return p[:3] + "*" * max(len(p) - 7, 0) + p[-4:] if len(p) >= 8 else ("*" * len(p))

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from pingan.core.idnumber import validate_id_number

        if self.kind == self.Kind.ORGANISATION and self.id_number:
            raise ValidationError({"id_number": _("单位当事人不填身份证号，请填统一社会信用代码。")})
        if self.kind == self.Kind.PERSON and self.credit_code:
            raise ValidationError({"credit_code": _("自然人当事人不填统一社会信用代码。")})
        if self.id_number:
            try:
                validate_id_number(self.id_number)
            except ValidationError as exc:
                raise ValidationError({"id_number": exc.messages}) from None


class DuplicateCandidate(models.Model):
    """A flag: `dispute` may repeat `candidate` (same parties and category within the configured
    period). Never blocks intake; a person decides (link or dismiss)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核实")
        LINKED = "linked", _("已确认重复")
        DISMISSED = "dismissed", _("不是重复")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="duplicate_flags")
    candidate = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+")
    matched_on = models.JSONField(default=list)  # ["id_number", "name_phone"]
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "candidate"], name="disputes_duplicate_pair"),
            models.CheckConstraint(condition=~Q(dispute=models.F("candidate")), name="disputes_duplicate_not_self"),
        ]
        verbose_name = _("疑似重复")
        verbose_name_plural = _("疑似重复")

    def __str__(self) -> str:
        return f"{self.dispute_id}~{self.candidate_id}"


class Attachment(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=_random_attachment_name, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class ImportJob(models.Model):
    """One Excel ledger upload: previewed first, then imported (inline or on the worker)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("已预检")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("全部成功才导入")
        VALID_ONLY = "valid", _("只导入无误的行")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to="disputes/imports/%Y/%m/", max_length=200)
    original_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_error = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row", "column", "message"}]
    preview = models.JSONField(default=list, blank=True)  # first rows: [{"row", "action", "title"}]
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rows_done__lte=models.F("rows_total")), name="disputes_importjob_progress"),
        ]
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")

    def __str__(self) -> str:
        return self.original_name

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


# --- slice 2: grading, routing, mediation, outcomes, referrals, follow-ups -----------------------

GRADE_ORDER = {"blue": 1, "yellow": 2, "red": 3}


class GradingResult(models.Model):
    """One grading of a dispute (append-only): by the rules (which fired, which version) or a
    person's override (with the required reason). The dispute's `grade` is the latest decision."""

    class Kind(models.TextChoices):
        RULES = "rules", _("规则定级")
        REGRADE = "regrade", _("事实变更后重新定级")
        OVERRIDE = "override", _("人工调整")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="gradings")
    kind = models.CharField(_("方式"), max_length=10, choices=Kind.choices)
    grade = models.CharField(_("风险等级"), max_length=10, choices=Grade.choices)
    rules_grade = models.CharField(_("规则结果"), max_length=10, choices=Grade.choices, blank=True)
    ruleset_key = models.CharField(max_length=100, blank=True)
    ruleset_version = models.PositiveIntegerField(null=True, blank=True)
    fired = models.JSONField(_("命中规则"), default=list, blank=True)  # [{"id", "name", "grade"}]
    explanation = models.JSONField(_("说明"), default=list, blank=True)  # lines
    record = models.JSONField(_("定级依据"), default=dict, blank=True)  # the dict the rules saw
    reason = models.TextField(_("理由"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="override") | ~Q(reason=""), name="disputes_grading_override_has_reason"
            ),
            models.CheckConstraint(condition=Q(grade__in=["blue", "yellow", "red"]), name="disputes_grading_grade_valid"),
        ]
        verbose_name = _("风险定级")
        verbose_name_plural = _("风险定级")

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.grade}"


class Routing(models.Model):
    """One hand-over of a dispute to a tier: the lead agency and those taking part. The receiving
    body accepts or declines; a new row is written for every re-routing, escalation and
    de-escalation (the old one is marked superseded, never edited otherwise)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("分流")
        REROUTE = "reroute", _("拒收后重新分流")
        ESCALATE = "escalate", _("升级")
        DEESCALATE = "deescalate", _("降级")
        AUTO_ESCALATE = "auto_escalate", _("超时自动升级")

    class Status(models.TextChoices):
        PENDING = "pending", _("待受理")
        ACCEPTED = "accepted", _("已受理")
        DECLINED = "declined", _("已拒收")
        SUPERSEDED = "superseded", _("已转出")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="routings")
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    tier = models.CharField(_("层级"), max_length=10, choices=Grade.choices)
    lead_agency = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="led_routings", verbose_name=_("牵头单位")
    )
    agencies = models.ManyToManyField("orgs.Agency", related_name="dispute_routings", verbose_name=_("参与单位"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    ruleset_version = models.PositiveIntegerField(null=True, blank=True)
    explanation = models.JSONField(default=list, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    accept_due = models.DateTimeField(_("受理期限"), null=True, blank=True)
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    routed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("拒收理由"), blank=True)
    # Set once when the stall/acceptance scan found nothing higher to escalate to (idempotent scan).
    overdue_noted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-routed_at", "-pk"]
        indexes = [models.Index(fields=["routed_at"], include=["tier", "dispute"], name="disputes_routing_routed_at")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decision_reason=""), name="disputes_routing_decline_has_reason"
            ),
            models.UniqueConstraint(
                fields=["dispute"], condition=Q(status__in=["pending", "accepted"]),
                name="disputes_routing_one_current",
            ),
        ]
        verbose_name = _("分流")
        verbose_name_plural = _("分流")

    def __str__(self) -> str:
        return f"{self.dispute_id}→{self.lead_agency_id}"


class MediationSession(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("现场")
        ONLINE = "online", _("线上")
        PHONE = "phone", _("电话")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("调解时间"))
    mode = models.CharField(_("方式"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    attendees = models.TextField(_("参加人员"))
    minutes = models.TextField(_("调解笔录"), blank=True)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("调解员"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="online") | Q(mode="phone") | ~Q(place=""), name="disputes_session_place_in_person"
            ),
        ]
        verbose_name = _("调解会")
        verbose_name_plural = _("调解会")

    def __str__(self) -> str:
        return f"{self.dispute_id}@{self.held_at:%Y-%m-%d}"


class MediationNote(models.Model):
    """A working note or a piece of evidence (optionally pointing at an uploaded attachment)."""

    class Kind(models.TextChoices):
        NOTE = "note", _("工作记录")
        EVIDENCE = "evidence", _("证据")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField(_("内容"))
    attachment = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")

    def __str__(self) -> str:
        return self.text[:30]


class Outcome(models.Model):
    """How mediation ended (one row per ending; a reopened dispute can end again)."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("达成书面调解协议")
        ORAL_AGREEMENT = "oral_agreement", _("达成口头协议")
        PERFORMED = "performed", _("现场兑现")
        RECONCILED = "reconciled", _("当事人和好")
        WITHDRAWN = "withdrawn", _("撤回申请")
        FAILED = "failed", _("调解不成")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("结果"), max_length=20, choices=Kind.choices)
    decided_on = models.DateField(_("日期"))
    reason = models.TextField(_("理由或说明"), blank=True)
    # Art. 28: an oral agreement is recorded by the mediator; for failure the undisputed facts go on.
    content = models.TextField(_("协议内容或无争议事实"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="failed") | ~Q(reason=""), name="disputes_outcome_failed_has_reason"),
            models.CheckConstraint(
                condition=~Q(kind="oral_agreement") | ~Q(content=""), name="disputes_outcome_oral_has_content"
            ),
        ]
        indexes = [models.Index(fields=["decided_on"], include=["kind", "dispute"], name="disputes_outcome_decided_on")]
        verbose_name = _("调解结果")
        verbose_name_plural = _("调解结果")

    def __str__(self) -> str:
        return self.get_kind_display()


class Agreement(models.Model):
    """人民调解协议书 with the content 人民调解法 Art. 29 names; it takes effect when every party,
    the mediator and the committee's seal are recorded (`effective_at`)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="agreements")
    outcome = models.OneToOneField(Outcome, on_delete=models.PROTECT, related_name="agreement")
    number = models.CharField(_("协议编号"), max_length=100)
    agreed_on = models.DateField(_("协议日期"))
    facts = models.TextField(_("纠纷主要事实"))
    disputed_matters = models.TextField(_("争议事项"))
    responsibility = models.TextField(_("各方责任"))
    terms = models.TextField(_("协议内容"))
    performance_method = models.CharField(_("履行方式"), max_length=300)
    performance_deadline = models.DateField(_("履行期限"))
    copies = models.PositiveSmallIntegerField(_("份数"), default=3, validators=[MinValueValidator(2)])
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("调解员")
    )
    committee = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("调解组织"))
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(performance_deadline__gte=models.F("agreed_on")),
                name="disputes_agreement_deadline_after_agreement",
            ),
            models.UniqueConstraint(fields=["number"], name="disputes_agreement_number_unique"),
        ]
        verbose_name = _("人民调解协议书")
        verbose_name_plural = _("人民调解协议书")

    def __str__(self) -> str:
        return self.number


class Signature(models.Model):
    class Role(models.TextChoices):
        PARTY = "party", _("当事人签名（盖章、按指印）")
        MEDIATOR = "mediator", _("调解员签名")
        SEAL = "seal", _("调委会盖章")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(_("签署方"), max_length=10, choices=Role.choices)
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("签署人"), max_length=100)
    signed_at = models.DateTimeField(_("签署时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role="party", party__isnull=False) | (~Q(role="party") & Q(party__isnull=True)),
                name="disputes_signature_party_role",
            ),
            models.UniqueConstraint(fields=["agreement", "party"], name="disputes_signature_once_per_party"),
            models.UniqueConstraint(
                fields=["agreement", "role"], condition=~Q(role="party"), name="disputes_signature_once_per_role"
            ),
        ]
        verbose_name = _("签署")
        verbose_name_plural = _("签署")

    def __str__(self) -> str:
        return f"{self.get_role_display()}：{self.name}"


class Referral(models.Model):
    """函件推送: the dispute pushed by letter to the body responsible, awaiting its reply."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="referrals")
    recipient = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("接收单位"))
    sender = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("发函单位"))
    letter_number = models.CharField(_("函号"), max_length=100)
    request = models.TextField(_("转办事项"))
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("发函时间"), default=timezone.now)
    deadline = models.ForeignKey("core.Deadline", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reply = models.TextField(_("回复内容"), blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reminded_at = models.DateTimeField(_("催办时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["sent_at"], include=["replied_at", "dispute"], name="disputes_referral_sent_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(replied_at__isnull=True) | ~Q(reply=""), name="disputes_referral_reply_has_text"
            ),
            models.UniqueConstraint(fields=["letter_number"], name="disputes_referral_letter_number_unique"),
        ]
        verbose_name = _("函件推送")
        verbose_name_plural = _("函件推送")

    def __str__(self) -> str:
        return self.letter_number


class FollowUp(models.Model):
    """回访: scheduled when a dispute closes; done once with a method and the satisfaction."""

    class Method(models.TextChoices):
        PHONE = "phone", _("电话回访")
        VISIT = "visit", _("上门回访")
        ONLINE = "online", _("线上回访")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASICALLY = "basically", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="follow_ups")
    due_on = models.DateField(_("应回访日期"))
    method = models.CharField(_("回访方式"), max_length=10, choices=Method.choices, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=15, choices=Satisfaction.choices, blank=True)
    notes = models.TextField(_("回访情况"), blank=True)
    flared_up = models.BooleanField(_("纠纷反弹"), default=False)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["done_at"], include=["satisfaction", "dispute"], name="disputes_followup_done_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | (~Q(method="") & ~Q(satisfaction="")),
                name="disputes_followup_done_has_method_and_satisfaction",
            ),
            models.UniqueConstraint(
                fields=["dispute"], condition=Q(done_at__isnull=True), name="disputes_followup_one_open"
            ),
        ]
        verbose_name = _("回访")
        verbose_name_plural = _("回访")

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.due_on}"
