"""Page forms: parse and shape input only; the rules live in services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pingan.orgs.models import Agency, Jurisdiction

from .models import EarlyInvolvement, Hearing, HearingParticipant, Offence, Relation, ServiceType


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


def _police():
    return Agency.objects.filter(kind__in=[Agency.Kind.POLICE_BUREAU, Agency.Kind.POLICE_STATION], is_active=True)


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("案件编号或姓名"), required=False, max_length=100)
    offence = forms.ModelChoiceField(Offence.objects.filter(active=True), label=_("罪名"), required=False,
                                     to_field_name="code")
    date_from = forms.DateField(label=_("受理日期自"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("至"), required=False, widget=DateInput)


class CaseForm(forms.Form):
    number = forms.CharField(label=_("案件编号"), max_length=100)
    offence = forms.ModelChoiceField(Offence.objects.filter(active=True), label=_("罪名"))
    police_agency = forms.ModelChoiceField(_police(), label=_("移送（提请）机关"))
    request = forms.ChoiceField(label=_("受理类型"), choices=[("arrest", _("提请批准逮捕")),
                                                           ("prosecution", _("移送审查起诉"))])
    received_on = forms.DateField(label=_("受理日期"), widget=DateInput)
    fast_track = forms.BooleanField(label=_("速裁程序"), required=False)
    summary = forms.CharField(label=_("简要案情"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["police_agency"].queryset = _police()


class SuspectForm(forms.Form):
    name = forms.CharField(label=_("犯罪嫌疑人姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False)
    guilty_plea = forms.BooleanField(label=_("认罪认罚"), required=False)
    guilty_plea_on = forms.DateField(label=_("具结书日期"), required=False, widget=DateInput)
    first_offender = forms.BooleanField(label=_("初犯"), required=False)
    occasional = forms.BooleanField(label=_("偶犯"), required=False)
    negligent = forms.BooleanField(label=_("过失犯罪"), required=False)
    relation = forms.ChoiceField(label=_("与被害人关系"), choices=Relation.choices, initial=Relation.NONE)


SuspectFormSet = forms.formset_factory(SuspectForm, extra=1, max_num=10, min_num=1, validate_min=True)


class DecisionForm(forms.Form):
    on = forms.DateField(label=_("日期"), widget=DateInput)
    grounds = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlanForm(forms.Form):
    partner = forms.ModelChoiceField(Agency.objects.none(), label=_("协作单位"))
    service_type = forms.ChoiceField(label=_("服务内容"), choices=ServiceType.choices)
    consent_on = forms.DateField(label=_("自愿申请日期"), widget=DateInput)
    start_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    end_on = forms.DateField(label=_("结束日期"), widget=DateInput)
    planned_hours = forms.DecimalField(label=_("计划时长（小时）"), min_value=1, max_value=1000, decimal_places=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Agency.objects.filter(kind=Agency.Kind.PARTNER, is_active=True)


class HoursForm(forms.Form):
    served_on = forms.DateField(label=_("服务日期"), widget=DateInput)
    hours = forms.DecimalField(label=_("时长（小时）"), min_value=0.5, max_value=24, decimal_places=1)
    activity = forms.CharField(label=_("服务内容"), max_length=200)


class EvaluationForm(forms.Form):
    result = forms.ChoiceField(label=_("评估结果"), choices=[("passed", _("合格")), ("failed", _("不合格"))])
    evaluated_on = forms.DateField(label=_("评估日期"), widget=DateInput)
    notes = forms.CharField(label=_("评估意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HearingForm(forms.Form):
    decision = forms.ChoiceField(label=_("听证事项"), choices=Hearing.Decision.choices)
    scheduled_at = forms.DateTimeField(label=_("听证时间"), widget=DateTimeInput)
    place = forms.CharField(label=_("地点"), max_length=200)
    participants = forms.CharField(
        label=_("参加人"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一人：姓名,身份（群众听证员、人民监督员、人大代表、被害人、犯罪嫌疑人、辩护人、侦查人员）"),
    )

    def clean_participants(self):
        names = {str(label).removeprefix("受邀"): value for value, label in HearingParticipant.Role.choices}
        names.update({str(label): value for value, label in HearingParticipant.Role.choices})
        out = []
        for line in self.cleaned_data["participants"].splitlines():
            if not line.strip():
                continue
            name, _sep, role = line.replace("，", ",").partition(",")
            role = names.get(role.strip(), role.strip())
            if role not in HearingParticipant.Role.values:
                raise forms.ValidationError(_("无法识别的身份：%(r)s") % {"r": role})
            out.append({"name": name.strip(), "role": role})
        return out


class OpinionForm(forms.Form):
    minutes = forms.CharField(label=_("听证笔录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    opinion = forms.CharField(label=_("听证员意见"), widget=forms.Textarea(attrs={"rows": 2}))


class RecommendationForm(forms.Form):
    recipient = forms.ModelChoiceField(Agency.objects.none(), label=_("被建议单位"))
    title = forms.CharField(label=_("标题"), max_length=200)
    problems = forms.CharField(label=_("发现的问题"), widget=forms.Textarea(attrs={"rows": 4}))
    measures = forms.CharField(label=_("建议采取的措施"), widget=forms.Textarea(attrs={"rows": 4}))
    issued_on = forms.DateField(label=_("制发日期"), widget=DateInput)
    case_number = forms.CharField(label=_("来源案件编号"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Agency.objects.filter(
            kind__in=[Agency.Kind.DEPARTMENT, Agency.Kind.PARTY_GOVERNMENT, Agency.Kind.POLICE_BUREAU,
                      Agency.Kind.JUSTICE_BUREAU], is_active=True)


class ReplyForm(forms.Form):
    on = forms.DateField(label=_("回复日期"), widget=DateInput)
    text = forms.CharField(label=_("回复内容"), widget=forms.Textarea(attrs={"rows": 3}))


class ImplementForm(forms.Form):
    on = forms.DateField(label=_("整改落实日期"), widget=DateInput)
    text = forms.CharField(label=_("整改落实情况及证明材料"), widget=forms.Textarea(attrs={"rows": 3}))


class EarlyForm(forms.Form):
    number = forms.CharField(label=_("案件编号"), max_length=100)
    offence = forms.ModelChoiceField(Offence.objects.filter(active=True), label=_("案件类别"))
    police_agency = forms.ModelChoiceField(_police(), label=_("侦查机关"))
    started_on = forms.DateField(label=_("介入日期"), widget=DateInput)
    guidance = forms.CharField(label=_("引导取证意见"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("结果"), choices=EarlyInvolvement.Outcome.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["police_agency"].queryset = _police()


class StatisticsForm(forms.Form):
    date_from = forms.DateField(label=_("开始日期"), widget=DateInput)
    date_to = forms.DateField(label=_("结束日期"), widget=DateInput)
    jurisdiction = forms.ModelChoiceField(Jurisdiction.objects.filter(level__lte=2, is_active=True),
                                          label=_("区划"), required=False, to_field_name="code")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("台账类型"), choices=[("minor_cases", _("小案台账")),
                                                        ("early_involvements", _("提前介入台账"))])
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False, initial=True)
