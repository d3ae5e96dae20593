"""Procuratorate pages: thin views over selectors and services. A refused action (bad date,
decision out of order, guard, permission) is shown as a message and nothing is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pingan.core import punctuation
from pingan.core.deadlines import deadlines_for
from pingan.core.errors import ApplicationError
from pingan.core.pages import error_text, filtered_page, form_errors
from pingan.core.spreadsheets import XLSX_CONTENT_TYPE as XLSX
from pingan.orgs.models import Agency
from pingan.orgs.permissions import can, requires

from . import ledger, selectors, services
from .forms import (
    CaseFilterForm,
    CaseForm,
    DecisionForm,
    EarlyForm,
    EvaluationForm,
    HearingForm,
    HoursForm,
    ImplementForm,
    ImportForm,
    OpinionForm,
    PlanForm,
    RecommendationForm,
    ReplyForm,
    StatisticsForm,
    SuspectFormSet,
)
from .models import EarlyInvolvement, MinorCase, Recommendation, VolunteerPlan
from .workflow import PLAN, RECOMMENDATION, SUSPECT


def _attempt(request, func: Callable[[], Any], ok: str) -> bool:
    try:
        func()
    except (ValidationError, ApplicationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return False
    messages.success(request, ok)
    return True


# --- work queue -------------------------------------------------------------------------------------


@login_required
def queue(request):
    if not can(request.user, "view", MinorCase) and can(request.user, "view", VolunteerPlan):
        return redirect("procuratorate:plan_list")
    if not can(request.user, "view", MinorCase):
        raise PermissionDenied(_("无权执行此操作。"))
    items = selectors.queue(user=request.user, within_days=3)
    context = {
        "items": items,
        "unimplemented": selectors.unimplemented_recommendations(user=request.user)[:50],
        "active_plans": selectors.plan_list(user=request.user, state="active")[:50],
        "may_add": can(request.user, "add", MinorCase),
        "now": timezone.now(),
    }
    return render(request, "procuratorate/queue.html", context)


# --- cases -------------------------------------------------------------------------------------------


@login_required
@requires("view", MinorCase)
def case_list(request):
    context = filtered_page(request, CaseFilterForm(request.GET or None), lambda f: selectors.case_list(
        user=request.user, filters=selectors.CaseFilters(q=f.get("q"), offence=f["offence"].code if f.get("offence") else None,
                                                         date_from=f.get("date_from"), date_to=f.get("date_to"))))
    page = context["page"]
    if request.GET.get("export") == "xlsx" and page is not None and can(request.user, "export", MinorCase):
        response = HttpResponse(ledger.export_minor_cases(user=request.user, cases=page.paginator.object_list),
                                content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename=minor-cases.xlsx"
        return response
    context.update(may_add=can(request.user, "add", MinorCase), may_export=can(request.user, "export", MinorCase))
    return render(request, "procuratorate/case_list.html", context)


@login_required
@requires("add", MinorCase)
@require_http_methods(["GET", "POST"])
def case_create(request):
    form = CaseForm(request.POST or None, initial={"received_on": timezone.localdate()})
    suspects = SuspectFormSet(request.POST or None, prefix="s")
    if request.method == "POST" and form.is_valid() and suspects.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "request"}
        agency = request.user.agency
        data.update(procuratorate=agency, prosecutor=request.user)
        people = [f.cleaned_data for f in suspects.forms if f.cleaned_data]
        try:
            if agency is None or agency.kind != Agency.Kind.PROCURATORATE:
                raise ValidationError({"number": _("只有检察院的工作人员可以登记。")})
            case = services.create_case(data=data, suspects=people, request=form.cleaned_data["request"],
                                        by=request.user)
        except ValidationError as exc:
            for key, errs in exc.message_dict.items():
                if key.startswith("suspects."):
                    _p, idx, field = (key.split(".", 2) + [""])[:3]
                    target = suspects.forms[int(idx)] if idx.isdigit() and int(idx) < len(suspects.forms) else None
                    if target is not None and field in target.fields:
                        target.add_error(field, errs)
                        continue
                form.add_error(key if key in form.fields else None, errs)
        except (ApplicationError, PermissionDenied) as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("已登记案件。"))
            return redirect("procuratorate:case_detail", uuid=case.uuid)
    return render(request, "procuratorate/case_form.html", {"form": form, "suspects": suspects})


SUSPECT_ACTIONS = {
    "approve_arrest": ("arrest", "approved"),
    "refuse_arrest": ("arrest", "not_approved"),
    "transfer_for_prosecution": ("transfer", None),
    "prosecute": ("prosecution", "prosecute"),
    "relative_non_prosecution": ("prosecution", "relative"),
    "other_non_prosecution": ("prosecution", "other"),
}


@login_required
def case_detail(request, uuid):
    case = selectors.get_case(user=request.user, uuid=uuid)
    reveal = request.GET.get("reveal") == "1"
    rows = selectors.suspect_rows(user=request.user, case=case, reveal=reveal)
    for row in rows:
        s = row["suspect"]
        row["state_label"] = SUSPECT.label(s.state)
        row["actions"] = [a for a in SUSPECT.from_state(s.state) if a.name in SUSPECT_ACTIONS]
        row["may_decide"] = selectors.can(request.user, s, "decide")
        row["may_reveal"] = selectors.can(request.user, s, "view_sensitive")
        row["timeline"] = selectors.timeline(s)
        row["deadlines"] = deadlines_for(s)
        row["hearings"] = list(s.hearings.prefetch_related("participants"))
        row["may_plan"] = row["may_decide"] and s.guilty_plea and row["plan"] is None and s.state in (
            services.OPEN_FOR_VOLUNTEERING)
    return render(request, "procuratorate/case_detail.html", {
        "case": case, "rows": rows, "decision_form": DecisionForm(initial={"on": timezone.localdate()}),
        "plan_form": PlanForm(initial={"consent_on": timezone.localdate(), "start_on": timezone.localdate()}),
        "hearing_form": HearingForm(), "opinion_form": OpinionForm(), "now": timezone.now(),
        "reveal_any": any(r["may_reveal"] and r["masked"] for r in rows)})


@login_required
@require_POST
def suspect_action(request, uuid):
    s = selectors.get_suspect(user=request.user, uuid=uuid)
    action = request.POST.get("action", "")
    form = DecisionForm(request.POST)
    if action == "extend":
        _attempt(request, lambda: services.extend_prosecution_review(
            suspect=s, reason=request.POST.get("grounds", ""), by=request.user), _("已延长审查起诉期限。"))
    elif action not in SUSPECT_ACTIONS:
        messages.error(request, _("未知的操作。"))
    elif not form.is_valid():
        messages.error(request, _("请填写有效的日期。"))
    else:
        kind, decision = SUSPECT_ACTIONS[action]
        on, grounds = form.cleaned_data["on"], form.cleaned_data["grounds"] or ""
        if kind == "arrest":
            func = lambda: services.decide_arrest(suspect=s, decision=decision, decided_on=on, grounds=grounds,  # noqa: E731
                                                  by=request.user)
        elif kind == "transfer":
            func = lambda: services.transfer_for_prosecution(suspect=s, received_on=on, by=request.user)  # noqa: E731
        else:
            func = lambda: services.decide_prosecution(suspect=s, decision=decision, decided_on=on,  # noqa: E731
                                                       grounds=grounds, by=request.user)
        _attempt(request, func, _("已记录：%(what)s") % {"what": SUSPECT.find(action, s.state).display
                                                           if SUSPECT.find(action, s.state) else action})
    return redirect("procuratorate:case_detail", uuid=s.case.uuid)


@login_required
@require_POST
def plan_create(request, uuid):
    s = selectors.get_suspect(user=request.user, uuid=uuid)
    form = PlanForm(request.POST)
    if not form.is_valid():
        colon = punctuation.mark("：")
        messages.error(request, punctuation.join(f"{form.fields[k].label}{colon}{punctuation.join(v)}"
                                                 for k, v in form.errors.items() if k in form.fields))
    else:
        _attempt(request, lambda: services.create_volunteer_plan(suspect=s, by=request.user, **form.cleaned_data),
                 _("已制定志愿服务计划。"))
    return redirect("procuratorate:case_detail", uuid=s.case.uuid)


@login_required
@require_POST
def hearing_create(request, uuid):
    s = selectors.get_suspect(user=request.user, uuid=uuid)
    form = HearingForm(request.POST)
    if not form.is_valid():
        messages.error(request, punctuation.join(punctuation.join(v) for v in form.errors.values()))
    else:
        _attempt(request, lambda: services.schedule_hearing(suspect=s, by=request.user, **form.cleaned_data),
                 _("已安排听证会。"))
    return redirect("procuratorate:case_detail", uuid=s.case.uuid)


@login_required
@require_POST
def hearing_opinion(request, uuid):
    h = selectors.get_hearing(user=request.user, uuid=uuid)
    form = OpinionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写听证员意见。"))
    else:
        _attempt(request, lambda: services.record_hearing_opinion(hearing=h, by=request.user, **form.cleaned_data),
                 _("已记录听证意见。"))
    return redirect("procuratorate:case_detail", uuid=h.suspect.case.uuid)


# --- volunteer service -------------------------------------------------------------------------------


@login_required
@requires("view", VolunteerPlan)
def plan_list(request):
    state = request.GET.get("state") or None
    page = Paginator(selectors.plan_list(user=request.user, state=state), 50).get_page(request.GET.get("page"))
    return render(request, "procuratorate/plan_list.html", {"page": page, "states": PLAN.states, "state": state})


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request, uuid):
    plan = selectors.get_plan(user=request.user, uuid=uuid)
    form = HoursForm(request.POST or None, initial={"served_on": timezone.localdate()})
    if request.method == "POST":
        if form.is_valid():
            if _attempt(request, lambda: services.log_hours(plan=plan, by=request.user, **form.cleaned_data),
                        _("已登记服务时长。")):
                return redirect("procuratorate:plan_detail", uuid=plan.uuid)
        else:
            messages.error(request, _("请检查填写的内容。"))
    return render(request, "procuratorate/plan_detail.html", {
        "plan": plan, "state_label": PLAN.label(plan.state), "hours": plan.hours.select_related("logged_by",
                                                                                                 "confirmed_by"),
        "confirmed": selectors.confirmed_hours(plan), "form": form,
        "may_log": plan.state == "active" and selectors.can(request.user, plan, "log_hours"),
        "may_confirm": plan.state == "active" and selectors.can(request.user, plan, "confirm_hours"),
        "may_evaluate": plan.state == "active" and selectors.can(request.user, plan, "evaluate"),
        "evaluation_form": EvaluationForm(initial={"evaluated_on": timezone.localdate()}),
        "may_see_case": selectors.can(request.user, plan.suspect.case, "view"),
        "timeline": selectors.timeline(plan)})


@login_required
@require_POST
def hours_confirm(request, uuid, pk: int):
    plan = selectors.get_plan(user=request.user, uuid=uuid)
    entry = selectors.get_hours_entry(user=request.user, plan=plan, pk=pk)
    _attempt(request, lambda: services.confirm_hours(entry=entry, by=request.user), _("已确认服务时长。"))
    return redirect("procuratorate:plan_detail", uuid=plan.uuid)


@login_required
@require_POST
def plan_evaluate(request, uuid):
    plan = selectors.get_plan(user=request.user, uuid=uuid)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
    else:
        d = form.cleaned_data
        _attempt(request, lambda: services.evaluate_plan(plan=plan, passed=d["result"] == "passed",
                                                         evaluated_on=d["evaluated_on"], notes=d["notes"] or "",
                                                         by=request.user), _("已评估。"))
    return redirect("procuratorate:plan_detail", uuid=plan.uuid)


# --- recommendations ------------------------------------------------------------------------------------


@login_required
@requires("view", Recommendation)
def recommendation_list(request):
    state = request.GET.get("state") or None
    page = Paginator(selectors.recommendation_list(user=request.user, state=state), 50).get_page(
        request.GET.get("page"))
    return render(request, "procuratorate/recommendation_list.html", {
        "page": page, "states": RECOMMENDATION.states, "state": state,
        "may_add": can(request.user, "add", Recommendation), "today": timezone.localdate()})


@login_required
@requires("add", Recommendation)
@require_http_methods(["GET", "POST"])
def recommendation_create(request):
    form = RecommendationForm(request.POST or None, initial={"issued_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        number = d.pop("case_number", "")
        try:
            case = None
            if number:
                case = selectors.case_list(user=request.user).filter(number=number).first()
                if case is None:
                    raise ValidationError({"case_number": _("未找到该案件：%(n)s") % {"n": number}})
            rec = services.issue_recommendation(procuratorate=request.user.agency, case=case, by=request.user, **d)
        except (ValidationError, ApplicationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已制发检察建议 %(n)s。") % {"n": rec.number})
            return redirect("procuratorate:recommendation_detail", uuid=rec.uuid)
    return render(request, "procuratorate/recommendation_form.html", {"form": form})


@login_required
def recommendation_detail(request, uuid):
    rec = selectors.get_recommendation(user=request.user, uuid=uuid)
    today = timezone.localdate()
    return render(request, "procuratorate/recommendation_detail.html", {
        "rec": rec, "state_label": RECOMMENDATION.label(rec.state),
        "followups": rec.followups.prefetch_related("notified").select_related("by"),
        "timeline": selectors.timeline(rec), "may_change": selectors.can(request.user, rec, "change"),
        "reply_form": ReplyForm(initial={"on": today}), "implement_form": ImplementForm(initial={"on": today}),
        "overdue": rec.state != "implemented" and rec.reply_due < today,
        "has_documents": _documents_available()})


@login_required
@require_POST
def recommendation_action(request, uuid, action: str):
    rec = selectors.get_recommendation(user=request.user, uuid=uuid)
    if action == "reply":
        form = ReplyForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            _attempt(request, lambda: services.record_reply(rec=rec, replied_on=d["on"], reply=d["text"],
                                                            by=request.user), _("已登记回复。"))
        else:
            messages.error(request, _("请检查填写的内容。"))
    elif action == "implement":
        iform = ImplementForm(request.POST)
        if iform.is_valid():
            d = iform.cleaned_data
            _attempt(request, lambda: services.record_implementation(rec=rec, implemented_on=d["on"],
                                                                     evidence=d["text"], by=request.user),
                     _("已确认整改落实。"))
        else:
            messages.error(request, _("请检查填写的内容。"))
    elif action == "followups" and request.user.is_superuser:
        # Administrators may run the follow-up scan now instead of waiting for the worker.
        services.run_followups(on=timezone.localdate())
    else:
        messages.error(request, _("未知的操作。"))
    return redirect("procuratorate:recommendation_detail", uuid=rec.uuid)


def _documents_available() -> bool:
    from . import documents

    return documents.available()


@login_required
def recommendation_document(request, uuid, fmt: str):
    from . import documents

    rec = selectors.get_recommendation(user=request.user, uuid=uuid)
    if fmt not in ("docx", "pdf"):
        raise Http404(_("不支持的格式。"))
    try:
        data, content_type, name = documents.recommendation_document(rec=rec, fmt=fmt, by=request.user)
    except ApplicationError as exc:  # e.g. LibreOffice missing: say so on the page
        messages.error(request, exc.message)
        return redirect("procuratorate:recommendation_detail", uuid=rec.uuid)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename={name}"
    return response


# --- early involvement, statistics, import -----------------------------------------------------------------


@login_required
@requires("view", EarlyInvolvement)
@require_http_methods(["GET", "POST"])
def early_list(request):
    form = EarlyForm(request.POST or None, initial={"started_on": timezone.localdate()})
    may_add = can(request.user, "add", EarlyInvolvement)
    if request.method == "POST" and may_add and form.is_valid():
        data = {**form.cleaned_data, "procuratorate": request.user.agency, "prosecutor": request.user}
        try:
            services.record_early_involvement(data=data, by=request.user)
        except (ValidationError, ApplicationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已登记提前介入。"))
            return redirect("procuratorate:early_list")
    page = Paginator(selectors.early_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "procuratorate/early_list.html", {"page": page, "form": form, "may_add": may_add})


@login_required
@requires("view", MinorCase)
def statistics(request):
    today = timezone.localdate()
    form = StatisticsForm(request.GET or None, initial={"date_from": dt.date(today.year, 1, 1), "date_to": today})
    stats = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            stats = selectors.statistics(user=request.user, date_from=d["date_from"], date_to=d["date_to"],
                                         jurisdiction=d["jurisdiction"].code if d["jurisdiction"] else None)
        except ValidationError as exc:
            form_errors(form, exc)
    elif not request.GET:
        stats = selectors.statistics(user=request.user, date_from=dt.date(today.year, 1, 1), date_to=today)
    return render(request, "procuratorate/statistics.html", {"form": form, "stats": stats})


@login_required
@requires("import", MinorCase)
@require_http_methods(["GET", "POST"])
def ledger_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = ledger.import_file(data=upload, filename=upload.name, kind=form.cleaned_data["kind"],
                                        by=request.user, dry_run=form.cleaned_data["dry_run"])
        except ValidationError as exc:
            form_errors(form, exc)
    return render(request, "procuratorate/import.html", {"form": form, "report": report})


@login_required
@requires("import", MinorCase)
def ledger_template(request, kind: str):
    if kind not in ledger.KINDS:
        raise PermissionDenied(_("未知的台账类型。"))
    response = HttpResponse(ledger.template_workbook(kind), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename={kind}.xlsx"
    return response
