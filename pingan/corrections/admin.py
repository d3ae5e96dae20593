"""Admin for corrections, through the same permission choke point. ID numbers are never shown
unmasked here (the audited API view is the only way), and people are registered through the
service (which validates and indexes the ID number), so the admin cannot add them."""

from __future__ import annotations

from django.contrib import admin

from pingan.core.audit import AuditEvent
from pingan.orgs.admin_mixins import RestrictedAdminMixin

from .models import (
    Alert,
    Device,
    GeofenceBreach,
    Leave,
    PermittedArea,
    Sanction,
    Supervisee,
    TravelRecord,
)


@admin.register(Supervisee)
class SuperviseeAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    audit_event = AuditEvent.CORRECTIONS_CHANGED
    list_display = ("name", "masked_id_number", "sentence_type", "level", "status", "justice_office")
    list_filter = ("status", "level", "sentence_type")
    search_fields = ("name",)
    exclude = ("id_number", "id_number_hash")
    # reported_at starts the silence of a person who never sent a fix (SuperviseeLastSeen.silent_since)
    readonly_fields = ("masked_id_number", "status", "end_reason", "ended_at", "reported_at")
    list_select_related = ("justice_office",)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    audit_event = AuditEvent.CORRECTIONS_CHANGED
    list_display = ("identifier", "kind", "supervisee", "active", "rate_limit_per_minute")
    list_filter = ("kind", "active")
    exclude = ("token_hash",)
    list_select_related = ("supervisee",)

    def has_add_permission(self, request) -> bool:
        return False  # services.add_device issues the token


@admin.register(PermittedArea)
class PermittedAreaAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    audit_event = AuditEvent.CORRECTIONS_CHANGED
    list_display = ("name", "kind", "supervisee", "valid_from", "valid_to", "active")
    list_filter = ("kind", "active")


@admin.register(GeofenceBreach)
class GeofenceBreachAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ("supervisee", "kind", "started_at", "detected_at", "ended_at")
    list_filter = ("kind",)
    list_select_related = ("supervisee",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # append-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnly(RestrictedAdminMixin, admin.ModelAdmin):
    """Alerts, sanctions, leave and travel records change only through their services and
    workflows (deadlines, documents, audit); the admin lists them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(_ReadOnly):
    list_display = ("supervisee", "kind", "severity", "source", "state", "occurred_at", "verify_due", "escalated_at")
    list_filter = ("kind", "state", "source", "severity")
    list_select_related = ("supervisee",)


@admin.register(Sanction)
class SanctionAdmin(_ReadOnly):
    list_display = ("supervisee", "kind", "state", "found_by_system", "decided_on", "document_number")
    list_filter = ("kind", "state", "found_by_system")
    list_select_related = ("supervisee",)


@admin.register(Leave)
class LeaveAdmin(_ReadOnly):
    list_display = ("supervisee", "destination", "start_date", "end_date", "approver", "state")
    list_filter = ("state", "approver")
    list_select_related = ("supervisee",)


@admin.register(TravelRecord)
class TravelRecordAdmin(_ReadOnly):
    list_display = ("record_id", "kind", "masked_id_number", "supervisee", "occurred_at", "place", "outside")
    list_filter = ("kind", "outside")
    exclude = ("id_number_hash",)
    list_select_related = ("supervisee",)
from . import supervision_admin  # noqa: E402,F401  (search tasks, electronic monitoring)
