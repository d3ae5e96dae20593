"""Leave: approver by length, destination permitted for its dates, return and late return."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from pingan.core.errors import ApplicationError
from pingan.core.outbox import drain
from pingan.corrections import leave, services
from pingan.corrections.models import Alert, GeofenceBreach
from pingan.corrections.parsing import RawFix

from .conftest import INSIDE, PANZHOU

D0 = dt.date(2026, 11, 10)


def apply(s, by, days, **kw):
    return leave.apply_leave(supervisee=s, by=by, reason="探亲", destination="盘州市", start_date=D0,
                             end_date=D0 + dt.timedelta(days=days - 1), lat=PANZHOU[0], lon=PANZHOU[1],
                             radius_m=20_000, **kw)


@pytest.mark.django_db
def test_approver_by_length(make_supervisee, org):
    s, _d, _t = make_supervisee()
    assert apply(s, org["staff_a"], 7).approver == "office"
    long = apply(s, org["staff_a"], 8)
    assert long.approver == "county"
    with pytest.raises(ApplicationError) as exc:
        apply(s, org["staff_a"], 31)
    assert exc.value.code == "too_long"
    with pytest.raises(PermissionDenied):  # the office may not approve a county leave
        leave.approve_leave(leave=long, by=org["staff_a"])
    leave.approve_leave(leave=long, by=org["officer"])
    assert long.state == "approved" and long.decided_by == org["officer"]


@pytest.mark.django_db
def test_destination_is_permitted_only_during_the_leave(make_supervisee, org):
    s, device, _t = make_supervisee()
    trip = apply(s, org["staff_a"], 3)
    leave.approve_leave(leave=trip, by=org["staff_a"])
    start = dt.datetime(2026, 11, 10, 10, 0, tzinfo=leave.CHINA)

    def fixes(at, where, n=4):
        return [RawFix(recorded_at=at + dt.timedelta(minutes=20 * i), lat=where[0], lon=where[1]) for i in range(n)]

    services.ingest_fixes(device=device, fixes=[*fixes(start - dt.timedelta(hours=3), INSIDE, 1),
                                                *fixes(start, PANZHOU)], source="app",
                          now=start + dt.timedelta(hours=2))
    assert not GeofenceBreach.objects.filter(supervisee=s, kind="left_area").exists()
    after = dt.datetime(2026, 11, 13, 10, 0, tzinfo=leave.CHINA)  # the day after the leave ended
    services.ingest_fixes(device=device, fixes=fixes(after, PANZHOU), source="app", now=after + dt.timedelta(hours=2))
    assert GeofenceBreach.objects.filter(supervisee=s, kind="left_area").count() == 1


@pytest.mark.django_db
def test_late_return_alert_once_and_reported_return(make_supervisee, org):
    s, _d, _t = make_supervisee()
    late = apply(s, org["staff_a"], 2)
    leave.approve_leave(leave=late, by=org["staff_a"])
    back = apply(s, org["staff_a"], 2)
    leave.approve_leave(leave=back, by=org["staff_a"])
    leave.report_return(leave=back, by=org["staff_a"], at=dt.datetime(2026, 11, 11, 18, 0, tzinfo=leave.CHINA))
    back.area.refresh_from_db()
    assert back.area.valid_to == dt.datetime(2026, 11, 11, 18, 0, tzinfo=leave.CHINA)
    end = dt.datetime(2026, 11, 12, 0, 0, tzinfo=leave.CHINA)
    assert leave.scan_late_returns(now=end + dt.timedelta(hours=11)) == []  # within the grace period
    [aid] = leave.scan_late_returns(now=end + dt.timedelta(hours=13))
    assert leave.scan_late_returns(now=end + dt.timedelta(hours=20)) == [aid]  # the same alert, not a new one
    a = Alert.objects.get(pk=aid)
    assert (a.kind, a.source, a.occurred_at, a.evidence["leave_id"]) == ("late_return", "leave", end, late.pk)
    assert Alert.objects.filter(kind="late_return").count() == 1
    drain()
