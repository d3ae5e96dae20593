"""Admin for core: rule sets (saving adds a version), transitions and outbox (read-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ApplicationError
from .models import OutboxEvent, RuleSet, Transition
from .rules import ruleset_errors, save_ruleset


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = ["key", "name", "mode", "rules", "default", "valid_from", "source", "note"]

    def clean(self):
        cleaned = super().clean()
        if "rules" in cleaned and "mode" in cleaned:
            for field, msgs in ruleset_errors(
                rules=cleaned["rules"], mode=cleaned["mode"], default=cleaned.get("default")
            ).items():
                self.add_error(field, ValidationError(msgs))
        return cleaned


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    """Saving never edits a row: it adds a new version through `rules.save_ruleset`, so the
    version that produced any past evaluation stays readable."""

    form = RuleSetForm
    list_display = ["key", "version", "name", "mode", "is_active", "valid_from", "created_by", "created_at"]
    list_filter = ["key", "is_active", "mode"]
    search_fields = ["key", "name", "note"]
    readonly_fields = ["version", "is_active", "created_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "key"] if obj is not None else fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # On an edit of an old version, an untouched valid_from means "from now on".
        valid_from = obj.valid_from if (not change or "valid_from" in form.changed_data) else None
        try:
            new = save_ruleset(
                key=obj.key,
                rules=obj.rules,
                default=obj.default,
                mode=obj.mode,
                by=request.user,
                note=obj.note,
                source=obj.source,
                name=obj.name,
                valid_from=valid_from,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            raise
        # The admin redirects to and logs `obj`: point it at the new row.
        obj.pk = new.pk
        obj.version = new.version
        obj.is_active = new.is_active
        obj.valid_from = new.valid_from
        obj.created_by = new.created_by
        obj.created_at = new.created_at
        obj._state.adding = False
        messages.info(request, _("已保存为 %(key)s 第 %(v)s 版。") % {"key": new.key, "v": new.version})


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only tables: the admin may look, never touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ["at", "workflow", "object_id", "name", "from_state", "to_state", "by"]
    list_filter = ["workflow", "name"]
    search_fields = ["object_id", "reason"]
    list_select_related = ["by"]
    date_hierarchy = "at"


class OutboxStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("pending", gettext_lazy("待处理")),
            ("done", gettext_lazy("已处理")),
            ("gave_up", gettext_lazy("已放弃")),
            ("retrying", gettext_lazy("重试中")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "pending":
            return queryset.filter(processed_at__isnull=True)
        if value == "done":
            return queryset.filter(processed_at__isnull=False, last_error="")
        if value == "gave_up":
            return queryset.filter(processed_at__isnull=False).exclude(last_error="")
        if value == "retrying":
            return queryset.filter(Q(processed_at__isnull=True) & ~Q(last_error=""))
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "topic", "created_at", "available_at", "claimed_by", "processed_at", "attempts", "short_error"]
    list_filter = [OutboxStatusFilter, "topic"]
    search_fields = ["topic"]

    @admin.display(description=gettext_lazy("最近错误"))
    def short_error(self, obj: OutboxEvent) -> str:
        return obj.last_error.strip().splitlines()[-1][:120] if obj.last_error.strip() else ""
