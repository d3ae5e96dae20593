"""Admin for the org chart. Every list goes through restrict() (RestrictedAdminMixin), so a
scoped administrator sees only their part of the tree; a superuser sees all."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pingan.core.audit import AuditEvent
from pingan.core.crypto import blind_index
from pingan.core.idnumber import mask_id_number, normalize_id_number, validate_id_number

from .admin_mixins import RestrictedAdminMixin, RestrictedInlineMixin
from .api_auth import SCOPES
from .models import Agency, ApiToken, Jurisdiction, ObjectPermission, Role, User
from .services import check_jurisdiction_code
from .services_tokens import create_token, revoke_token


class JurisdictionForm(forms.ModelForm):
    class Meta:
        model = Jurisdiction
        fields = ["code", "name", "parent", "level", "kind", "is_active", "is_demo", "source"]

    def clean(self):
        data = super().clean()
        parent, level, code = data.get("parent"), data.get("level"), data.get("code")
        if parent is not None and level is not None and level != parent.level + 1:
            self.add_error("level", _("层级须比上级区划低一级。"))
        elif parent is not None and code and level in (Jurisdiction.Level.VILLAGE, Jurisdiction.Level.GROUP):
            for message in check_jurisdiction_code(code, parent, level):
                self.add_error("code", message)
        return data


@admin.register(Jurisdiction)
class JurisdictionAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    form = JurisdictionForm
    audit_event = AuditEvent.JURISDICTION_CHANGED
    list_display = ["tree_name", "code", "level", "kind", "is_active", "is_demo"]
    list_filter = ["level", "kind", "is_active", "is_demo"]
    search_fields = ["code", "name"]
    ordering = ["path"]
    readonly_fields = ["path"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    list_per_page = 100

    @admin.display(description=_("名称"), ordering="path")
    def tree_name(self, obj: Jurisdiction) -> str:
        # Indent by level so the sorted-by-path list reads as a tree.
        return "\u3000" * (obj.level - 1) + obj.name


@admin.register(Agency)
class AgencyAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    audit_event = AuditEvent.ORG_CHANGED
    list_display = ["name", "code", "kind", "tier", "jurisdiction", "parent", "is_active", "is_demo"]
    list_filter = ["kind", "tier", "is_active", "is_demo"]
    search_fields = ["code", "name", "short_name"]
    list_select_related = ["jurisdiction", "parent"]
    autocomplete_fields = ["jurisdiction", "parent"]
    readonly_fields = ["path"]
    ordering = ["path"]


class RolePermissionInline(RestrictedInlineMixin, admin.TabularInline):
    model = ObjectPermission.roles.through
    permission_model = ObjectPermission
    extra = 0
    verbose_name = _("权限")
    verbose_name_plural = _("权限")
    autocomplete_fields = ["objectpermission"]


@admin.register(Role)
class RoleAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    audit_event = AuditEvent.ROLE_CHANGED
    list_display = ["name", "code", "name_en", "home", "requires_2fa"]
    search_fields = ["code", "name", "name_en"]
    inlines = [RolePermissionInline]


class ObjectPermissionForm(forms.ModelForm):
    class Meta:
        model = ObjectPermission
        fields = ["name", "description", "roles", "object_types", "actions", "constraints", "enabled"]

    # ModelForm.full_clean → model.clean → validate_permission_row: a malformed row never saves.


@admin.register(ObjectPermission)
class ObjectPermissionAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    form = ObjectPermissionForm
    audit_event = AuditEvent.PERMISSION_CHANGED
    list_display = ["name", "description", "types", "action_list", "enabled"]
    list_filter = ["enabled", "roles"]
    search_fields = ["name", "description"]
    filter_horizontal = ["roles"]

    @admin.display(description=_("对象类型"))
    def types(self, obj: ObjectPermission) -> str:
        return ", ".join(obj.object_types or [])

    @admin.display(description=_("操作"))
    def action_list(self, obj: ObjectPermission) -> str:
        return ", ".join(obj.actions or [])


class IdNumberFormMixin(forms.ModelForm):
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=20)

    def clean_id_number(self) -> str:
        number = normalize_id_number(self.cleaned_data.get("id_number", ""))
        if number:
            validate_id_number(number)
            clash = User.objects.filter(id_number_hash=blind_index(number))
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise ValidationError(_("该身份证号码已被其他用户使用。"))
        return number


class UserChangeForm(IdNumberFormMixin, DjangoUserChangeForm):
    class Meta(DjangoUserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(RestrictedAdminMixin, DjangoUserAdmin):
    audit_event = AuditEvent.USER_CHANGED
    form = UserChangeForm
    list_display = ["username", "full_name", "agency", "role_names", "masked_id_number", "is_active", "is_demo"]
    list_filter = ["is_active", "is_staff", "is_demo", "roles"]
    search_fields = ["username", "full_name", "phone", "email"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency", "jurisdiction"]
    filter_horizontal = ["roles"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "phone", "email", "id_number")}),
        (_("单位与角色"), {"fields": ("agency", "jurisdiction", "roles", "language")}),
        (_("状态"), {"fields": ("is_active", "is_staff", "is_superuser", "is_demo", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("单位与角色"), {"fields": ("full_name", "agency", "roles")}),
    )
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_superuser")  # only a superuser makes another
        return fields

    @admin.display(description=_("角色"))
    def role_names(self, obj: User) -> str:
        return "、".join(r.name for r in obj.roles.all())

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj: User) -> str:
        return mask_id_number(obj.id_number or "")

    def save_model(self, request, obj, form, change) -> None:
        if "id_number" in form.cleaned_data:
            obj.id_number_hash = blind_index(obj.id_number) if obj.id_number else ""
        super().save_model(request, obj, form, change)

    def _audit(self, request, obj, action, after=None):
        # Admin adds are USER_CREATED, like services.create_user.
        if action == "admin_add":
            from pingan.core.audit import record

            record(actor=request.user, event_type=AuditEvent.USER_CREATED, action=action, obj=obj, after=after)
            return
        super()._audit(request, obj, action, after)


class ApiTokenAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("授权范围"), choices=list(SCOPES.items()),
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Only the hash is stored: the key is shown once, in the message after creation."""

    list_display = ["name", "prefix", "user", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "name", "prefix", "key_hash", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "scopes", "expires_at"]
        return self.get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a token is never edited: revoke it and create another

    def save_model(self, request, obj, form, change) -> None:
        # create_token writes the TOKEN_CREATED audit entry itself.
        row, key = create_token(user=form.cleaned_data["user"], name=form.cleaned_data["name"],
                                scopes=list(form.cleaned_data["scopes"]),
                                expires_at=form.cleaned_data.get("expires_at"), by=request.user)
        obj.pk, obj.prefix, obj.key_hash, obj.created_at = row.pk, row.prefix, row.key_hash, row.created_at
        obj._state.adding = False
        messages.warning(request, _("令牌已创建，请立即复制，此后不再显示：%(key)s") % {"key": key})

    @admin.action(description=_("吊销所选令牌"), permissions=["delete"])
    def revoke(self, request, queryset) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_token(token=token, by=request.user, reason="admin")
        messages.success(request, _("已吊销。"))
