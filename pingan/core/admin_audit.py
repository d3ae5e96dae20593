"""Admin for the audit log: a read-only list with filters, only for users allowed to view
core.auditentry through the permission choke point (orgs.permissions.restrict)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .audit import AuditEvent
from .models import AuditEntry


class EventTypeFilter(admin.SimpleListFilter):
    title = _("事件类型")
    parameter_name = "event_type"

    def lookups(self, request, model_admin):
        return [(str(e.value), e.name) for e in AuditEvent]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(event_type=int(value)) if value and value.isdigit() else queryset


class ObjectTypeFilter(admin.SimpleListFilter):
    title = _("对象类型")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        types = model_admin.get_queryset(request).order_by().values_list("object_type", flat=True)
        return [(t, t) for t in sorted(set(types)) if t]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor_repr", "event_type", "action", "object_type", "object_id", "ip"]
    list_filter = [EventTypeFilter, ("actor", admin.RelatedOnlyFieldListFilter), ObjectTypeFilter, "at"]
    search_fields = ["actor_repr", "=actor__username", "object_id", "object_repr", "request_id"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    ordering = ["-seq"]
    show_full_result_count = False  # a count(*) over a long log on every page load is wasted work

    def get_queryset(self, request):
        from pingan.orgs.permissions import restrict

        return restrict(super().get_queryset(request), request.user, "view")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_view_permission(self, request, obj=None):
        from pingan.orgs.permissions import can

        return can(request.user, "view", AuditEntry)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
