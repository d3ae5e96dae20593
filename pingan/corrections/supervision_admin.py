"""Admin for search tasks and electronic monitoring decisions, through the permission choke point.
Search tasks and their records are read-only here (their workflow, deadline and notices live in
corrections.search). A monitoring decision can be added here, but only through
monitoring.fit_device: the form refuses a missing statutory ground or a period over the statutory
months with a field error, like the page and the API; renewals and removals use the person's
page or the API (they are workflow transitions)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy

from pingan.core.audit import AuditEvent
from pingan.core.errors import ApplicationError
from pingan.orgs.admin_mixins import RestrictedAdminMixin
from pingan.orgs.permissions import restrict

from . import monitoring
from .models import MonitoringDecision, SearchAttempt, SearchTask, Supervisee


class _ReadOnly(RestrictedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SearchAttemptInline(admin.TabularInline):
    model = SearchAttempt
    extra = 0
    can_delete = False
    fields = ("searched_at", "searchers", "method", "found", "place", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SearchTask)
class SearchTaskAdmin(_ReadOnly):
    list_display = ("supervisee", "justice_office", "trigger", "state", "opened_at", "result_due", "escalated_at",
                    "found_at")
    list_filter = ("state", "trigger")
    list_select_related = ("supervisee", "justice_office")
    inlines = [SearchAttemptInline]


class DecisionAdminForm(forms.ModelForm):
    ground = forms.ChoiceField(label=gettext_lazy("法定情形（社区矫正法第二十九条）"))

    class Meta:
        model = MonitoringDecision
        fields = ("supervisee", "device", "ground", "ground_facts", "decision_number", "decided_on",
                  "approved_by_name", "start_date", "end_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = list(monitoring.grounds().items())

    def clean(self):
        data = super().clean()
        keys = ("ground", "ground_facts", "decision_number", "decided_on", "approved_by_name", "start_date", "end_date")
        if all(data.get(k) not in (None, "") for k in keys):
            try:
                monitoring.check_decision(**{k: data[k] for k in keys})
            except ApplicationError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(MonitoringDecision)
class MonitoringDecisionAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    audit_event = AuditEvent.CORRECTIONS_CHANGED
    form = DecisionAdminForm
    list_display = ("supervisee", "decision_number", "ground", "start_date", "end_date", "approved_by_name", "state")
    list_filter = ("state", "ground")
    list_select_related = ("supervisee",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("supervisee")
        if field is not None:
            field.queryset = restrict(Supervisee.objects.exclude(status="ended"), request.user, "fit_monitoring")
        return form

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # renew / remove are workflow transitions (page, API)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        d = form.cleaned_data
        decision = monitoring.fit_device(
            supervisee=d["supervisee"], by=request.user, device=d.get("device"), ground=d["ground"],
            ground_facts=d["ground_facts"], decided_on=d["decided_on"], start_date=d["start_date"],
            end_date=d["end_date"], approved_by_name=d["approved_by_name"], decision_number=d["decision_number"])
        obj.pk = decision.pk
        obj.refresh_from_db()

