"""Pages of the corrections centre: the command centre (open alerts by age, a map of last
positions over the district boundary, drawn by Leaflet served from our static files with no
tiles), the 司法所's alert queue with the verify form, a person's page with the timeline and the
day's track, the approval queue (sanctions, leave) and document downloads. Refusals answer 400
(bad input / not allowed from this state), 403 or 404 through the services and get_for."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pingan.core.audit import AuditEvent, record, record_view
from pingan.core.documents import DOCX_CONTENT_TYPE, PDF_CONTENT_TYPE
from pingan.core.errors import ApplicationError
from pingan.orgs.permissions import get_for, restrict

from . import alerts, documents, leave, sanctions, selectors, supervision_views
from .models import (
    Alert,
    Leave,
    PermittedArea,
    Sanction,
    Supervisee,
    SuperviseeLastSeen,
    TravelRecord,
)
from .seed import BOUNDARY_FILE


class VerifyForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("核查结论"), choices=[
        ("violation", gettext_lazy("确认违规")), ("false_alarm", gettext_lazy("误报")),
        ("justified", gettext_lazy("有正当理由"))])
    reason = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    absent_days = forms.IntegerField(label=gettext_lazy("脱离监管天数"), required=False, min_value=0)
    serious = forms.BooleanField(label=gettext_lazy("较重违规"), required=False)
    prohibition = forms.ChoiceField(label=gettext_lazy("违反禁止令"), required=False, choices=[
        ("none", gettext_lazy("无")), ("minor", gettext_lazy("情节轻微")), ("serious", gettext_lazy("情节严重"))])
    out_of_contact = forms.BooleanField(label=gettext_lazy("失去联系（立即组织查找）"), required=False)


def _age(a: Alert, now) -> str:
    minutes = int((now - a.raised_at).total_seconds() // 60)
    if minutes < 60:
        return _("%(n)s分钟") % {"n": minutes}
    if minutes < 60 * 48:
        return _("%(n)s小时") % {"n": minutes // 60}
    return _("%(n)s天") % {"n": minutes // 1440}


def _open_alerts(user):
    now = timezone.now()
    rows = list(selectors.alert_list(user=user, state="open").order_by("raised_at", "pk")[:500])
    for a in rows:
        a.age = _age(a, now)  # type: ignore[attr-defined]
        a.overdue = bool(a.verify_due and a.verify_due < now)  # type: ignore[attr-defined]
    return rows


@login_required
def command_centre(request):
    if not has_any(request.user):
        raise PermissionDenied
    ctx = {"alerts": _open_alerts(request.user), "form": VerifyForm()}
    if request.htmx:
        return render(request, "corrections/command.html#alert_rows", ctx)
    return render(request, "corrections/command.html", ctx)


def has_any(user) -> bool:
    from pingan.orgs.permissions import can

    return can(user, "view", Supervisee)


@login_required
def map_data(request):
    """Boundary GeoJSON and the visible people's last positions (audited as one view)."""
    people = restrict(Supervisee.objects.all(), request.user, "view").exclude(status="ended")
    alerting = set(selectors.alert_list(user=request.user, state="open").values_list("supervisee_id", flat=True))
    rows = SuperviseeLastSeen.objects.filter(supervisee__in=people, last_fix_at__isnull=False).select_related("supervisee")
    points = [{"id": r.supervisee_id, "name": r.supervisee.name, "lat": r.lat, "lon": r.lon, "inside": r.inside,
               "at": r.last_fix_at.isoformat(), "alert": r.supervisee_id in alerting} for r in rows]
    record(actor=request.user, event_type=AuditEvent.CORRECTIONS_CHANGED, action="map_viewed",
           after={"people": len(points)})
    district = PermittedArea.objects.filter(kind="district", supervisee=None, active=True).first()
    boundary = district.geometry if district else json.loads(BOUNDARY_FILE.read_text("utf-8"))["geometry"]
    return JsonResponse({"boundary": boundary, "people": points})


@login_required
def alert_queue(request):
    if not has_any(request.user):
        raise PermissionDenied
    return render(request, "corrections/alert_queue.html", {"alerts": _open_alerts(request.user), "form": VerifyForm()})


@login_required
@require_POST
def alert_verify(request, pk: int):
    alert = selectors.alert_get(user=request.user, pk=pk, action="verify")
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("核查信息有误。"))
        return redirect("corrections:alerts")
    d = form.cleaned_data
    facts = {"serious": d["serious"], "prohibition": d["prohibition"] or "none"}
    if d["out_of_contact"]:
        facts["out_of_contact"] = True
    if d["absent_days"] is not None:
        facts["absent_days"] = d["absent_days"]
    try:
        alerts.verify_alert(alert=alert, outcome=d["outcome"], by=request.user, reason=d["reason"], facts=facts)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("corrections:alerts")
    if d["outcome"] == "violation":
        s = Sanction.objects.filter(alert=alert).order_by("-pk").first()
        messages.success(request, _("已确认违规，建议处理措施：%(k)s，待区县司法局审批。")
                         % {"k": s.get_kind_display() if s else "—"})
    else:
        messages.success(request, _("核查完成。"))
    if d["out_of_contact"] and d["outcome"] == "violation":
        messages.warning(request, _("已启动查找，请记录查找情况。"))
    return redirect("corrections:alerts")


@login_required
def person(request, pk: int):
    s = selectors.supervisee_get(user=request.user, pk=pk)
    record_view(actor=request.user, obj=s, fields=["timeline", "track"], reason="person_page")
    now = timezone.now()
    track = list(s.fixes.filter(recorded_at__gte=now - timedelta(days=1)).order_by("recorded_at")
                 .values_list("recorded_at", "lat", "lon", "zone")[:2000])
    events = (
        [(a.occurred_at, _("告警"), f"{a.get_kind_display()} · {a.get_state_display()}") for a in s.alerts.all()]
        + [(x.created_at, _("处理"), f"{x.get_kind_display()} · {x.get_state_display()} {x.document_number}")
           for x in s.sanctions.all()]
        + [(lv.created_at, _("外出"), f"{lv.destination} {lv.start_date}–{lv.end_date} · {lv.get_state_display()}")
           for lv in s.leaves.all()]
        + [(t.occurred_at, _("出行记录"), f"{t.get_kind_display()} {t.place}") for t in
           TravelRecord.objects.filter(supervisee=s)]
        + supervision_views.timeline(s, request.user)
    )
    events.sort(key=lambda e: e[0], reverse=True)
    return render(request, "corrections/person.html", {"s": s, "events": events, "track": track,
                                                       "sanctions": s.sanctions.all(),
                                                       **supervision_views.person_context(s, request.user)})


@login_required
def approvals(request):
    if not has_any(request.user):
        raise PermissionDenied
    proposed = restrict(Sanction.objects.all(), request.user, "view").select_related("supervisee")
    leaves = restrict(Leave.objects.all(), request.user, "view").filter(state="applied").select_related("supervisee")
    recent = proposed.exclude(state__in=["proposed", "rejected"]).order_by("-decided_on", "-pk")[:50]
    return render(request, "corrections/approvals.html", {
        "proposed": proposed.filter(state="proposed"), "leaves": leaves, "recent": recent})


def _sanction(request, pk: int, action: str = "view") -> Sanction:
    return get_for(Sanction.objects.select_related("supervisee"), user=request.user, pk=pk, action=action)


@login_required
@require_POST
def sanction_act(request, pk: int, action: str):
    s = _sanction(request, pk)
    try:
        if action == "approve":
            sanctions.approve_sanction(sanction=s, by=request.user)
            if s.kind in ("admonition", "warning"):
                messages.success(request, _("已批准，文书编号 %(n)s。") % {"n": s.document_number})
        elif action == "reject":
            sanctions.reject_sanction(sanction=s, by=request.user, reason=request.POST.get("reason", ""))
        elif action == "notify":
            sanctions.notify_sanction(sanction=s, by=request.user, method=request.POST.get("method") or "当面宣告")
        elif action == "submit":
            sanctions.submit_sanction(sanction=s, by=request.user)
        else:
            raise PermissionDenied
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("corrections:approvals")


@login_required
@require_POST
def leave_act(request, pk: int, action: str):
    lv = get_for(Leave.objects.select_related("area"), user=request.user, pk=pk, action="view")
    try:
        if action == "approve":
            leave.approve_leave(leave=lv, by=request.user)
        elif action == "reject":
            leave.reject_leave(leave=lv, by=request.user, reason=request.POST.get("reason", ""))
        else:
            raise PermissionDenied
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("corrections:approvals")


@login_required
def sanction_document(request, pk: int, fmt: str):
    s = _sanction(request, pk)
    if fmt not in ("pdf", "docx"):
        raise PermissionDenied
    body = documents.sanction_pdf(s) if fmt == "pdf" else documents.sanction_docx(s)
    resp = HttpResponse(body, content_type=PDF_CONTENT_TYPE if fmt == "pdf" else DOCX_CONTENT_TYPE)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(documents.filename(s, fmt))}"
    return resp
