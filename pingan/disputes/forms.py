"""Page forms. They only shape input; validation that matters (ID numbers, amounts, scope) is the
service's, and its field errors are mapped back onto these forms."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import restrict

from .models import Category, Grade, ImportJob, Party, Source


class DisputeFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("状态"), required=False)
    grade = forms.ChoiceField(label=_("风险等级"), required=False, choices=[("", _("全部"))] + list(Grade.choices))
    category = forms.ChoiceField(label=_("类别"), required=False)
    source = forms.ChoiceField(label=_("来源"), required=False, choices=[("", _("全部"))] + list(Source.choices))
    jurisdiction = forms.CharField(label=_("区划代码"), required=False, max_length=15)
    received_from = forms.DateField(label=_("受理日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    received_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .workflow import DISPUTE

        self.fields["state"].choices = [("", _("全部"))] + [(k, v) for k, v in DISPUTE.states.items()]
        self.fields["category"].choices = [("", _("全部"))] + [
            (c.code, c.label) for c in Category.objects.filter(active=True)
        ]


class CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.label


class DisputeForm(forms.Form):
    title = forms.CharField(label=_("纠纷简题"), max_length=200)
    category = CategoryField(label=_("类别"), queryset=Category.objects.filter(active=True))
    jurisdiction = forms.ModelChoiceField(label=_("发生地"), queryset=Jurisdiction.objects.none())
    received_on = forms.DateField(label=_("受理日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = forms.DecimalField(label=_("争议金额（元）"), required=False, min_value=0, max_digits=14, decimal_places=2)
    facts = forms.CharField(label=_("纠纷事实"), widget=forms.Textarea(attrs={"rows": 5}))
    latitude = forms.DecimalField(label=_("纬度"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("经度"), required=False, max_digits=9, decimal_places=6)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = restrict(
            Jurisdiction.objects.filter(is_active=True, level__gte=2), user, "view"
        ).order_by("path")
        self.fields["received_on"].initial = timezone.localdate()

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise ValidationError(_("受理日期不能晚于今天。"))
        return day

    def service_data(self) -> dict:
        c = self.cleaned_data
        return {
            "title": c["title"], "category": c["category"], "jurisdiction": c["jurisdiction"],
            "received_at": timezone.make_aware(dt.datetime.combine(c["received_on"], dt.time(0, 0))),
            "amount": c.get("amount") or 0, "facts": c["facts"],
            "latitude": c.get("latitude"), "longitude": c.get("longitude"),
        }


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("身份"), choices=Party.Role.choices, initial=Party.Role.APPLICANT)
    kind = forms.ChoiceField(label=_("类型"), choices=Party.Kind.choices, initial=Party.Kind.PERSON)
    name = forms.CharField(label=_("姓名或名称"), max_length=100)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=300, required=False)

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields}


# One required party plus two optional rows; untouched optional rows are ignored.
PartyFormSet = forms.formset_factory(PartyForm, extra=2, min_num=1, validate_min=True, max_num=20)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("台账文件（.xlsx）"))


class ImportConfirmForm(forms.Form):
    mode = forms.ChoiceField(label=_("导入方式"), choices=ImportJob.Mode.choices, widget=forms.RadioSelect,
                             initial=ImportJob.Mode.ALL_OR_NOTHING)
