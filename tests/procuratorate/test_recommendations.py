"""Governance recommendations: the two-month reply deadline, reminders ×2 and escalation from the
ladder (data), the periodic job's idempotence, reply and implementation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from pingan.core.deadlines import deadlines_for
from pingan.core.errors import ApplicationError
from pingan.core.models import Deadline, OutboxEvent
from pingan.core.settings_store import set_setting
from pingan.core.tasks import periodic_jobs
from pingan.procuratorate import services
from pingan.procuratorate.models import FollowUp

from .conftest import days_ago

pytestmark = pytest.mark.django_db


def issue(proc, *, issued: int = 100, **kw):
    values = dict(procuratorate=proc.procuratorate, recipient=proc.emergency, title="关于加强煤矿安全生产管理的检察建议",
                  problems="涉案煤矿安全管理制度不落实。", measures="全面排查隐患，落实安全培训。",
                  issued_on=days_ago(issued), by=proc.prosecutor)
    values.update(kw)
    return services.issue_recommendation(**values)


def test_issue_numbers_and_two_month_reply_deadline(proc):
    rec = issue(proc, issued_on=dt.date(2026, 3, 2))
    assert rec.number == "水检建〔2026〕1号"
    assert rec.reply_due == dt.date(2026, 5, 6)  # 2 months → 5-02, a Saturday in the May Day holiday → next working day
    d = deadlines_for(rec).get(kind=services.REPLY)
    assert (d.amount, d.unit) == (2, Deadline.Unit.MONTHS)
    assert "第19条" in d.source
    assert issue(proc, issued_on=dt.date(2026, 3, 3)).number == "水检建〔2026〕2号"


def test_reply_period_is_configurable(proc):
    set_setting(key="procuratorate.recommendation_reply_months", value=1, by=None)
    rec = issue(proc, issued_on=dt.date(2026, 6, 15))
    assert rec.reply_due == dt.date(2026, 7, 15)


def test_two_reminders_then_escalation_then_implementation(proc):
    rec = issue(proc, issued=100)
    due = rec.reply_due
    # Nothing before the deadline has passed, and nothing twice on the same day.
    assert services.run_followups(on=due) == 0
    assert services.run_followups(on=due + dt.timedelta(days=1)) == 1
    assert services.run_followups(on=due + dt.timedelta(days=1)) == 0
    assert services.run_followups(on=due + dt.timedelta(days=10)) == 0
    assert services.run_followups(on=due + dt.timedelta(days=16)) == 1
    rec.refresh_from_db()
    assert (rec.state, rec.followup_step) == ("issued", 2)
    kinds = list(rec.followups.values_list("step", "kind"))
    assert kinds == [(1, "reminder"), (2, "reminder")]
    assert services.run_followups(on=due + dt.timedelta(days=31)) == 1
    rec.refresh_from_db()
    assert (rec.state, rec.followup_step) == ("escalated", 3)
    escalation = rec.followups.get(step=3)
    assert escalation.kind == FollowUp.Kind.ESCALATION
    assert list(escalation.notified.all()) == [proc.district_government]  # the recipient's superior
    assert "水城区人民政府" in escalation.note
    assert OutboxEvent.objects.filter(topic="procuratorate.recommendation.followup").count() == 3
    assert services.run_followups(on=due + dt.timedelta(days=90)) == 0  # the ladder ends

    services.record_reply(rec=rec, replied_on=days_ago(2), reply="已开展专项整治。", by=proc.prosecutor)
    with pytest.raises(ValidationError):
        services.record_implementation(rec=rec, implemented_on=days_ago(5), evidence="x", by=proc.prosecutor)
    services.record_implementation(rec=rec, implemented_on=days_ago(1), evidence="整改报告及现场照片",
                                   by=proc.prosecutor)
    rec.refresh_from_db()
    assert rec.state == "implemented"
    assert services.run_followups(on=due + dt.timedelta(days=120)) == 0


def test_ladder_is_data(proc):
    set_setting(key="procuratorate.recommendation_followup_ladder", by=None, value=[
        {"step": 1, "kind": "escalation", "days_after_due": 0, "label": "直接报告上级", "notify": ["recipient_superior"]},
    ])
    rec = issue(proc, issued=100)
    services.run_followups(on=rec.reply_due + dt.timedelta(days=1))
    rec.refresh_from_db()
    assert rec.state == "escalated"


def test_reply_in_time_stops_the_deadline_but_follow_up_continues_until_implemented(proc):
    rec = issue(proc, issued=100)
    services.record_reply(rec=rec, replied_on=rec.issued_on + dt.timedelta(days=30), reply="正在整改", by=proc.prosecutor)
    assert deadlines_for(rec).get(kind=services.REPLY).status == Deadline.Status.MET
    assert services.run_followups(on=rec.reply_due + dt.timedelta(days=1)) == 1


def test_the_periodic_job_is_registered_and_runs(proc):
    job = next(j for j in periodic_jobs() if j.name == "procuratorate.recommendation_followups")
    rec = issue(proc, issued=100)
    job.func()
    rec.refresh_from_db()
    assert rec.followup_step == 1


def test_bad_recommendation_input(proc):
    with pytest.raises(ValidationError) as exc:
        issue(proc, recipient=proc.partner_traffic, issued_on=days_ago(-2), title="")
    assert {"recipient", "issued_on", "title"} <= set(exc.value.message_dict)
    rec = issue(proc, issued=10)
    with pytest.raises(ApplicationError) as exc2:  # implemented before any reply
        services.record_implementation(rec=rec, implemented_on=days_ago(1), evidence="x", by=proc.prosecutor)
    assert exc2.value.code == "transition_not_allowed"
    with pytest.raises(ValidationError):
        services.record_reply(rec=rec, replied_on=days_ago(20), reply="早于制发日期", by=proc.prosecutor)
    rec.refresh_from_db()
    assert rec.state == "issued" and rec.replied_on is None
