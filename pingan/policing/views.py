"""Policing pages: the officer's work queue, hazard and visit lists, hazard detail with the
seven-step timeline and actions, the phone visit form, statistics and ledger export. Thin views
over selectors and services; one view serves the full page and its htmx partial."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pingan.core.errors import ApplicationError
from pingan.core.pages import error_text, filtered_page, form_errors, is_partial, render_list
from pingan.orgs.permissions import can, requires
from pingan.orgs.permissions import has_object_permission as can_object

from . import ledger, selectors, services
from .forms import (
    GradeForm,
    HazardFilterForm,
    LetterForm,
    PeriodForm,
    ResolveForm,
    ReviewForm,
    RiskFilterForm,
    ToDisputeForm,
    VisitForm,
)
from .models import Hazard, RiskPerson, Visit
from .selectors_stats import policing_figures, three_tier_figures
from .workflow import HAZARD

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@requires("view", Visit)
def queue(request):
    context = selectors.officer_queue(user=request.user)
    context["coverage"] = selectors.coverage(user=request.user, officer=request.user)
    context["may_add_visit"] = can(request.user, "add", Visit)
    context["today"] = timezone.localdate()
    return render(request, "policing/queue.html", context)


@login_required
@requires("view", Hazard)
def hazard_list(request):
    context = filtered_page(request, HazardFilterForm(request.GET or None), lambda f: selectors.hazard_list(
        user=request.user, filters=selectors.HazardFilters(**f)))
    context["may_export"] = can(request.user, "export", Hazard)
    return render_list(request, "policing/hazard_list.html", context)


@login_required
def hazard_detail(request, uuid):
    hazard = selectors.get_hazard(user=request.user, uuid=uuid)
    actions = selectors.hazard_actions(user=request.user, hazard=hazard)
    may_change = any(a.allowed for a in actions)
    context: dict[str, Any] = {
        "h": hazard, "state_label": HAZARD.label(hazard.state),
        "contact": selectors.hazard_contact(user=request.user, hazard=hazard, reveal=request.GET.get("reveal") == "1"),
        "timeline": selectors.hazard_timeline(hazard),
        "actions": [a for a in actions if a.name not in ("resolve", "push")],
        "may_change": may_change,
        "resolve_form": ResolveForm(), "letter_form": LetterForm(), "dispute_form": ToDisputeForm(),
        "grade_form": GradeForm(initial={"grade": hazard.grade}),
        "pushes": hazard.pushes.all(),
    }
    return render(request, "policing/hazard_detail.html", context)


@login_required
@require_POST
def hazard_act(request, uuid):
    """One action from the detail page: a seven-step transition, resolve, letter or dispute."""
    hazard = selectors.get_hazard(user=request.user, uuid=uuid, action="change")
    act = request.POST.get("act", "")
    try:
        if act == "grade":
            form = GradeForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errs in form.errors.values() for e in errs])
            services.grade_hazard(hazard=hazard, by=request.user, **form.cleaned_data)
        elif act == "resolve":
            form = ResolveForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors.get("resolution") or _("请填写化解情况。"))
            services.resolve_hazard(hazard=hazard, by=request.user, resolution=form.cleaned_data["resolution"])
        elif act == "letter":
            form = LetterForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请填写责任单位。"))
            services.push_by_letter(by=request.user, hazard=hazard, data=form.cleaned_data)
        elif act == "dispute":
            from pingan.disputes.models import Category

            category = Category.objects.filter(code=request.POST.get("category"), active=True).first()
            if category is None:
                raise ValidationError(_("请选择纠纷类别。"))
            services.hazard_to_dispute(hazard=hazard, by=request.user, category=category)
        elif act in ("link", "control", "revisit", "publicise"):
            services.advance_hazard(hazard=hazard, name=act, by=request.user, reason=request.POST.get("reason", ""))
        else:
            raise ValidationError(_("未知的操作。"))
        messages.success(request, _("已保存。"))
    except (ValidationError, ApplicationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    return redirect("policing:hazard_detail", uuid=hazard.uuid)


@login_required
@requires("view", Visit)
def visit_list(request):
    context = filtered_page(request, PeriodForm(request.GET or None), lambda f: selectors.visit_list(
        user=request.user, filters=selectors.VisitFilters(**f)))
    context["may_export"] = can(request.user, "export", Visit)
    return render_list(request, "policing/visit_list.html", context)


@login_required
@requires("add", Visit)
@require_http_methods(["GET", "POST"])
def visit_new(request):
    """The phone form (360 px): pick a household from the officer's patch, note what was found."""
    households = list(selectors.households_of(officer=request.user).select_related("jurisdiction")[:500])
    form = VisitForm(request.POST or None, households=households)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        by_uuid = {str(h.uuid): h for h in households}
        household = by_uuid.get(d["household"]) if d["household"] else None
        place = household.jurisdiction if household else request.user.scope_jurisdiction
        hazards = []
        if d["hazard_title"]:
            hazards.append({"title": d["hazard_title"], "description": d["hazard_description"],
                            "people_involved": d["hazard_people"] or 1})
        try:
            services.record_visit(data={"household": household, "jurisdiction": place, "people_met": d["people_met"],
                                        "notes": d["notes"], "latitude": d["latitude"], "longitude": d["longitude"]},
                                  by=request.user, hazards=hazards)
        except (ValidationError, ApplicationError, PermissionDenied) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已记录走访。"))
            if is_partial(request):  # htmx would follow a redirect inside the swap; load the queue page
                return HttpResponse(status=204, headers={"HX-Redirect": reverse("policing:queue")})
            return redirect("policing:queue")
    if is_partial(request):
        return render(request, "policing/visit_form.html#form", {"form": form})
    return render(request, "policing/visit_form.html", {"form": form})


@login_required
@requires("view", RiskPerson)
def risk_list(request):
    """重点人员: masked names, next review date, overdue first (the list orders by the date)."""
    context = filtered_page(request, RiskFilterForm(request.GET or None), lambda f: selectors.risk_person_list(
        user=request.user, jurisdiction=f.get("jurisdiction"), due_by=timezone.localdate() if f.get("due") else None))
    context["today"] = timezone.localdate()
    return render_list(request, "policing/risk_list.html", context)


def _risk_context(request, person: RiskPerson, form: ReviewForm) -> dict[str, Any]:
    return {
        "p": person, "form": form,
        # Every view of the file is audited: address and reason are always shown in clear.
        "identity": selectors.risk_person_identity(user=request.user, person=person,
                                                   reveal=request.GET.get("reveal") == "1",
                                                   also_shown=("address", "reason")),
        "schedule": selectors.risk_schedule(person),
        "timeline": selectors.risk_timeline(person),
        "may_review": person.is_active and can_object(request.user, person, "change"),
        "may_reveal": can_object(request.user, person, "view_sensitive"),
    }


@login_required
def risk_detail(request, uuid):
    person = selectors.get_risk_person(user=request.user, uuid=uuid)
    return render(request, "policing/risk_detail.html", _risk_context(request, person, ReviewForm()))


@login_required
@require_POST
def risk_review(request, uuid):
    """The review form (htmx): errors come back inline in the form; a saved review reloads the
    page so the schedule and timeline show it."""
    person = selectors.get_risk_person(user=request.user, uuid=uuid, action="change")
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_risk_person(person=person, by=request.user, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("已记录评估。"))
            url = reverse("policing:risk_detail", args=[person.uuid])
            if is_partial(request):
                return HttpResponse(status=204, headers={"HX-Redirect": url})
            return redirect(url)
    if is_partial(request):
        return render(request, "policing/risk_detail.html#review-form", {"p": person, "form": form})
    return render(request, "policing/risk_detail.html", _risk_context(request, person, form), status=422)


@login_required
@requires("view", Hazard)
def statistics(request):
    form = PeriodForm(request.GET or None)
    figures = three_tier = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        try:
            figures = policing_figures(user=request.user, **{k: (v or None) for k, v in data.items()})
            three_tier = three_tier_figures(user=request.user, **{k: (v or None) for k, v in data.items()})
        except ValidationError as exc:
            form_errors(form, exc)
    return render(request, "policing/statistics.html", {"form": form, "f": figures, "t": three_tier})


@login_required
def export(request, kind: str):
    model = {"visits": Visit, "hazards": Hazard}.get(kind)
    if model is None or not can(request.user, "export", model):
        raise PermissionDenied(_("无权执行此操作。"))
    form = PeriodForm(request.GET or None)
    data = {k: (v or None) for k, v in form.cleaned_data.items()} if form.is_valid() else {}
    qs: Any
    if kind == "visits":
        qs = selectors.visit_list(user=request.user, filters=selectors.VisitFilters(**data))
    else:
        qs = selectors.hazard_list(user=request.user, filters=selectors.HazardFilters(**data))
    response = HttpResponse(ledger.export_workbook(kind=kind, queryset=qs, by=request.user, filters=data),
                            content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="policing-{kind}.xlsx"'
    return response


@login_required
def import_template(request, kind: str):
    return HttpResponse(ledger.template_workbook(kind), content_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="policing-{kind}-template.xlsx"'})
