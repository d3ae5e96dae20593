"""The demo includes check-ins, a search task, a monitoring device and evaluation data, made
through the services; a rerun adds none of them twice."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pingan.corrections import evaluation
from pingan.corrections.demo import load_demo
from pingan.corrections.models import Alert, CheckIn, FaceEnrolment, MonitoringDecision, SearchTask
from pingan.orgs.models import Role


@pytest.mark.django_db
def test_demo_has_checkins_search_monitoring_and_evaluation(org):
    Role.objects.get_or_create(code="district_leader", defaults={"name": "区领导"})
    load_demo()
    assert FaceEnrolment.objects.count() == 4
    matched = CheckIn.objects.filter(result="matched").count()
    assert matched == 3 * 3 + 1
    task = SearchTask.objects.get()
    assert task.state == "open" and task.attempts.count() == 1 and task.alert.kind in ("silence", "battery_dead")
    decision = MonitoringDecision.objects.get()
    assert decision.state == "active" and decision.device.kind == "bracelet" and decision.ground == "unapproved_leave"
    assert Alert.objects.filter(state="false_alarm").count() == 1
    day = timezone.localdate()
    rows = evaluation.evaluate_offices(since=day.replace(day=1) if day.day > 1 else day, until=day)
    assert sum(r.verified for r in rows) >= 3 and [r.rank for r in rows][0] == 1

    load_demo()
    assert (CheckIn.objects.filter(result="matched").count(), SearchTask.objects.count(),
            MonitoringDecision.objects.count(), FaceEnrolment.objects.count()) == (matched, 1, 1, 4)
    assert Alert.objects.filter(state="false_alarm").count() == 1
