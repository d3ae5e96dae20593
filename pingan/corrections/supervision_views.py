"""Pages of search tasks (查找) and electronic monitoring (电子定位装置), and their part of a
person's page. Thin: forms parse, services decide (ApplicationError → the form's error, answered
422), selectors and get_for decide visibility (another office's record is a 404)."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pingan.core import punctuation
from pingan.core.errors import ApplicationError
from pingan.orgs.permissions import can, get_for, has_object_permission

from . import evaluation, monitoring, search, selectors, supervision_selectors
from .models import Device, MonitoringDecision, SearchAttempt, SearchTask, Supervisee

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OutOfContactForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("失去联系情况"), widget=forms.Textarea(attrs={"rows": 2}))


class AttemptForm(forms.Form):
    searched_at = forms.DateTimeField(label=gettext_lazy("查找时间"), widget=DATETIME,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    searchers = forms.CharField(label=gettext_lazy("查找人员"), max_length=200)
    method = forms.ChoiceField(label=gettext_lazy("查找方式"), choices=SearchAttempt.Method.choices)
    note = forms.CharField(label=gettext_lazy("查找情况"), widget=forms.Textarea(attrs={"rows": 2}))
    found = forms.BooleanField(label=gettext_lazy("已找到本人"), required=False)
    place = forms.CharField(label=gettext_lazy("找到地点"), max_length=200, required=False)


class EscalateForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("查找未果情况"), widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    ground = forms.ChoiceField(label=gettext_lazy("法定情形（社区矫正法第二十九条）"))
    ground_facts = forms.CharField(label=gettext_lazy("事由说明"), widget=forms.Textarea(attrs={"rows": 2}))
    decision_number = forms.CharField(label=gettext_lazy("决定书编号"), max_length=60)
    decided_on = forms.DateField(label=gettext_lazy("决定日期"), widget=DATE)
    approved_by_name = forms.CharField(label=gettext_lazy("批准人（区县司法局负责人）"), max_length=50)
    start_date = forms.DateField(label=gettext_lazy("起始日期"), widget=DATE, required=False)
    end_date = forms.DateField(label=gettext_lazy("届满日期（不超过三个月）"), widget=DATE)
    device = forms.TypedChoiceField(label=gettext_lazy("电子定位装置"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, supervisee: Supervisee | None = None, renewal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = list(monitoring.grounds().items())  # type: ignore[attr-defined]
        if renewal:
            del self.fields["device"]
            self.fields["start_date"].label = gettext_lazy("起始日期（默认上次届满次日）")
        else:
            self.fields["start_date"].required = True
            devices = Device.objects.filter(supervisee=supervisee) if supervisee else Device.objects.none()
            self.fields["device"].choices = [("", "—")] + [(d.pk, str(d)) for d in devices]  # type: ignore[attr-defined]


class RemoveForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("解除原因"), widget=forms.Textarea(attrs={"rows": 2}))


def _refused(form: forms.Form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- a person's page ---------------------------------------------------------------------------

def timeline(s: Supervisee, user) -> list[tuple[datetime, str, str]]:
    """Timeline rows of searches and monitoring decisions the user may see."""
    rows: list[tuple[datetime, str, str]] = []
    for t in supervision_selectors.search_list(user=user, supervisee=s):
        rows.append((t.opened_at, _("失联查找"), _("启动查找（%(why)s）") % {"why": t.get_trigger_display()}))
        for a in t.attempts.all():
            rows.append((a.searched_at, _("查找记录"), f"{a.searchers} · {a.get_method_display()}"
                         + (f" · {_('已找到')} {a.place}" if a.found else "")))
        if t.escalated_at:
            rows.append((t.escalated_at, _("失联查找"), _("未找到，已报告区县司法局和公安机关")))
    zone = timezone.get_current_timezone()
    for d in supervision_selectors.monitoring_list(user=user, supervisee=s):
        start = datetime.combine(d.start_date, datetime.min.time(), tzinfo=zone)
        rows.append((start, _("电子定位装置"), f"{d.decision_number} {d.start_date}–{d.end_date} · {d.get_state_display()}"))
        if d.removed_at:
            rows.append((d.removed_at, _("电子定位装置"), f"{d.get_state_display()} {d.removal_reason}"))
    return rows


def person_context(s: Supervisee, user) -> dict:
    return {
        "searches": supervision_selectors.search_list(user=user, supervisee=s),
        "may_open_search": s.status != Supervisee.Status.ENDED and has_object_permission(user, s, "open_search"),
        "out_of_contact_form": OutOfContactForm(),
        "decisions": supervision_selectors.monitoring_list(user=user, supervisee=s),
        "may_fit": s.status != Supervisee.Status.ENDED and has_object_permission(user, s, "fit_monitoring"),
    }


# --- search tasks ------------------------------------------------------------------------------

@login_required
@require_POST
def mark_out_of_contact(request, pk: int):
    s = selectors.supervisee_get(user=request.user, pk=pk, action="open_search")
    form = OutOfContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请说明失去联系的情况。"))
        return redirect("corrections:person", pk=pk)
    try:
        task = search.open_search(supervisee=s, by=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("corrections:person", pk=pk)
    messages.success(request, _("已启动查找，须于 %(due)s 前报告查找结果。")
                     % {"due": timezone.localtime(task.result_due).strftime("%Y-%m-%d %H:%M") if task.result_due else "—"})
    return redirect("corrections:search", pk=task.pk)


@login_required
def search_list(request):
    if not can(request.user, "view", SearchTask):
        raise PermissionDenied
    now = timezone.now()
    rows = list(supervision_selectors.search_list(user=request.user, state=request.GET.get("state") or "running")[:200])
    for t in rows:
        t.overdue = bool(t.state == "open" and t.result_due and t.result_due < now)  # type: ignore[attr-defined]
    return render(request, "corrections/searches.html", {"tasks": rows, "state": request.GET.get("state") or "running"})


@login_required
@require_http_methods(["GET", "POST"])
def search_detail(request, pk: int):
    task = supervision_selectors.search_get(user=request.user, pk=pk)
    attempt_form = AttemptForm(initial={"searched_at": timezone.localtime().replace(second=0, microsecond=0),
                                        "searchers": getattr(request.user, "full_name", "") or request.user.username})
    escalate_form = EscalateForm()
    status = 200
    if request.method == "POST":
        task = supervision_selectors.search_get(user=request.user, pk=pk, action="change")
        if request.POST.get("do") == "escalate":
            escalate_form = EscalateForm(request.POST)
            if escalate_form.is_valid():
                try:
                    search.escalate(task=task, by=request.user, note=escalate_form.cleaned_data["note"])
                except ApplicationError as exc:
                    _refused(escalate_form, exc)
                else:
                    messages.success(request, _("已报告区县司法局和公安机关。"))
                    return redirect("corrections:search", pk=pk)
        else:
            attempt_form = AttemptForm(request.POST)
            if attempt_form.is_valid():
                d = attempt_form.cleaned_data
                try:
                    search.record_attempt(task=task, by=request.user, searched_at=d["searched_at"],
                                          searchers=d["searchers"], method=d["method"], note=d["note"],
                                          found=d["found"], place=d["place"])
                except ApplicationError as exc:
                    _refused(attempt_form, exc)
                else:
                    messages.success(request, _("查找情况已记录。"))
                    return redirect("corrections:search", pk=pk)
        status = 422
    return render(request, "corrections/search_detail.html", {
        "task": task, "attempt_form": attempt_form, "escalate_form": escalate_form,
        "may_change": task.state in search.RUNNING and has_object_permission(request.user, task, "change"),
        "overdue": bool(task.state == "open" and task.result_due and task.result_due < timezone.now()),
    }, status=status)


# --- electronic monitoring ---------------------------------------------------------------------

def _decision_kwargs(d: dict) -> dict:
    return {k: d[k] for k in ("ground", "ground_facts", "decided_on", "end_date", "approved_by_name",
                              "decision_number")}


@login_required
@require_http_methods(["GET", "POST"])
def monitoring_page(request, pk: int):
    """A person's decisions, with the form to fit a device (county bureau only)."""
    s = selectors.supervisee_get(user=request.user, pk=pk)
    today = timezone.localdate()
    form = DecisionForm(request.POST or None, supervisee=s,
                        initial={"decided_on": today, "start_date": today, "end_date": monitoring.max_end(today)})
    status = 200
    if request.method == "POST":
        s = selectors.supervisee_get(user=request.user, pk=pk, action="fit_monitoring")
        if form.is_valid():
            d = form.cleaned_data
            device = Device.objects.filter(pk=d["device"], supervisee=s).first() if d.get("device") else None
            try:
                monitoring.fit_device(supervisee=s, by=request.user, start_date=d["start_date"], device=device,
                                      **_decision_kwargs(d))
            except ApplicationError as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("已登记使用电子定位装置的决定。"))
                return redirect("corrections:monitoring", pk=pk)
        status = 422
    decisions = list(supervision_selectors.monitoring_list(user=request.user, supervisee=s))
    for x in decisions:
        x.may_decide = x.state == "active" and has_object_permission(request.user, x, "approve_monitoring")  # type: ignore[attr-defined]
    return render(request, "corrections/monitoring.html", {
        "s": s, "form": form, "decisions": decisions, "grounds": monitoring.grounds(),
        "may_fit": s.status != Supervisee.Status.ENDED and has_object_permission(request.user, s, "fit_monitoring"),
        "renew_form": DecisionForm(renewal=True, initial={"decided_on": today}), "remove_form": RemoveForm(),
    }, status=status)


@login_required
@require_POST
def monitoring_act(request, pk: int, action: str):
    decision = get_for(MonitoringDecision.objects.select_related("supervisee", "device"), user=request.user, pk=pk,
                       action="approve_monitoring")
    try:
        if action == "renew":
            form = DecisionForm(request.POST, renewal=True)
            if not form.is_valid():
                raise ApplicationError(_("续用决定信息有误：%(e)s") % {"e": punctuation.join(
                    f"{form.fields[f].label if f in form.fields else ''} {m}" for f, ms in form.errors.items()
                    for m in ms)}, code="invalid")
            d = form.cleaned_data
            monitoring.renew_device(decision=decision, by=request.user, start_date=d.get("start_date"),
                                    **_decision_kwargs(d))
            messages.success(request, _("已登记续用决定。"))
        elif action == "remove":
            monitoring.remove_device(decision=decision, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("已解除电子定位装置。"))
        else:
            raise PermissionDenied
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("corrections:monitoring", pk=decision.supervisee_id)



# --- justice-office evaluation -------------------------------------------------------------------

class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("起始日期"), widget=DATE)
    until = forms.DateField(label=gettext_lazy("截止日期"), widget=DATE)


def _period(request) -> tuple[PeriodForm, tuple | None]:
    since, until = evaluation.default_period()
    form = PeriodForm(request.GET or None, initial={"since": since, "until": until})
    if not request.GET:
        return form, (since, until)
    if not form.is_valid():
        return form, None
    try:
        evaluation.check_period(form.cleaned_data["since"], form.cleaned_data["until"])
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return form, None
    return form, (form.cleaned_data["since"], form.cleaned_data["until"])


@login_required
def evaluation_page(request):
    form, period = _period(request)
    if period is None:
        evaluation.visible_offices(request.user)  # 403 before showing the form's error
        return render(request, "corrections/evaluation.html", {"form": form, "ev": None}, status=422)
    ev = evaluation.evaluation_for(user=request.user, since=period[0], until=period[1])
    return render(request, "corrections/evaluation.html", {"form": form, "ev": ev, "query": request.GET.urlencode()})


@login_required
def evaluation_xlsx(request):
    from pingan.core.audit import AuditEvent, record
    from pingan.core.spreadsheets import XLSX_CONTENT_TYPE

    form, period = _period(request)
    if period is None:
        evaluation.visible_offices(request.user)
        return HttpResponse(form.errors.as_text(), status=422, content_type="text/plain; charset=utf-8")
    ev = evaluation.evaluation_for(user=request.user, since=period[0], until=period[1])
    record(actor=request.user, event_type=AuditEvent.CORRECTIONS_CHANGED, action="evaluation_exported",
           after={"since": period[0].isoformat(), "until": period[1].isoformat(), "offices": len(ev.rows)})
    resp = HttpResponse(evaluation.workbook(ev), content_type=XLSX_CONTENT_TYPE)
    resp["Content-Disposition"] = f'attachment; filename="evaluation-{period[0]}-{period[1]}.xlsx"'
    return resp
