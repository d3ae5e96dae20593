"""Forms for the work on a dispute (grading override, routing answers, sessions, outcomes,
agreements, referrals, follow-ups). They only shape input; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.orgs.models import Agency

from .models import FollowUp, Grade, MediationNote, MediationSession, Outcome, Signature

# HTML date inputs only accept ISO dates; the zh-hans input format (2026/11/25) would show blank.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})


class StateForm(forms.Form):
    """Every action form carries the state the user saw: if someone else moved the dispute in
    the meantime, the action is refused with a 409 instead of acting on a stale page."""

    seen_state = forms.CharField(widget=forms.HiddenInput)


class OverrideForm(StateForm):
    grade = forms.ChoiceField(label=_("调整为"), choices=Grade.choices)
    reason = forms.CharField(label=_("调整理由"), widget=TEXT)


class RouteForm(StateForm):
    tier = forms.ChoiceField(label=_("分流层级"), required=False,
                             choices=[("", _("按风险等级"))] + list(Grade.choices))
    reason = forms.CharField(label=_("说明"), required=False, widget=TEXT)


class ReasonForm(StateForm):
    reason = forms.CharField(label=_("理由"), widget=TEXT)


class OptionalReasonForm(StateForm):
    reason = forms.CharField(label=_("说明"), required=False, widget=TEXT)


class TierChangeForm(StateForm):
    to_tier = forms.ChoiceField(label=_("目标层级"), required=False,
                                choices=[("", _("上一层级"))] + list(Grade.choices))
    reason = forms.CharField(label=_("理由"), widget=TEXT)


class SessionForm(StateForm):
    held_at = forms.DateTimeField(label=_("调解时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    mode = forms.ChoiceField(label=_("方式"), choices=MediationSession.Mode.choices)
    place = forms.CharField(label=_("地点"), required=False, max_length=200)
    attendees = forms.CharField(label=_("参加人员"), widget=TEXT)
    minutes = forms.CharField(label=_("调解笔录"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def service_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("held_at", "mode", "place", "attendees", "minutes")}


class NoteForm(StateForm):
    kind = forms.ChoiceField(label=_("类型"), choices=MediationNote.Kind.choices)
    text = forms.CharField(label=_("内容"), widget=TEXT)


class AgreementForm(StateForm):
    agreed_on = forms.DateField(label=_("协议日期"), widget=DATE)
    facts = forms.CharField(label=_("纠纷主要事实"), widget=TEXT)
    disputed_matters = forms.CharField(label=_("争议事项"), widget=TEXT)
    responsibility = forms.CharField(label=_("各方责任"), widget=TEXT)
    terms = forms.CharField(label=_("协议内容"), widget=forms.Textarea(attrs={"rows": 5}))
    performance_method = forms.CharField(label=_("履行方式"), max_length=300)
    performance_deadline = forms.DateField(label=_("履行期限"), widget=DATE)
    copies = forms.IntegerField(label=_("份数"), min_value=2, max_value=20, initial=3)

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "seen_state"}


class SignForm(forms.Form):
    role = forms.ChoiceField(label=_("签署方"), choices=Signature.Role.choices)
    party = forms.IntegerField(label=_("当事人"), required=False, widget=forms.HiddenInput)


class OutcomeForm(StateForm):
    kind = forms.ChoiceField(label=_("结果"), choices=[
        (k, v) for k, v in Outcome.Kind.choices if k in ("oral_agreement", "performed", "reconciled", "withdrawn")
    ])
    decided_on = forms.DateField(label=_("日期"), widget=DATE, initial=timezone.localdate)
    content = forms.CharField(label=_("口头协议内容（口头协议必填）"), required=False, widget=TEXT)
    reason = forms.CharField(label=_("说明"), required=False, widget=TEXT)


class FailForm(StateForm):
    reason = forms.CharField(label=_("调解不成的原因"), widget=TEXT)
    undisputed_facts = forms.CharField(label=_("无争议事实"), required=False, widget=TEXT)


class ReferForm(StateForm):
    recipient = forms.ModelChoiceField(label=_("接收单位"), queryset=Agency.objects.none())
    request = forms.CharField(label=_("转办事项"), widget=TEXT)
    contact = forms.CharField(label=_("联系人"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = Agency.objects.filter(is_active=True).order_by("path")


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("回复内容"), widget=TEXT)


class FollowUpForm(StateForm):
    method = forms.ChoiceField(label=_("回访方式"), choices=FollowUp.Method.choices)
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=FollowUp.Satisfaction.choices,
                                     widget=forms.RadioSelect)
    notes = forms.CharField(label=_("回访情况"), required=False, widget=TEXT)
    flared_up = forms.BooleanField(label=_("纠纷反弹，重新启动"), required=False)
