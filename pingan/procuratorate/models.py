"""The procuratorate (检察院): minor cases (小案) and their suspects with the arrest and prosecution
decisions, volunteer service before non-prosecution, governance recommendations (社会治理类检察建议)
with their follow-up, early involvement (提前介入) and public hearings (听证会).

Invariants live in the database; every write goes through services.py; the suspect, volunteer
plan and recommendation states are driven by the workflows in workflow.py."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.crypto import EncryptedTextField
from pingan.core.idnumber import mask_id_number


class Source(models.TextChoices):
    WEB = "web", _("页面登记")
    API = "api", _("系统接口")
    EXCEL = "excel", _("台账导入")
    DEMO = "demo", _("演示数据")


class Offence(models.Model):
    """An offence (罪名) with its statutory maximum; seeded from data/offences.json."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("罪名"), max_length=50, unique=True)
    article = models.CharField(_("法条"), max_length=100, blank=True)
    max_term_months = models.PositiveSmallIntegerField(_("基本罪状法定最高刑（月）"))
    is_minor = models.BooleanField(_("小案类型"), default=False)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    source = models.CharField(_("依据"), max_length=300, blank=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("罪名")
        verbose_name_plural = _("罪名")

    def __str__(self) -> str:
        return self.name


class MinorCase(models.Model):
    """A case received from the police (提请批准逮捕 or 移送审查起诉)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("案件编号"), max_length=100, unique=True)
    offence = models.ForeignKey(Offence, on_delete=models.PROTECT, related_name="cases", verbose_name=_("罪名"))
    procuratorate = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="procuratorate_cases", verbose_name=_("承办检察院")
    )
    police_agency = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="requested_cases", verbose_name=_("移送（提请）机关")
    )
    jurisdiction = models.ForeignKey(
        "orgs.Jurisdiction", on_delete=models.PROTECT, related_name="procuratorate_cases", verbose_name=_("案发地")
    )
    prosecutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("承办检察官"),
    )
    received_on = models.DateField(_("受理日期"))
    fast_track = models.BooleanField(_("速裁程序"), default=False)
    summary = models.TextField(_("简要案情"), blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["received_on", "id"], name="proc_case_received"),
            models.Index(fields=["jurisdiction", "received_on"], name="proc_case_jur_received"),
        ]
        verbose_name = _("小案")
        verbose_name_plural = _("小案")

    def __str__(self) -> str:
        return self.number


class Relation(models.TextChoices):
    NONE = "none", _("无特殊关系")
    NEIGHBOURS = "neighbours", _("邻里")
    FAMILY = "family", _("亲属")
    ACQUAINTANCE = "acquaintance", _("熟人")
    COLLEAGUE = "colleague", _("同事")
    OTHER = "other", _("其他")


class ArrestDecision(models.TextChoices):
    APPROVED = "approved", _("批准逮捕")
    NOT_APPROVED = "not_approved", _("不批准逮捕")


class ProsecutionDecision(models.TextChoices):
    PROSECUTE = "prosecute", _("起诉")
    RELATIVE = "relative", _("相对不起诉（第177条第2款）")
    OTHER = "other", _("其他不起诉")


NON_PROSECUTION = (ProsecutionDecision.RELATIVE, ProsecutionDecision.OTHER)


class Suspect(models.Model):
    """A person handled in a minor case; decisions are per person (the statistics count persons)."""

    INITIAL_STATE = "received"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(MinorCase, on_delete=models.CASCADE, related_name="suspects", verbose_name=_("案件"))
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField(_("身份证号（脱敏）"), max_length=20, blank=True, editable=False)
    guilty_plea = models.BooleanField(_("认罪认罚"), default=False)
    guilty_plea_on = models.DateField(_("签署认罪认罚具结书日期"), null=True, blank=True)
    first_offender = models.BooleanField(_("初犯"), default=False)
    occasional = models.BooleanField(_("偶犯"), default=False)
    negligent = models.BooleanField(_("过失犯罪"), default=False)
    relation = models.CharField(_("与被害人关系"), max_length=20, choices=Relation.choices, default=Relation.NONE)
    state = models.CharField(_("状态"), max_length=30, default=INITIAL_STATE, db_index=True)
    arrest_requested_on = models.DateField(_("提请批准逮捕日期"), null=True, blank=True)
    arrest_decision = models.CharField(_("逮捕决定"), max_length=20, choices=ArrestDecision.choices, blank=True)
    arrest_decided_on = models.DateField(_("逮捕决定日期"), null=True, blank=True)
    arrest_grounds = models.TextField(_("不捕理由"), blank=True)
    prosecution_received_on = models.DateField(_("移送审查起诉日期"), null=True, blank=True)
    prosecution_decision = models.CharField(
        _("起诉决定"), max_length=20, choices=ProsecutionDecision.choices, blank=True
    )
    prosecution_decided_on = models.DateField(_("起诉决定日期"), null=True, blank=True)
    prosecution_grounds = models.TextField(_("决定理由"), blank=True)
    hearing_required = models.BooleanField(_("决定前须听证"), default=False)
    # Copies of the case's procuratorate and received date (set by services and the ledger
    # import): the permission scope and the statistics read them without joining the case.
    procuratorate = models.ForeignKey(
        "orgs.Agency", null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(null=True, blank=True, editable=False)
    # Copy of the case's jurisdiction (services and the ledger import keep it in step): the
    # statistics filter a township subtree from the covering scope indexes, without the case.
    jurisdiction = models.ForeignKey(
        "orgs.Jurisdiction", null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(guilty_plea=False) | Q(guilty_plea_on__isnull=False),
                name="proc_suspect_plea_has_date",
            ),
            models.CheckConstraint(
                condition=Q(arrest_decision="", arrest_decided_on__isnull=True)
                | (Q(arrest_decision__in=["approved", "not_approved"]) & Q(arrest_decided_on__isnull=False)),
                name="proc_suspect_arrest_decision_dated",
            ),
            models.CheckConstraint(
                condition=Q(prosecution_decision="", prosecution_decided_on__isnull=True)
                | (Q(prosecution_decision__in=["prosecute", "relative", "other"])
                   & Q(prosecution_decided_on__isnull=False)),
                name="proc_suspect_prosecution_decision_dated",
            ),
            models.CheckConstraint(
                condition=Q(arrest_decided_on__isnull=True) | Q(arrest_requested_on__isnull=False),
                name="proc_suspect_arrest_after_request",
            ),
        ]
        indexes = [
            models.Index(fields=["arrest_decision", "arrest_decided_on"], name="proc_suspect_arrest"),
            models.Index(fields=["prosecution_decision", "prosecution_decided_on"], name="proc_suspect_prosecution"),
            # With the plea: the unscoped "persons, guilty pleas" count stays index-only.
            models.Index(fields=["received_on", "guilty_plea"], name="proc_suspect_received_plea"),
            # Statistics within a procuratorate's scope: range counts on these (index-only); the
            # trailing jurisdiction keeps a township filter index-only too.
            models.Index(fields=["procuratorate", "received_on", "guilty_plea", "jurisdiction"],
                         name="proc_sus_scope_received_j"),
            models.Index(fields=["procuratorate", "arrest_requested_on", "jurisdiction"],
                         name="proc_sus_scope_requested_j"),
            models.Index(fields=["procuratorate", "arrest_decision", "arrest_decided_on", "jurisdiction"],
                         name="proc_sus_scope_arrest_j"),
            models.Index(fields=["procuratorate", "prosecution_decision", "prosecution_decided_on", "jurisdiction"],
                         name="proc_sus_scope_prosecution_j"),
        ]
        verbose_name = _("犯罪嫌疑人")
        verbose_name_plural = _("犯罪嫌疑人")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return self.id_number_masked or (mask_id_number(self.id_number) if self.id_number else "")


class ServiceType(models.TextChoices):
    TRAFFIC_DUTY = "traffic_duty", _("交通劝导执勤")
    ROAD_PATROL = "road_patrol", _("道路巡查")
    ELDER_CARE = "elder_care", _("敬老院服务")
    ENVIRONMENT = "environment", _("环境保护")
    OTHER = "other", _("其他公益服务")


class VolunteerPlan(models.Model):
    """拟不起诉社会志愿服务: a plan with a partner body for a suspect who pleads guilty and agrees."""

    INITIAL_STATE = "active"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    suspect = models.OneToOneField(
        Suspect, on_delete=models.PROTECT, related_name="volunteer_plan", verbose_name=_("犯罪嫌疑人")
    )
    partner = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="volunteer_plans", verbose_name=_("协作单位")
    )
    service_type = models.CharField(_("服务内容"), max_length=20, choices=ServiceType.choices)
    consent_on = models.DateField(_("自愿申请日期"))
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"))
    planned_hours = models.DecimalField(
        _("计划时长（小时）"), max_digits=6, decimal_places=1, validators=[MinValueValidator(1)]
    )
    state = models.CharField(_("状态"), max_length=20, default=INITIAL_STATE, db_index=True)
    # Copy of the case's procuratorate (set by services): the prosecutor's scope without joins.
    procuratorate = models.ForeignKey(
        "orgs.Agency", null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the suspect is not prosecuted (services, ledger import): "passed and not
    # prosecuted" is then counted from this table's own index.
    not_prosecuted = models.BooleanField(default=False, editable=False)
    # Copy of the case's jurisdiction (as on Suspect): township statistics without two joins.
    jurisdiction = models.ForeignKey(
        "orgs.Jurisdiction", null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_on = models.DateField(_("评估日期"), null=True, blank=True)
    evaluation_notes = models.TextField(_("评估意见"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_on__gte=models.F("start_on")), name="proc_plan_end_after_start"),
            models.CheckConstraint(condition=Q(planned_hours__gt=0), name="proc_plan_hours_positive"),
        ]
        indexes = [models.Index(fields=["start_on", "id"], name="proc_plan_start"),
                   models.Index(fields=["consent_on", "state", "not_prosecuted"], name="proc_plan_consent"),
                   models.Index(fields=["procuratorate", "consent_on", "state", "not_prosecuted", "jurisdiction"],
                                name="proc_plan_scope_consent_j")]
        verbose_name = _("志愿服务计划")
        verbose_name_plural = _("志愿服务计划")

    def __str__(self) -> str:
        return f"{self.suspect.name}·{self.get_service_type_display()}"


class VolunteerHours(models.Model):
    """Hours served, logged by the partner; counted once confirmed by a second person."""

    plan = models.ForeignKey(VolunteerPlan, on_delete=models.CASCADE, related_name="hours", verbose_name=_("计划"))
    served_on = models.DateField(_("服务日期"))
    hours = models.DecimalField(
        _("时长（小时）"), max_digits=4, decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(24)],
    )
    activity = models.CharField(_("服务内容"), max_length=200)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("登记人"),
    )
    logged_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "served_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=24), name="proc_hours_range"),
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=models.F("logged_by")),
                name="proc_hours_confirmed_by_other",
            ),
        ]
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")

    def __str__(self) -> str:
        return f"{self.served_on} {self.hours}h"


class Recommendation(models.Model):
    """社会治理类检察建议 to a supervising body, followed up until implemented."""

    INITIAL_STATE = "issued"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("文号"), max_length=100, unique=True)
    case = models.ForeignKey(
        MinorCase, null=True, blank=True, on_delete=models.PROTECT, related_name="recommendations",
        verbose_name=_("来源案件"),
    )
    procuratorate = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="recommendations_issued", verbose_name=_("制发检察院")
    )
    recipient = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="recommendations_received", verbose_name=_("被建议单位")
    )
    title = models.CharField(_("标题"), max_length=200)
    problems = models.TextField(_("发现的问题"))
    measures = models.TextField(_("建议采取的措施"))
    issued_on = models.DateField(_("制发日期"))
    reply_due = models.DateField(_("书面回复期限"))
    state = models.CharField(_("状态"), max_length=20, default=INITIAL_STATE, db_index=True)
    followup_step = models.PositiveSmallIntegerField(_("已跟进阶梯"), default=0)
    reply = models.TextField(_("回复内容"), blank=True)
    replied_on = models.DateField(_("回复日期"), null=True, blank=True)
    rectification_evidence = models.TextField(_("整改落实情况及证明材料"), blank=True)
    implemented_on = models.DateField(_("整改落实日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(reply_due__gte=models.F("issued_on")), name="proc_rec_due_after_issue"),
            models.CheckConstraint(
                condition=Q(replied_on__isnull=True) | Q(replied_on__gte=models.F("issued_on")),
                name="proc_rec_reply_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(implemented_on__isnull=True) | Q(implemented_on__gte=models.F("issued_on")),
                name="proc_rec_implemented_after_issue",
            ),
        ]
        indexes = [
            # The list's order; the state makes the unscoped "issued, escalated" count index-only.
            models.Index(fields=["issued_on", "id", "state"], name="proc_rec_issued_state"),
            models.Index(fields=["procuratorate", "issued_on", "state"], name="proc_rec_scope_issued"),
            models.Index(fields=["procuratorate", "replied_on"], name="proc_rec_scope_replied"),
            models.Index(fields=["procuratorate", "implemented_on"], name="proc_rec_scope_implemented"),
        ]
        verbose_name = _("检察建议")
        verbose_name_plural = _("检察建议")

    def __str__(self) -> str:
        return self.number


class FollowUp(models.Model):
    """One step of following a recommendation up: a reminder, an escalation, a visit … append-only."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("督促落实")
        ESCALATION = "escalation", _("报告上级、通报主管机关")
        VISIT = "visit", _("回访、查看")
        ENQUIRY = "enquiry", _("函询")

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="followups")
    step = models.PositiveSmallIntegerField(_("阶梯"), default=0)  # 0: a manual step outside the ladder
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("日期"))
    note = models.TextField(_("说明"), blank=True)
    notified = models.ManyToManyField("orgs.Agency", blank=True, related_name="+", verbose_name=_("通报单位"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recommendation", "on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "step"], condition=Q(step__gt=0), name="proc_followup_step_once"
            )
        ]
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")

    def __str__(self) -> str:
        return f"{self.recommendation} #{self.step} {self.get_kind_display()}"


class EarlyInvolvement(models.Model):
    """提前介入: the procuratorate guides a police investigation before the case comes to it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("侦查中")
        ARREST_REQUESTED = "arrest_requested", _("已提请批准逮捕")
        TRANSFERRED = "transferred", _("已移送审查起诉")
        WITHDRAWN = "withdrawn", _("撤案")
        OTHER = "other", _("其他")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("案件编号"), max_length=100, unique=True)
    offence = models.ForeignKey(Offence, on_delete=models.PROTECT, related_name="+", verbose_name=_("案件类别"))
    procuratorate = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("检察院"))
    police_agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("侦查机关"))
    jurisdiction = models.ForeignKey("orgs.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("案发地"))
    prosecutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("介入检察官"),
    )
    started_on = models.DateField(_("介入日期"))
    guidance = models.TextField(_("引导取证意见"))
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_on", "-pk"]
        indexes = [
            models.Index(fields=["started_on", "id"], name="proc_early_started"),
            # Equality on the scope, then grouped by offence in index order (statistics).
            models.Index(fields=["procuratorate", "offence", "started_on"], name="proc_early_scope_offence"),
            models.Index(fields=["offence", "started_on"], name="proc_early_offence_started"),
        ]
        verbose_name = _("提前介入")
        verbose_name_plural = _("提前介入")

    def __str__(self) -> str:
        return self.number


class Hearing(models.Model):
    """听证会 before a decision on a suspect; the opinion must be recorded before the decision."""

    class Decision(models.TextChoices):
        NON_PROSECUTION = "non_prosecution", _("拟不起诉")
        ARREST = "arrest", _("审查逮捕")
        OTHER = "other", _("其他")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    suspect = models.ForeignKey(Suspect, on_delete=models.PROTECT, related_name="hearings", verbose_name=_("犯罪嫌疑人"))
    decision = models.CharField(_("听证事项"), max_length=20, choices=Decision.choices)
    scheduled_at = models.DateTimeField(_("听证时间"))
    place = models.CharField(_("地点"), max_length=200)
    minutes = models.TextField(_("听证笔录"), blank=True)
    opinion = models.TextField(_("听证员意见"), blank=True)
    opinion_recorded_at = models.DateTimeField(_("意见记录时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scheduled_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opinion_recorded_at__isnull=True) | ~Q(opinion=""), name="proc_hearing_opinion_text"
            )
        ]
        verbose_name = _("听证会")
        verbose_name_plural = _("听证会")

    def __str__(self) -> str:
        return f"{self.suspect} {self.get_decision_display()}"


class HearingParticipant(models.Model):
    class Role(models.TextChoices):
        CITIZEN = "citizen", _("受邀群众听证员")
        SUPERVISOR = "supervisor", _("人民监督员")
        DEPUTY = "deputy", _("人大代表、政协委员")
        VICTIM = "victim", _("被害人")
        SUSPECT = "suspect", _("犯罪嫌疑人")
        COUNSEL = "counsel", _("辩护人")
        POLICE = "police", _("侦查人员")
        OTHER = "other", _("其他")

    hearing = models.ForeignKey(Hearing, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("身份"), max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["hearing", "role", "pk"]
        verbose_name = _("听证参加人")
        verbose_name_plural = _("听证参加人")

    def __str__(self) -> str:
        return self.name


class DailyCount(models.Model):
    """A cache of record counts, read by the statistics instead of counting every record of a
    period (see rollup.py): how many `source` records had their `kind` date on `day`, by the
    scope columns restrict() filters on and the columns the figures test. Rebuilt from the records
    by `pingan procuratorate_rollup --rebuild`; never edited by hand."""

    source = models.CharField(max_length=20)
    kind = models.CharField(max_length=30)
    day = models.DateField()
    # A month's row (day = the 1st) sums the month's day rows: a period of whole months reads
    # those, a few hundred rows for years.
    month = models.BooleanField(default=False)
    # Scope columns, named as on the records so restrict()'s condition applies to both. No
    # database constraint: this is a cache that the recount replaces, not a reference.
    procuratorate = models.ForeignKey("orgs.Agency", on_delete=models.DO_NOTHING, db_constraint=False,
                                      related_name="+")
    jurisdiction = models.ForeignKey("orgs.Jurisdiction", null=True, on_delete=models.DO_NOTHING,
                                     db_constraint=False, related_name="+")
    partner = models.ForeignKey("orgs.Agency", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                related_name="+")
    recipient = models.ForeignKey("orgs.Agency", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                  related_name="+")
    police_agency = models.ForeignKey("orgs.Agency", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                      related_name="+")
    offence = models.ForeignKey(Offence, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                related_name="+")
    # The columns the figures test (each kind groups by its own; the others keep their default).
    guilty_plea = models.BooleanField(default=False)
    not_prosecuted = models.BooleanField(default=False)
    state = models.CharField(max_length=30, blank=True)
    arrest_decision = models.CharField(max_length=20, blank=True)
    prosecution_decision = models.CharField(max_length=20, blank=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["source", "month", "day"], name="proc_dailycount_day")]

    def __str__(self) -> str:
        return f"{self.source}.{self.kind} {self.day}: {self.n}"


class DirtyDay(models.Model):
    """A day whose DailyCount rows of `source` may be stale: database triggers (migration 0009)
    mark it in the writer's own transaction on every insert, update and delete of a record, for
    each of the record's dates before and after; the worker recounts the day and clears the mark.
    Until then the statistics count that day from the records."""

    source = models.CharField(max_length=20)
    day = models.DateField()
    marks = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "day"], name="proc_dirtyday_unique")]

    def __str__(self) -> str:
        return f"{self.source} {self.day}"
