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
    received_at = models.DateTimeField(_("受理时间"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("登记人"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
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
        indexes = [
            models.Index(fields=["jurisdiction", "received_at"], name="disputes_jur_received"),
            models.Index(fields=["state", "received_at"], name="disputes_state_received"),
            models.Index(fields=["category", "received_at"], name="disputes_cat_received"),
        ]
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷")

    def __str__(self) -> str:
        return self.number or self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("经纬度须同时填写或同时留空。")})


class Party(models.Model):
    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        THIRD_PARTY = "third_party", _("第三人")

    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", _("单位")

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
