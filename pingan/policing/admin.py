"""Admin for policing, through the same permission choke point as the pages and the API
(RestrictedAdminMixin: lists restricted to the user's scope, has_*_permission from our permission
rows, admin saves audited).

Records are created by the services (which validate, grade, run the seven-step workflow and
write the audit log), so the admin adds nothing and deletes nothing. Households and assignments
may be corrected here (address, phone, visit interval, end date); visits, hazards, pushes, risk
persons, reviews and overdue flags are read-only. Personal data is shown masked: names, phones and
ID numbers in clear are only on the audited detail pages."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from pingan.core.audit import AuditEvent
from pingan.orgs.admin_mixins import RestrictedAdminMixin

from .models import (
    Assignment,
    CommitteeRole,
    Hazard,
    Household,
    OverdueFlag,
    Push,
    RiskPerson,
    RiskReview,
    Visit,
)


class _Policing(RestrictedAdminMixin, admin.ModelAdmin):
    audit_event = AuditEvent.POLICING_CHANGED

    def has_add_permission(self, request, *args) -> bool:
        return False  # services create records (validation, grading, audit)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # records are evidence of work done; end or correct them instead


class _ReadOnly(_Policing):
    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(_Policing):
    list_display = ("address", "masked_head_name", "masked_phone", "jurisdiction", "external_ref")
    list_select_related = ("jurisdiction",)
    search_fields = ("address", "external_ref")
    fields = ("jurisdiction", "address", "masked_head_name", "masked_phone", "phone", "external_ref")
    readonly_fields = ("jurisdiction", "masked_head_name", "masked_phone")

    @admin.display(description=_("户主"))
    def masked_head_name(self, obj: Household) -> str:
        return obj.masked_head_name

    @admin.display(description=_("联系电话（脱敏）"))
    def masked_phone(self, obj: Household) -> str:
        return obj.masked_phone


@admin.register(Assignment)
class AssignmentAdmin(_Policing):
    list_display = ("officer", "agency", "jurisdiction", "household", "interval_days", "starts_on", "ends_on")
    list_select_related = ("officer", "agency", "jurisdiction", "household")
    list_filter = ("ends_on",)
    fields = ("officer", "agency", "jurisdiction", "household", "interval_days", "starts_on", "ends_on", "note")
    readonly_fields = ("officer", "agency", "jurisdiction", "household", "starts_on")


@admin.register(CommitteeRole)
class CommitteeRoleAdmin(_ReadOnly):
    list_display = ("user", "committee", "title", "starts_on", "ends_on")
    list_select_related = ("user", "committee")


@admin.register(Visit)
class VisitAdmin(_ReadOnly):
    list_display = ("visited_at", "officer", "jurisdiction", "people_met")
    list_select_related = ("officer", "jurisdiction")
    date_hierarchy = "visited_at"
    exclude = ("household",)  # the household's head is personal data; shown masked on the pages
    show_full_result_count = False  # no second COUNT over the whole table for every page


@admin.register(Hazard)
class HazardAdmin(_ReadOnly):
    list_display = ("found_at", "title", "jurisdiction", "grade", "state", "outcome")
    list_filter = ("state", "grade", "outcome", "category")
    list_select_related = ("jurisdiction",)
    date_hierarchy = "found_at"
    exclude = ("contact_name", "contact_phone", "household", "visit")
    readonly_fields = ("masked_contact_name",)
    show_full_result_count = False

    @admin.display(description=_("当事人"))
    def masked_contact_name(self, obj: Hazard) -> str:
        return obj.masked_contact_name


@admin.register(Push)
class PushAdmin(_ReadOnly):
    list_display = ("sent_at", "channel", "target_name", "jurisdiction", "replied_at", "closed_at")
    list_filter = ("channel",)
    list_select_related = ("jurisdiction",)
    exclude = ("hazard", "dispute", "referral")
    show_full_result_count = False


@admin.register(RiskPerson)
class RiskPersonAdmin(_ReadOnly):
    list_display = ("masked_name", "jurisdiction", "risk_level", "next_review_on", "is_active")
    list_filter = ("risk_level", "is_active")
    list_select_related = ("jurisdiction",)
    fields = ("masked_name", "masked_id_number", "jurisdiction", "agency", "officer", "risk_level", "reason",
              "next_review_on", "last_reviewed_at", "is_active")
    readonly_fields = ("masked_name", "masked_id_number")

    @admin.display(description=_("姓名"))
    def masked_name(self, obj: RiskPerson) -> str:
        return obj.masked_name

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj: RiskPerson) -> str:
        return obj.masked_id_number


@admin.register(RiskReview)
class RiskReviewAdmin(_ReadOnly):
    list_display = ("reviewed_at", "risk_person", "risk_level", "next_review_on", "by")
    list_select_related = ("risk_person", "by")
    exclude = ("risk_person",)

    def get_queryset(self, request):
        # Reviews follow the person's scope (a review row has no unit or place of its own).
        from pingan.orgs.permissions import restrict

        people = restrict(RiskPerson.objects.all(), request.user, "view")
        return admin.ModelAdmin.get_queryset(self, request).filter(risk_person__in=people.values("pk"))

    def has_view_permission(self, request, obj=None) -> bool:
        from pingan.orgs.permissions import can, has_object_permission

        if obj is None:
            return can(request.user, "view", RiskPerson)
        return has_object_permission(request.user, obj.risk_person, "view")

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)


@admin.register(OverdueFlag)
class OverdueFlagAdmin(_ReadOnly):
    list_display = ("kind", "due_on", "jurisdiction", "flagged_at", "cleared_at")
    list_filter = ("kind",)
    list_select_related = ("jurisdiction",)
    exclude = ("household", "risk_person")
