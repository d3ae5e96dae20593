"""Series cases (系列案): the list, grouping cases chosen in the case list into a new or an
existing series, and the series page with the batch steps of services.py — delegate, assign one
mediator, accept, one session for all, apply for and confirm judicial confirmation of them all.
Each batch is all or nothing (services._each); a refusal names the case and becomes a message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pingan.core.errors import ApplicationError
from pingan.core.pages import error_text, filtered_page, render_list
from pingan.orgs.models import Agency
from pingan.orgs.permissions import can, requires

from . import selectors, services
from .forms import SeriesFilterForm
from .models import CaseSeries, CourtCase
from .views import _date, _mediator, _rows
from .workflow import COURT_CASE

S = CourtCase.State


def _held_at(p) -> datetime:
    day = _date(p.get("held_on"), "held_on")
    try:
        hour, minute = (int(x) for x in (p.get("held_time") or "09:00").split(":")[:2])
        return timezone.make_aware(datetime.combine(day, time(hour, minute)), services.CHINA)
    except ValueError:
        raise ValidationError({"held_time": _("请填写有效的时间（如 09:30）。")}) from None


def _session(r, s: CaseSeries, p):
    cases = list(s.cases.filter(state=S.IN_MEDIATION).order_by("pk"))
    return services.record_session(cases=cases, held_at=_held_at(p), place=p.get("place", ""),
                                   online=p.get("online") == "on", attendees=p.get("attendees", ""),
                                   minutes=p.get("minutes", ""), by=r.user)


# action -> (the permission it needs on court cases, the service call). The type-level check
# refuses a user who could never do it (403); the services check every case again.
ACTIONS: dict[str, tuple[str, Callable[[Any, CaseSeries, Any], Any]]] = {
    "delegate": ("delegate", lambda r, s, p: services.delegate_series(
        series=s, by=r.user,
        organisation=Agency.objects.get(pk=int(p.get("organisation", "0") or 0), kind__in=services.MEDIATION_KINDS))),
    "assign": ("assign", lambda r, s, p: services.assign_series_mediator(
        series=s, mediator=_mediator(p.get("mediator", "")), by=r.user)),
    "accept": ("mediate", lambda r, s, p: services.accept_series(series=s, by=r.user)),
    "session": ("mediate", _session),
    "apply_confirmation": ("change", lambda r, s, p: services.apply_series_confirmation(
        series=s, applied_on=_date(p.get("applied_on"), "applied_on"), by=r.user)),
    "confirm": ("rule", lambda r, s, p: services.confirm_series(
        series=s, ruled_on=_date(p.get("ruled_on"), "ruled_on"), by=r.user)),
}


@login_required
def series_detail(request, uuid):
    series = selectors.get_series(user=request.user, uuid=uuid)
    user = request.user
    cases = list(selectors.series_cases(user=user, series=series))
    states = {c.state for c in cases}
    may = {name: can(user, perm, CourtCase) for name, (perm, _call) in ACTIONS.items()}
    context: dict[str, Any] = {
        "series": series, "rows": _rows(cases), "states": COURT_CASE.states, "today": timezone.localdate(),
        "may_group": can(user, "add", CaseSeries),
        # a form shows when the user may do it and some case of the series is at that step
        "show": {
            "delegate": may["delegate"] and S.CONSENT_PENDING in states,
            "assign": may["assign"] and S.DELEGATED in states,
            "accept": may["accept"] and S.MEDIATOR_ASSIGNED in states,
            "session": may["session"] and S.IN_MEDIATION in states,
            "apply_confirmation": may["apply_confirmation"] and S.SUCCEEDED in states,
            "confirm": may["confirm"] and S.CONFIRMATION_APPLIED in states,
        },
    }
    if context["show"]["delegate"]:
        context["organisations"] = Agency.objects.filter(kind__in=services.MEDIATION_KINDS, is_active=True)
    if context["show"]["assign"]:
        context["mediators"] = selectors.roster(user=user)
    return render(request, "court/series.html", context)


@login_required
@require_POST
def series_action(request, uuid, action: str):
    series = selectors.get_series(user=request.user, uuid=uuid)
    if action not in ACTIONS:
        raise Http404(_("未知的操作。"))
    perm, call = ACTIONS[action]
    if not can(request.user, perm, CourtCase):
        raise PermissionDenied(_("无权执行此操作。"))
    try:
        done = call(request, series, request.POST)
    except (ApplicationError, PermissionDenied, ValidationError) as exc:
        messages.error(request, error_text(exc))
    except (Agency.DoesNotExist, ValueError):
        messages.error(request, _("提交的内容不完整，请检查后重试。"))
    else:
        count = done.cases.count() if hasattr(done, "cases") else len(done)
        messages.success(request, _("已办理 %(n)s 件。") % {"n": count})
    return redirect("court:series", uuid=series.uuid)


@login_required
@requires("view", CaseSeries)
def series_list(request):
    context = filtered_page(request, SeriesFilterForm(request.GET or None, user=request.user),
                            lambda f: selectors.series_list(user=request.user, **f))
    return render_list(request, "court/series_list.html", context)


@login_required
@require_POST
@requires("add", CaseSeries)
def series_group(request):
    """From the case list: the chosen cases become a new series, or join the chosen one."""
    p = request.POST
    try:
        wanted = {UUID(u) for u in p.getlist("cases")}
    except ValueError:
        wanted = set()
    cases = list(selectors.case_list(user=request.user).filter(uuid__in=wanted)) if len(wanted) <= 500 else []
    try:
        if len(cases) != len(wanted):
            raise ValidationError({"cases": _("所选案件不存在或无权办理，请刷新后重试。")})
        if p.get("series"):
            series = selectors.get_series(user=request.user, uuid=p["series"])
            services.add_to_series(series=series, cases=cases, by=request.user)
        else:
            if not cases:
                raise ValidationError({"cases": _("请选择案件。")})
            series = services.create_series(name=p.get("name", ""), facts=p.get("facts", ""), court=cases[0].court,
                                            cases=cases, by=request.user)
    except (ApplicationError, PermissionDenied, ValidationError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已将 %(n)s 件案件归入系列案。") % {"n": len(cases)})
        return redirect("court:series", uuid=series.uuid)
    return redirect("court:list")
