"""Court pre-litigation mediation (诉前调解): a civil case filed at the court and delegated (委派)
to the mediation centre or an organisation, the mediator roster, the parties' consent, judicial
confirmation (司法确认) and series cases (系列案). The parties and facts live in the linked
disputes.Dispute; this app holds what the court adds. Every write goes through services.py."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MediatorProfile(models.Model):
    """A mediator on the court's roster (特邀调解名册)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mediator_profile", verbose_name=_("调解员")
    )
    organisation = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("所在调解组织")
    )
    specialities = models.ManyToManyField(
        "disputes.Category", blank=True, related_name="+", verbose_name=_("擅长类别")
    )
    place = models.ForeignKey(
        "orgs.Jurisdiction", on_delete=models.PROTECT, related_name="+", verbose_name=_("驻点区划")
    )
    active = models.BooleanField(_("在册"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["organisation", "user__full_name", "pk"]
        verbose_name = _("调解员名册")
        verbose_name_plural = _("调解员名册")

    def __str__(self) -> str:
        return str(self.user)


class CaseSeries(models.Model):
    """系列案: related cases (shared parties and facts) delegated, mediated and confirmed together."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("系列案名称"), max_length=200)
    court = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("法院"))
    facts = models.TextField(_("共同事实"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("系列案")
        verbose_name_plural = _("系列案")

    def __str__(self) -> str:
        return self.name


class Outcome(models.TextChoices):
    """How a delegated case ended, one explicit value per case so statistics are one query:
    succeeded = 调解书 + 司法确认 + 现场兑现/和好/撤诉; the rest returned for filing."""

    PENDING = "", _("未结")
    MEDIATION_DOCUMENT = "mediation_document", _("出具调解书")
    JUDICIAL_CONFIRMATION = "judicial_confirmation", _("司法确认")
    PERFORMED = "performed", _("现场兑现")
    RECONCILED = "reconciled", _("和好")
    WITHDRAWN = "withdrawn", _("撤诉")
    RETURNED = "returned", _("转立案")


SUCCESS_OUTCOMES = (
    Outcome.MEDIATION_DOCUMENT, Outcome.JUDICIAL_CONFIRMATION, Outcome.PERFORMED, Outcome.RECONCILED,
    Outcome.WITHDRAWN,
)


class ReturnReason(models.TextChoices):
    REFUSED = "refused", _("当事人不同意调解")
    FAILED = "failed", _("调解不成")
    TIMED_OUT = "timed_out", _("调解期限届满")
    REJECTED = "rejected", _("司法确认申请被驳回")
    OTHER = "other", _("其他")


class CourtCase(models.Model):
    """A civil or commercial case received by the filing division or a tribunal."""

    class State(models.TextChoices):
        RECEIVED = "received", _("已收案")
        CONSENT_PENDING = "consent_pending", _("征询调解意愿")
        DELEGATED = "delegated", _("已委派")
        MEDIATOR_ASSIGNED = "mediator_assigned", _("待调解员接受")
        IN_MEDIATION = "in_mediation", _("调解中")
        SUCCEEDED = "succeeded", _("调解成功")
        FAILED = "failed", _("调解不成")
        DOCUMENT_APPLIED = "document_applied", _("已申请调解书")
        DOCUMENT_ISSUED = "document_issued", _("已出具调解书")
        CONFIRMATION_APPLIED = "confirmation_applied", _("已申请司法确认")
        CONFIRMED = "confirmed", _("已确认有效")
        REJECTED = "rejected", _("驳回确认申请")
        RESOLVED = "resolved", _("已化解")
        RETURNED_FOR_FILING = "returned_for_filing", _("已转立案")

    class ChosenBy(models.TextChoices):
        PARTIES = "parties", _("当事人选定")
        COURT = "court", _("法院指定")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    court = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="court_cases", verbose_name=_("受理法院"))
    filing_division = models.CharField(_("收案部门"), max_length=100, blank=True)
    dispute = models.OneToOneField(
        "disputes.Dispute", on_delete=models.PROTECT, related_name="court_case", verbose_name=_("纠纷")
    )
    series = models.ForeignKey(
        CaseSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("系列案")
    )
    claim = models.TextField(_("诉讼请求"))
    amount = models.DecimalField(
        _("标的额（元）"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    received_on = models.DateField(_("收案日期"))
    state = models.CharField(_("状态"), max_length=30, choices=State.choices, default=State.RECEIVED, db_index=True)
    number = models.CharField(_("诉前调解案号"), max_length=60, blank=True, db_index=True)
    delegated_to = models.ForeignKey(
        "orgs.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="delegated_court_cases",
        verbose_name=_("受委派组织"),
    )
    delegated_at = models.DateTimeField(_("委派时间"), null=True, blank=True)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="court_cases",
        verbose_name=_("调解员"),
    )
    mediator_chosen_by = models.CharField(_("调解员产生方式"), max_length=10, choices=ChosenBy.choices, blank=True)
    mediator_assigned_at = models.DateTimeField(null=True, blank=True)
    mediator_accepted_at = models.DateTimeField(_("调解员接受时间"), null=True, blank=True)
    agreement_effective_on = models.DateField(_("调解协议生效日期"), null=True, blank=True)
    agreed_terms = models.TextField(_("已达成的内容"), blank=True)
    undisputed_facts = models.TextField(_("无争议事实"), blank=True)
    disputed_matters = models.TextField(_("未达成一致的事项"), blank=True)
    outcome = models.CharField(_("结果"), max_length=30, choices=Outcome.choices, blank=True, default="", db_index=True)
    outcome_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    return_reason = models.CharField(_("转立案原因"), max_length=20, choices=ReturnReason.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="court_case_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_at__isnull=False), name="court_case_outcome_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="returned") | ~Q(return_reason=""), name="court_case_return_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(mediator__isnull=True) | Q(delegated_to__isnull=False),
                name="court_case_mediator_needs_delegation",
            ),
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="court_case_number_unique"),
        ]
        # Statistics count by these dates and group by the dispute's place: `include` (PostgreSQL)
        # makes the counts index-only scans.
        indexes = [
            models.Index(fields=["court", "state"], name="court_case_court_state"),
            models.Index(fields=["received_on"], include=["dispute"], name="court_case_received_on"),
            models.Index(fields=["delegated_at"], include=["dispute"], name="court_case_delegated_at"),
            models.Index(fields=["outcome_at"], include=["outcome", "return_reason", "dispute"],
                         name="court_case_outcome_at"),
        ]
        verbose_name = _("诉前调解案件")
        verbose_name_plural = _("诉前调解案件")

    def __str__(self) -> str:
        return self.number or f"{self.dispute.title}"

    @property
    def succeeded(self) -> bool:
        return self.outcome in SUCCESS_OUTCOMES


class PartyConsent(models.Model):
    """One party's answer to "do you agree to pre-litigation mediation?" (特邀调解规定 Art. 11)."""

    court_case = models.ForeignKey(CourtCase, on_delete=models.CASCADE, related_name="consents")
    party = models.ForeignKey("disputes.Party", on_delete=models.PROTECT, related_name="+", verbose_name=_("当事人"))
    consents = models.BooleanField(_("同意调解"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["court_case", "party__order", "pk"]
        constraints = [models.UniqueConstraint(fields=["court_case", "party"], name="court_consent_one_per_party")]
        verbose_name = _("调解意愿")
        verbose_name_plural = _("调解意愿")

    def __str__(self) -> str:
        return f"{self.party_id}:{'+' if self.consents else '-'}"


class Session(models.Model):
    """A mediation session; one session may serve every case of a series."""

    cases = models.ManyToManyField(CourtCase, related_name="sessions", verbose_name=_("案件"))
    held_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    online = models.BooleanField(_("在线调解"), default=False)
    attendees = models.TextField(_("参加人员"), blank=True)
    minutes = models.TextField(_("调解笔录摘要"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_at", "pk"]
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")

    def __str__(self) -> str:
        return f"{self.held_at:%Y-%m-%d %H:%M} {self.place}"


class Comment(models.Model):
    """A supervising judge's (or a colleague's) comment on a delegated case."""

    court_case = models.ForeignKey(CourtCase, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("意见"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("指导意见")
        verbose_name_plural = _("指导意见")

    def __str__(self) -> str:
        return self.text[:30]


class JudicialConfirmation(models.Model):
    """司法确认: the parties' joint application and the court's ruling (a 民特 case)."""

    class Ruling(models.TextChoices):
        PENDING = "", _("待裁定")
        CONFIRMED = "confirmed", _("确认有效")
        REJECTED = "rejected", _("驳回申请")

    court_case = models.ForeignKey(CourtCase, on_delete=models.PROTECT, related_name="confirmations")
    number = models.CharField(_("民特案号"), max_length=60, unique=True)
    applied_on = models.DateField(_("申请日期"))
    applicants = models.ManyToManyField("disputes.Party", related_name="+", verbose_name=_("申请人"))
    ruling = models.CharField(_("裁定"), max_length=10, choices=Ruling.choices, blank=True, default="")
    ruling_reason = models.TextField(_("裁定理由"), blank=True)
    ruled_on = models.DateField(_("裁定日期"), null=True, blank=True)
    ruled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-applied_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ruling="", ruled_on__isnull=True) | (~Q(ruling="") & Q(ruled_on__isnull=False)),
                name="court_confirmation_ruling_dated",
            ),
            models.CheckConstraint(
                condition=~Q(ruling="rejected") | ~Q(ruling_reason=""), name="court_confirmation_rejection_reason"
            ),
            models.UniqueConstraint(
                fields=["court_case"], condition=Q(ruling=""), name="court_confirmation_one_pending"
            ),
        ]
        verbose_name = _("司法确认")
        verbose_name_plural = _("司法确认")

    def __str__(self) -> str:
        return self.number


class MediationDocument(models.Model):
    """Application for, and issue of, a court mediation document (调解书)."""

    court_case = models.OneToOneField(CourtCase, on_delete=models.PROTECT, related_name="mediation_document")
    applied_on = models.DateField(_("申请日期"))
    issued_on = models.DateField(_("出具日期"), null=True, blank=True)
    content = models.TextField(_("调解内容"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | Q(issued_on__gte=models.F("applied_on")),
                name="court_document_issued_after_applied",
            )
        ]
        verbose_name = _("调解书")
        verbose_name_plural = _("调解书")

    def __str__(self) -> str:
        return f"{self.court_case_id}:{self.applied_on}"
