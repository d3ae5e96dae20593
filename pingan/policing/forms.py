"""Page forms: filters, the phone visit form, hazard actions. Validation of the records themselves
stays in services.py; these only parse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Grade, Hazard


class HazardFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("环节"), required=False, choices=[("", _("全部"))] + list(Hazard.State.choices))
    grade = forms.ChoiceField(label=_("风险等级"), required=False, choices=[("", _("全部"))] + list(Grade.choices))
    category = forms.ChoiceField(label=_("类别"), required=False,
                                 choices=[("", _("全部"))] + list(Hazard.Category.choices))
    jurisdiction = forms.CharField(label=_("区划代码"), required=False, max_length=15)
    date_from = forms.DateField(label=_("发现日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class PeriodForm(forms.Form):
    jurisdiction = forms.CharField(label=_("区划代码"), required=False, max_length=15)
    date_from = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class VisitForm(forms.Form):
    household = forms.ChoiceField(label=_("走访户"), required=False)
    people_met = forms.CharField(label=_("走访对象"), required=False, max_length=300)
    notes = forms.CharField(label=_("走访情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    latitude = forms.DecimalField(label=_("纬度"), required=False, max_digits=9, decimal_places=6,
                                  widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    longitude = forms.DecimalField(label=_("经度"), required=False, max_digits=9, decimal_places=6,
                                   widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    hazard_title = forms.CharField(label=_("发现隐患（简题，可不填）"), required=False, max_length=200)
    hazard_description = forms.CharField(label=_("隐患情况"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    hazard_people = forms.IntegerField(label=_("涉及人数"), required=False, min_value=0, max_value=100_000)

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [("", _("（不针对某户）"))] + [
            (str(h.uuid), f"{h.jurisdiction.name} {h.address} {h.masked_head_name}") for h in households
        ]

    def clean(self):
        data = super().clean()
        if data.get("hazard_title") and not data.get("hazard_description"):
            self.add_error("hazard_description", _("请填写隐患情况。"))
        return data


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("风险等级"), choices=Grade.choices)
    reason = forms.CharField(label=_("定级理由"), max_length=500)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("化解情况"), widget=forms.Textarea(attrs={"rows": 3}))


class LetterForm(forms.Form):
    target_name = forms.CharField(label=_("责任单位"), max_length=200)
    letter_number = forms.CharField(label=_("函件编号"), required=False, max_length=100)
    content = forms.CharField(label=_("推送内容"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ToDisputeForm(forms.Form):
    category = forms.ChoiceField(label=_("纠纷类别"))

    def __init__(self, *args, **kwargs):
        from pingan.disputes.models import Category

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.code, c.name) for c in Category.objects.filter(active=True)]


class RiskFilterForm(forms.Form):
    jurisdiction = forms.CharField(label=_("区划代码"), required=False, max_length=15)
    due = forms.BooleanField(label=_("只看应评估（含逾期）"), required=False)


class ReviewForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("评估后风险等级"), choices=[("", _("请选择"))] + list(Grade.choices),
                                   error_messages={"required": _("请选择风险等级（蓝、黄、红）。")})
    notes = forms.CharField(label=_("评估情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                            error_messages={"required": _("请填写评估情况。")})
