from django.contrib import admin

from pingan.core.audit import AuditEvent
from pingan.orgs.admin_mixins import RestrictedAdminMixin

from .models import HistoricalFigure


@admin.register(HistoricalFigure)
class HistoricalFigureAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    audit_event = AuditEvent.STATISTICS_FIGURE_SAVED
    list_display = ("metric", "date_from", "date_to", "jurisdiction", "value", "source")
    list_filter = ("metric",)
    search_fields = ("metric", "source")
    raw_id_fields = ("jurisdiction",)
    readonly_fields = ("created_by", "created_at")
