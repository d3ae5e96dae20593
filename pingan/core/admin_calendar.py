"""Admin for core: the holiday calendar (a year is entered by pasting the State Council notice in
a line format), statutory settings (every change audited) and case-number formats."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import calendar
from .errors import ApplicationError
from .models import CalendarYear, CaseNumberFormat, IssuedCaseNumber, Setting
from .settings_store import set_setting

NOTICE_HELP = gettext_lazy(
    "每行一个节日或一组调休上班日，例如：<br>"
    "元旦 2027-01-01~2027-01-03<br>"
    "春节 2027-02-06~2027-02-13<br>"
    "调休 2027-02-07, 2027-02-20<br>"
    "名称中含“调休”或“上班”的行是调休上班日；日期写作 YYYY-MM-DD，范围用 ~ 连接，多个用逗号分隔。"
)


class CalendarNoticeForm(forms.ModelForm):
    text = forms.CharField(
        label=gettext_lazy("节假日安排"), widget=forms.Textarea(attrs={"rows": 14, "cols": 60}), help_text=NOTICE_HELP
    )

    class Meta:
        model = CalendarYear
        fields = ["year", "source"]
        help_texts = {"source": gettext_lazy("如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["text"].initial = calendar.format_notice(self.instance.year)

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("text")
        year = cleaned.get("year") or self.instance.year
        if text:
            try:
                holidays, workdays = calendar.parse_notice(text)
            except ValidationError as exc:
                self.add_error("text", exc.message_dict["text"])
                return cleaned
            # The service validates again inside its transaction; checking here puts the messages
            # on the form instead of an error page.
            try:
                calendar.validate_year(year=year, holidays=holidays, workdays=workdays, source=cleaned.get("source") or "")
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    self.add_error("text" if field in ("holidays", "workdays") else field, msgs)
            cleaned["holidays"], cleaned["workdays"] = holidays, workdays
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Saving goes through `calendar.enter_year`, which audits the change and recomputes the
    deadlines that relied on the year."""

    form = CalendarNoticeForm
    list_display = ["year", "source", "holiday_count", "workday_count", "entered_by", "entered_at"]
    search_fields = ["year", "source"]
    readonly_fields = ["entered_by", "entered_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_holidays=Count("days", filter=Q(days__kind="holiday")),
            n_workdays=Count("days", filter=Q(days__kind="workday")),
        )

    @admin.display(description=gettext_lazy("节假日天数"), ordering="n_holidays")
    def holiday_count(self, obj):
        return obj.n_holidays

    @admin.display(description=gettext_lazy("调休上班天数"), ordering="n_workdays")
    def workday_count(self, obj):
        return obj.n_workdays

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "year"] if obj is not None else fields

    def has_delete_permission(self, request, obj=None):
        return False  # deadlines were computed from it; correct a year by replacing it

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            row = calendar.enter_year(
                year=obj.year,
                holidays=data["holidays"],
                workdays=data["workdays"],
                source=obj.source,
                by=request.user,
                replace=change,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = row.pk
        obj.entered_by = row.entered_by
        obj.entered_at = row.entered_at
        obj._state.adding = False
        messages.info(request, _("已保存 %(y)s 年节假日安排，相关期限已重算。") % {"y": row.year})


class SettingForm(forms.ModelForm):
    reason = forms.CharField(label=gettext_lazy("修改原因"), required=False, max_length=300)

    class Meta:
        model = Setting
        fields = ["key", "value", "description", "source"]


@admin.register(Setting)
class SettingAdmin(admin.ModelAdmin):
    form = SettingForm
    list_display = ["key", "value", "description", "source", "updated_at"]
    search_fields = ["key", "description", "source"]

    def get_readonly_fields(self, request, obj=None):
        return ["key"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # code reads these keys; a missing one is an outage

    def save_model(self, request, obj, form, change):
        try:
            row = set_setting(
                key=obj.key,
                value=obj.value,
                description=obj.description,
                source=obj.source,
                by=request.user,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            raise
        obj.pk = row.pk
        obj._state.adding = False


@admin.register(CaseNumberFormat)
class CaseNumberFormatAdmin(admin.ModelAdmin):
    list_display = ["court_code", "case_type", "name", "template", "is_active"]
    list_filter = ["court_code", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False  # issued numbers point at it; deactivate instead


@admin.register(IssuedCaseNumber)
class IssuedCaseNumberAdmin(admin.ModelAdmin):
    list_display = ["number", "format", "year", "seq", "issued_at"]
    list_filter = ["format", "year"]
    search_fields = ["number"]

    def has_add_permission(self, request):
        return False  # numbers are issued by case_numbers.issue_case_number only

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
