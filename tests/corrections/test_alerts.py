"""Alerts: from breaches through the outbox, deduplicated per spell, verified by the 司法所."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pingan.core.models import Deadline, OutboxEvent
from pingan.core.outbox import drain
from pingan.corrections import alerts, selectors, services
from pingan.corrections.models import Alert, GeofenceBreach, Sanction
from pingan.corrections.parsing import RawFix

from .conftest import INSIDE, PANZHOU

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def fix(minutes: float, where=INSIDE, **kw) -> RawFix:
    return RawFix(recorded_at=T0 + dt.timedelta(minutes=minutes), lat=where[0], lon=where[1], **kw)


@pytest.mark.django_db
def test_breach_becomes_one_alert_for_the_office(make_supervisee, org):
    s, device, _t = make_supervisee()
    services.ingest_fixes(device=device, fixes=[fix(0), *(fix(m, PANZHOU) for m in (1, 2, 3, 4))], source="app",
                          now=T0 + dt.timedelta(minutes=5))
    [breach] = GeofenceBreach.objects.filter(supervisee=s, kind="left_area")
    drain()
    [alert] = Alert.objects.filter(supervisee=s, kind="left_area")
    assert (alert.kind, alert.state, alert.source, alert.breach_id) == ("left_area", "open", "geofence", breach.pk)
    assert alert.justice_office == org["office_a"]
    assert alert.severity == "high"
    assert alert.fix_ids == breach.evidence_fix_ids and alert.fix_ids
    assert alert.verify_due is not None
    assert Deadline.objects.filter(object_id=str(alert.pk), kind=alerts.VERIFY_DEADLINE, status="running").exists()
    assert OutboxEvent.objects.filter(topic=alerts.ALERT_RAISED, payload={"alert_id": alert.pk}).exists()
    # the handler run again (a worker killed after the commit) and a direct raise: still one alert
    alerts.alerts_for_breaches([breach.pk])
    again = alerts.raise_alert(supervisee=s, kind="left_area", occurred_at=breach.started_at, evidence={},
                               source="platform")
    assert again.pk == alert.pk
    assert Alert.objects.filter(supervisee=s, kind="left_area").count() == 1


@pytest.mark.django_db
def test_battery_low_then_silence_is_a_battery_dead_alert(make_supervisee):
    s, device, _t = make_supervisee(reported_at=T0 - dt.timedelta(days=1))
    services.ingest_fixes(device=device, fixes=[fix(0, battery=4.0)], source="app", now=T0)
    [bid] = services.scan_silence(now=T0 + dt.timedelta(hours=25))
    assert GeofenceBreach.objects.get(pk=bid).detail["battery_low"] is True
    drain()
    assert Alert.objects.get(supervisee=s).kind == "battery_dead"


@pytest.mark.django_db
def test_plain_silence_stays_silence(make_supervisee):
    s, device, _t = make_supervisee(reported_at=T0 - dt.timedelta(days=1))
    services.ingest_fixes(device=device, fixes=[fix(0, battery=80.0)], source="app", now=T0)
    services.scan_silence(now=T0 + dt.timedelta(hours=25))
    drain()
    assert Alert.objects.get(supervisee=s).kind == "silence"


@pytest.mark.django_db
def test_raise_alert_rejects_bad_input(make_supervisee):
    from pingan.core.errors import ApplicationError

    s, _d, _t = make_supervisee()
    with pytest.raises(ApplicationError):
        alerts.raise_alert(supervisee=s, kind="nonsense", occurred_at=T0, evidence={}, source="manual")
    with pytest.raises(ApplicationError):
        alerts.raise_alert(supervisee=s, kind="silence", occurred_at=T0.replace(tzinfo=None), evidence={},
                           source="manual")


def _alert(s, kind="checkin_missed", source="checkin", minutes=0):
    return alerts.raise_alert(supervisee=s, kind=kind, occurred_at=T0 + dt.timedelta(minutes=minutes),
                              evidence={"window": "08:00-09:00"}, source=source)


@pytest.mark.django_db
def test_verification_outcomes(make_supervisee, org):
    s, _d, _t = make_supervisee()
    a1, a2, a3 = _alert(s, minutes=1), _alert(s, minutes=2), _alert(s, minutes=3)
    from pingan.core.errors import ApplicationError

    with pytest.raises(ApplicationError):  # a false alarm needs a reason
        alerts.verify_alert(alert=a1, outcome="false_alarm", by=org["staff_a"])
    alerts.verify_alert(alert=a1, outcome="false_alarm", by=org["staff_a"], reason="手机定位漂移，已电话核实")
    alerts.verify_alert(alert=a2, outcome="justified", by=org["staff_a"], reason="住院治疗，有医院证明")
    alerts.verify_alert(alert=a3, outcome="violation", by=org["staff_a"], reason="未按规定签到")
    states = dict(Alert.objects.filter(pk__in=[a1.pk, a2.pk, a3.pk]).values_list("pk", "state"))
    assert states == {a1.pk: "false_alarm", a2.pk: "justified", a3.pk: "violation"}
    a1.refresh_from_db()
    assert a1.verified_by == org["staff_a"] and a1.outcome_reason.startswith("手机")
    assert not Deadline.objects.filter(object_id=str(a1.pk), kind=alerts.VERIFY_DEADLINE, status="running").exists()
    [sanction] = Sanction.objects.filter(alert=a3)
    assert (sanction.kind, sanction.state, sanction.found_by_system) == ("admonition", "proposed", True)
    with pytest.raises(ApplicationError):  # already verified
        alerts.verify_alert(alert=a3, outcome="false_alarm", by=org["staff_a"], reason="x")


@pytest.mark.django_db
def test_other_office_cannot_see_or_verify(make_supervisee, org):
    s, _d, _t = make_supervisee(office="office_a")
    a = _alert(s)
    with pytest.raises(Http404):
        selectors.alert_get(user=org["staff_b"], pk=a.pk)
    with pytest.raises(PermissionDenied):
        alerts.verify_alert(alert=a, outcome="violation", by=org["staff_b"], reason="x")
    assert list(selectors.alert_list(user=org["staff_b"])) == []
    assert [x.pk for x in selectors.alert_list(user=org["officer"])] == [a.pk]


@pytest.mark.django_db
def test_escalation_rules_once(make_supervisee):
    s, _d, _t = make_supervisee()
    a = _alert(s, kind="left_area", source="geofence")  # high severity
    assert alerts.escalate_alerts(now=a.raised_at + dt.timedelta(hours=1)) == []
    assert alerts.escalate_alerts(now=a.raised_at + dt.timedelta(hours=7)) == [a.pk]
    assert alerts.escalate_alerts(now=a.raised_at + dt.timedelta(hours=8)) == []
    assert OutboxEvent.objects.filter(topic=alerts.ALERT_ESCALATED).count() == 1
