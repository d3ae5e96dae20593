"""The org chart: jurisdictions (区/乡镇/村/组), agencies and offices, users, roles and the
permission rows that `orgs.permissions.restrict` reads."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pingan.core.crypto import EncryptedTextField


class Jurisdiction(models.Model):
    """An administrative division. `path` is the chain of codes from the district down, ending in
    "/", so a subtree is one indexed `path__startswith` lookup."""

    class Level(models.IntegerChoices):
        DISTRICT = 1, _("区县")
        TOWNSHIP = 2, _("乡镇街道")
        VILLAGE = 3, _("村居")
        GROUP = 4, _("村民小组")

    code = models.CharField(_("区划代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    kind = models.CharField(_("类别"), max_length=20, blank=True)  # 街道/镇/民族乡/村/社区/组
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级")
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(_("现行"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    source = models.CharField(_("来源"), max_length=300, blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # path is derived data, not business flow
        self.path = self.compute_path()
        super().save(*args, **kwargs)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else ""
        return f"{prefix}{self.code}/"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.parent_id and self.parent and self.parent.level >= self.level:
            raise ValidationError({"parent": _("上级区划的层级必须高于本级。")})

    def is_within(self, other: Jurisdiction) -> bool:
        return self.path.startswith(other.path)


class Agency(models.Model):
    """An agency or office: a court, a tribunal, a 司法所, a village mediation committee …"""

    class Kind(models.TextChoices):
        COURT = "court", _("人民法院")
        TRIBUNAL = "tribunal", _("人民法庭")
        PROCURATORATE = "procuratorate", _("人民检察院")
        POLICE_BUREAU = "police_bureau", _("公安局")
        POLICE_STATION = "police_station", _("派出所")
        VILLAGE_POLICE_OFFICE = "village_police_office", _("驻村（驻矿、驻校）警务室")
        JUSTICE_BUREAU = "justice_bureau", _("司法局")
        JUSTICE_OFFICE = "justice_office", _("司法所")
        MEDIATION_CENTRE = "mediation_centre", _("人民调解中心")
        MEDIATION_COMMITTEE = "mediation_committee", _("人民调解委员会")
        PARTY_GOVERNMENT = "party_government", _("党委政府")
        GOVERNANCE_CENTRE = "governance_centre", _("综治中心")
        DEPARTMENT = "department", _("政府职能部门")
        PARTNER = "partner", _("协作单位")
        POLITICAL_LEGAL_COMMITTEE = "political_legal_committee", _("政法委")

    class Tier(models.TextChoices):
        VILLAGE = "village", _("村（居）调委会")
        TOWNSHIP = "township", _("乡镇（街道）调委会")
        ENTERPRISE = "enterprise", _("企业调委会")
        PROFESSIONAL = "professional", _("专业性、行业性调委会")

    code = models.SlugField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.CharField(_("类别"), max_length=40, choices=Kind.choices)
    tier = models.CharField(_("调委会层级"), max_length=20, choices=Tier.choices, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("所在区划")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级单位")
    )
    path = models.CharField(max_length=500, db_index=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="mediation_committee", tier__gt="") | (~Q(kind="mediation_committee") & Q(tier="")),
                name="orgs_agency_tier_only_for_committees",
            )
        ]
        verbose_name = pgettext_lazy("agency", "单位")
        verbose_name_plural = pgettext_lazy("agency", "单位")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):  # path is derived data, not business flow
        prefix = self.parent.path if self.parent_id and self.parent else ""
        self.path = f"{prefix}{self.code}/"
        super().save(*args, **kwargs)


class Role(models.Model):
    """A role is data: administrators create and edit roles and their permissions."""

    code = models.SlugField(_("编码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    home = models.CharField(_("首页"), max_length=50, blank=True)  # which home panel to show
    requires_2fa = models.BooleanField(_("必须双因素登录"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("角色")
        verbose_name_plural = _("角色")

    def __str__(self) -> str:
        return self.name


class ObjectPermission(models.Model):
    """role × object types × actions × JSON scope (netbox's ObjectPermission).

    `constraints` is null (everything) or a list of lookup dicts OR-ed together; values may be
    tokens resolved per user: $user, $agency, $agency_path, $jurisdiction, $jurisdiction_path.
    Example — a 司法所 sees its own supervisees: [{"justice_office": "$agency"}];
    a township official sees the township's disputes: [{"jurisdiction__path__startswith": "$jurisdiction_path"}].
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    roles = models.ManyToManyField(Role, related_name="permissions", blank=True, verbose_name=_("角色"))
    object_types = models.JSONField(_("对象类型"), default=list, help_text=_('如 ["orgs.agency", "disputes.dispute"]'))
    actions = models.JSONField(_("操作"), default=list, help_text=_('如 ["view", "change", "delegate"]'))
    constraints = models.JSONField(_("范围约束"), null=True, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("权限")
        verbose_name_plural = _("权限")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .permissions import validate_permission_row

        validate_permission_row(self)


class User(AbstractUser):
    """A staff member. Belongs to one agency; scope is the agency's jurisdiction unless narrowed."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    # Staff ID numbers are sensitive personal data: encrypted, looked up by keyed hash, masked in lists.
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name=pgettext_lazy("agency", "单位")
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("负责区划"),
        help_text=_("留空则为所在单位的区划"),
    )
    roles = models.ManyToManyField(Role, related_name="users", blank=True, verbose_name=_("角色"))
    language = models.CharField(_("界面语言"), max_length=10, blank=True)
    is_demo = models.BooleanField(_("演示账号"), default=False)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")  # type: ignore[assignment]
        verbose_name_plural = _("用户")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def scope_jurisdiction(self) -> Jurisdiction | None:
        if self.jurisdiction_id:
            return self.jurisdiction
        return self.agency.jurisdiction if self.agency_id and self.agency else None


class ApiToken(models.Model):
    """A bearer token for systems and devices. Only a hash is stored; `prefix` finds the row."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("授权范围"), default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notice(models.Model):
    """A reminder for an agency's staff made from an outbox event (notices.py): the topic's text
    is filled from `params` in the reader's language; `key` (event and recipient) is unique, so a
    redelivered event notifies once."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="notices",
                               verbose_name=pgettext_lazy("agency", "单位"))
    topic = models.CharField(_("事项"), max_length=80)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    read_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["agency", "read_at", "-created_at"], name="orgs_notice_unread")]
        verbose_name = _("工作提醒")
        verbose_name_plural = _("工作提醒")

    def __str__(self) -> str:
        return f"{self.topic}@{self.agency_id}"
