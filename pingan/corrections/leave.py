"""Leave (外出, 社区矫正法 Art. 27): the approver is chosen by length (rule set
`corrections.leave_approval` over the settings `corrections.leave_office_approval_max_days` and
`corrections.leave_max_days`); approval adds the destination as a dated extra_inclusion area;
the return is reported; a late return raises an alert (periodic scan)."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.deadlines import CHINA
from pingan.core.errors import ApplicationError
from pingan.core.rules import evaluate
from pingan.core.settings_store import get_setting
from pingan.core.workflow import transition

from . import alerts, config
from .models import Alert, Leave, PermittedArea, Supervisee

APPROVAL = "corrections.leave_approval"


def approver_for(days: int) -> str:
    rec = {
        "days": days,
        "within_office_limit": days <= get_setting("corrections.leave_office_approval_max_days", int),
        "over_cap": days > get_setting("corrections.leave_max_days", int),
    }
    return str(evaluate(APPROVAL, rec).result)


def circle(lat: float, lon: float, radius_m: float, n: int = 48) -> dict:
    """A polygon approximating a circle (WGS-84) — the destination of a leave given as a point."""
    dlat = radius_m / 111_320.0
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    ring = [[lon + dlon * math.cos(2 * math.pi * k / n), lat + dlat * math.sin(2 * math.pi * k / n)] for k in range(n)]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def local_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=CHINA)


def local_end(d: date) -> datetime:
    return datetime.combine(d + timedelta(days=1), time.min, tzinfo=CHINA)


def apply_leave(*, supervisee: Supervisee, by, reason: str, destination: str, start_date: date, end_date: date,
                geometry: dict | None = None, lat: float | None = None, lon: float | None = None,
                radius_m: float | None = None) -> Leave:
    if end_date < start_date:
        raise ApplicationError(_("返回日期不能早于外出日期。"), code="invalid", field="end_date")
    if geometry is None and lat is not None and lon is not None:
        geometry = circle(lat, lon, radius_m or 5000)
    days = (end_date - start_date).days + 1
    approver = approver_for(days)
    if approver not in Leave.Approver.values:
        raise ApplicationError(_("外出天数超过每次外出的最长期限（%(n)s 日）。")
                               % {"n": get_setting("corrections.leave_max_days", int)}, code="too_long", field="end_date")
    leave = Leave(supervisee=supervisee, justice_office_id=supervisee.justice_office_id, reason=reason,
                  destination=destination, destination_geometry=geometry, start_date=start_date, end_date=end_date,
                  approver=approver)
    leave.full_clean(exclude=["supervisee", "justice_office"])
    with transaction.atomic():
        leave.save(force_insert=True)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="leave_applied", obj=leave,
               after={"destination": destination, "days": days, "approver": approver})
    return leave


def approve_leave(*, leave: Leave, by) -> Leave:
    """Approve (office or county transition by the leave's approver) and permit the destination
    for the leave's dates."""
    name = "approve_office" if leave.approver == Leave.Approver.OFFICE else "approve_county"
    with transaction.atomic():
        area = None
        if leave.destination_geometry:
            area = PermittedArea.objects.create(
                name=_("外出目的地：%(d)s") % {"d": leave.destination}, kind=PermittedArea.Kind.EXTRA_INCLUSION,
                supervisee_id=leave.supervisee_id, geometry=leave.destination_geometry,
                source=f"leave:{leave.pk}", valid_from=local_start(leave.start_date), valid_to=local_end(leave.end_date),
            )
        transition(obj=leave, name=name, by=by, updates={"decided_by": by, "area": area})
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="leave_approved", obj=leave,
               after={"approver": leave.approver, "area": area.pk if area else None})
    return leave


def reject_leave(*, leave: Leave, by, reason: str) -> Leave:
    with transaction.atomic():
        transition(obj=leave, name="reject", by=by, reason=reason, data={"reason": reason}, updates={"decided_by": by})
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="leave_rejected", obj=leave,
               after={"reason": reason})
    return leave


def report_return(*, leave: Leave, by, at: datetime | None = None) -> Leave:
    at = at or timezone.now()
    with transaction.atomic():
        transition(obj=leave, name="report_return", by=by, updates={"returned_at": at})
        # Back home: the destination stops being permitted now rather than at the leave's end.
        area = leave.area
        if area is not None and area.valid_from is not None:
            PermittedArea.objects.filter(pk=area.pk, valid_to__gt=at).update(valid_to=max(at, area.valid_from))
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="leave_returned", obj=leave,
               after={"returned_at": at.isoformat()})
    return leave


def scan_late_returns(*, now: datetime | None = None) -> list[int]:
    """Approved leaves past their end plus the grace period without a reported return: one
    `late_return` alert each (the spell starts at the leave's end, so repeats dedupe)."""
    now = now or timezone.now()
    grace = timedelta(hours=float(config.get("corrections.leave.return_grace_hours")))
    last_day = (now - grace).astimezone(CHINA).date() - timedelta(days=1)
    out = []
    for leave in Leave.objects.filter(state=Leave.State.APPROVED, end_date__lte=last_day).select_related("supervisee"):
        if local_end(leave.end_date) + grace > now:
            continue
        alert = alerts.raise_alert(
            supervisee=leave.supervisee, kind=Alert.Kind.LATE_RETURN, occurred_at=local_end(leave.end_date),
            evidence={"leave_id": leave.pk, "destination": leave.destination, "end_date": leave.end_date.isoformat()},
            source=Alert.Source.LEAVE,
        )
        out.append(alert.pk)
    return out


def covering_leave(*, supervisee_id: int, at: datetime) -> Leave | None:
    """An approved (or since returned, if the return came later) leave whose dates cover `at`."""
    day = at.astimezone(CHINA).date()
    qs = Leave.objects.filter(supervisee_id=supervisee_id, state__in=[Leave.State.APPROVED, Leave.State.RETURNED],
                              start_date__lte=day, end_date__gte=day)
    for leave in qs:
        if leave.returned_at is None or leave.returned_at >= at:
            return leave
    return None
