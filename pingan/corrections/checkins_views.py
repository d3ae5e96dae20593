"""Staff pages for face check-in and roll calls: today's board, face enrolment with consent,
starting a roll call, and recording its results. Every read goes through checkins_selectors
(restrict); every write through checkins services. No page shows a face or an encoding."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pingan.core.errors import ApplicationError
from pingan.orgs.permissions import get_for, restrict

from . import checkins, checkins_selectors
from .checkins_windows import local_zone, windows_on
from .models import Supervisee
from .models_checkins import RollCallTarget


class EnrolForm(forms.Form):
    photo = forms.FileField(label=gettext_lazy("本人正面照片"))
    consent_by = forms.CharField(label=gettext_lazy("同意人（签字人姓名）"), max_length=50)
    consent_given = forms.BooleanField(label=gettext_lazy("本人已阅读告知同意书并同意采集"), required=False)


class RollCallForm(forms.Form):
    supervisees = forms.TypedMultipleChoiceField(label=gettext_lazy("指定对象"), coerce=int, required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    sample_size = forms.IntegerField(label=gettext_lazy("或随机抽取人数"), min_value=1, required=False)
    sample_percent = forms.FloatField(label=gettext_lazy("或随机抽取比例（%）"), min_value=0.1, max_value=100,
                                      required=False)
    deadline_minutes = forms.IntegerField(label=gettext_lazy("应答时限（分钟）"), min_value=1, max_value=1440,
                                          required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=gettext_lazy("点名结果"), choices=[
        (RollCallTarget.Result.VERIFIED, RollCallTarget.Result.VERIFIED.label),
        (RollCallTarget.Result.NO_ANSWER, RollCallTarget.Result.NO_ANSWER.label),
        (RollCallTarget.Result.FACE_MISMATCH, RollCallTarget.Result.FACE_MISMATCH.label),
    ])
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)


def _refused(request, form: forms.Form, exc: ApplicationError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@login_required
def board(request):
    windows = windows_on(timezone.localtime(timezone.now(), local_zone()).date())
    return render(request, "corrections/checkins/board.html", {
        "windows": windows, "rows": checkins_selectors.office_today(user=request.user),
        "roll_calls": checkins_selectors.roll_call_list(user=request.user)[:10],
    })


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request, pk: int):
    supervisee = get_for(Supervisee.objects.select_related("justice_office"), user=request.user, pk=pk)
    versions = checkins.consent_versions()
    version = max(versions)
    form = EnrolForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            checkins.enrol_face(by=request.user, supervisee_id=supervisee.pk,
                                photo=form.cleaned_data["photo"].read(), consent_given=form.cleaned_data["consent_given"],
                                consent_by=form.cleaned_data["consent_by"], consent_version=version)
        except ApplicationError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("人脸采集完成，照片已删除，仅保存加密的人脸特征。"))
            return redirect("corrections_checkins:enrol", pk=supervisee.pk)
    return render(request, "corrections/checkins/enrol.html", {
        "supervisee": supervisee, "form": form, "consent_version": version, "consent_text": versions[version],
        "enrolments": checkins_selectors.enrolment_list(user=request.user, supervisee_id=supervisee.pk),
    })


@login_required
@require_http_methods(["GET", "POST"])
def roll_call_start(request):
    people = restrict(Supervisee.objects.filter(status=Supervisee.Status.SUPERVISING), request.user, "view")
    form = RollCallForm(request.POST or None)
    form.fields["supervisees"].choices = [(p.pk, p.name) for p in people]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            roll_call = checkins.start_roll_call(
                by=request.user, supervisee_ids=data["supervisees"] or None, sample_size=data["sample_size"],
                sample_percent=data["sample_percent"], deadline_minutes=data["deadline_minutes"], note=data["note"],
            )
        except ApplicationError as exc:
            _refused(request, form, exc)
        else:
            return redirect("corrections_checkins:roll_call", pk=roll_call.pk)
    return render(request, "corrections/checkins/roll_call_start.html", {"form": form})


@login_required
def roll_call_detail(request, pk: int):
    roll_call, targets = checkins_selectors.roll_call_get(user=request.user, pk=pk)
    return render(request, "corrections/checkins/roll_call_detail.html", {
        "roll_call": roll_call, "targets": targets, "form": ResultForm(auto_id=False),
    })


@login_required
@require_POST
def roll_call_result(request, pk: int, target: int):
    form = ResultForm(request.POST)
    if form.is_valid():
        try:
            checkins.record_roll_call_result(by=request.user, target_id=target, result=form.cleaned_data["result"],
                                             note=form.cleaned_data["note"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("点名结果已登记。"))
    else:
        messages.error(request, _("请选择点名结果。"))
    return redirect("corrections_checkins:roll_call", pk=pk)
