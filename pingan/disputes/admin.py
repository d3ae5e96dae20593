"""Admin: categories are edited here; disputes are read-only (writes go through services so
they are validated and audited)."""

from __future__ import annotations

from django.contrib import admin

from pingan.orgs.permissions import restrict

from .models import Category, Dispute, ImportJob


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "order", "active")
    list_editable = ("order", "active")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()  # imports and statistics refer to the code


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, "view")


@admin.register(Dispute)
class DisputeAdmin(_ReadOnly):
    list_display = ("received_at", "title", "category", "jurisdiction", "state", "grade", "source")
    list_filter = ("state", "grade", "source", "category")
    search_fields = ("search_text",)
    exclude = ("search_text",)
    list_select_related = ("category", "jurisdiction")


@admin.register(ImportJob)
class ImportJobAdmin(_ReadOnly):
    list_display = ("created_at", "original_name", "status", "rows_total", "rows_done", "rows_error")
