"""Admin: categories are edited here; disputes and their gradings, routings, agreements,
referrals and follow-ups are read-only (writes go through services so they are validated and
audited)."""

from __future__ import annotations

from django.contrib import admin

from pingan.orgs.permissions import restrict

from .models import (
    Agreement,
    Category,
    Dispute,
    FollowUp,
    GradingResult,
    ImportJob,
    Referral,
    Routing,
)


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


class _OfDispute(_ReadOnly):
    """Rows that belong to a dispute: visible when the dispute is (they have no permission rows
    of their own). Read-only: gradings, routings and signatures are records of what happened."""

    def get_queryset(self, request):
        disputes = restrict(Dispute.objects.all(), request.user, "view")
        return admin.ModelAdmin.get_queryset(self, request).filter(dispute__in=disputes)


@admin.register(GradingResult)
class GradingResultAdmin(_OfDispute):
    list_display = ("created_at", "dispute", "kind", "grade", "rules_grade", "ruleset_version", "by")
    list_filter = ("kind", "grade")
    list_select_related = ("dispute", "by")


@admin.register(Routing)
class RoutingAdmin(_OfDispute):
    list_display = ("routed_at", "dispute", "kind", "tier", "lead_agency", "status", "accept_due")
    list_filter = ("kind", "tier", "status")
    list_select_related = ("dispute", "lead_agency")


@admin.register(Agreement)
class AgreementAdmin(_OfDispute):
    list_display = ("number", "dispute", "agreed_on", "committee", "effective_at")
    list_select_related = ("dispute", "committee")


@admin.register(Referral)
class ReferralAdmin(_OfDispute):
    list_display = ("letter_number", "dispute", "recipient", "sent_at", "replied_at", "reminded_at")
    list_select_related = ("dispute", "recipient")


@admin.register(FollowUp)
class FollowUpAdmin(_OfDispute):
    list_display = ("due_on", "dispute", "method", "satisfaction", "flared_up", "done_at")
    list_filter = ("satisfaction", "flared_up")
    list_select_related = ("dispute",)
