"""The statistics read a cache of daily counts (pingan/procuratorate/rollup.py): the figures must
be the records' counts whether the cache is fresh, stale (days marked by writes, counted live) or
rebuilt, for whole months, parts of months and single days, for every scope."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from decimal import Decimal

import pytest
from django.db.models import Count, Q

from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import restrict
from pingan.procuratorate import rollup
from pingan.procuratorate.models import (
    DailyCount,
    DirtyDay,
    EarlyInvolvement,
    MinorCase,
    Offence,
    Recommendation,
    Suspect,
    VolunteerPlan,
)
from pingan.procuratorate.selectors import statistics

pytestmark = pytest.mark.django_db

START = dt.date(2025, 1, 20)
PERIODS = [
    (dt.date(2024, 1, 1), dt.date(2026, 12, 31)),  # whole years
    (dt.date(2025, 2, 1), dt.date(2025, 2, 28)),  # one whole month
    (dt.date(2025, 2, 1), dt.date(2025, 3, 31)),  # whole months
    (dt.date(2025, 1, 25), dt.date(2025, 3, 10)),  # parts of months around a whole one
    (dt.date(2025, 2, 10), dt.date(2025, 2, 20)),  # part of a month
    (dt.date(2025, 2, 14), dt.date(2025, 2, 14)),  # one day
]


def reference(*, user, date_from, date_to, jurisdiction=None) -> dict:
    """The figures by their record-level definition: one COUNT of the records per figure."""
    period = (date_from, date_to)
    sus = restrict(Suspect.objects.all(), user, "view")
    plans = restrict(VolunteerPlan.objects.all(), user, "view").filter(consent_on__range=period)
    recs = restrict(Recommendation.objects.all(), user, "view")
    early = restrict(EarlyInvolvement.objects.all(), user, "view").filter(started_on__range=period)
    if jurisdiction:
        path = Jurisdiction.objects.get(code=jurisdiction).path
        sus = sus.filter(case__jurisdiction__path__startswith=path)
        plans = plans.filter(suspect__case__jurisdiction__path__startswith=path)
        recs = recs.filter(recipient__jurisdiction__path__startswith=path)
        early = early.filter(jurisdiction__path__startswith=path)
    s = {
        "persons": sus.filter(received_on__range=period).count(),
        "guilty_pleas": sus.filter(received_on__range=period, guilty_plea=True).count(),
        "arrest_requested": sus.filter(arrest_requested_on__range=period).count(),
        "arrest_approved": sus.filter(arrest_decision="approved", arrest_decided_on__range=period).count(),
        "arrest_not_approved": sus.filter(arrest_decision="not_approved", arrest_decided_on__range=period).count(),
        "prosecuted": sus.filter(prosecution_decision="prosecute", prosecution_decided_on__range=period).count(),
        "relative_non_prosecuted": sus.filter(prosecution_decision="relative",
                                              prosecution_decided_on__range=period).count(),
        "other_non_prosecuted": sus.filter(prosecution_decision="other", prosecution_decided_on__range=period).count(),
    }
    s["non_prosecuted"] = s["relative_non_prosecuted"] + s["other_non_prosecuted"]
    by_offence = {}
    for offence in Offence.objects.all():
        n = early.filter(offence=offence).count()
        if n:
            by_offence[offence.code] = n
    return {
        "date_from": date_from, "date_to": date_to, "jurisdiction": jurisdiction or None,
        "minor_cases": s,
        "volunteer_service": {
            "participants": plans.count(),
            "passed": plans.filter(state="passed").count(),
            "failed": plans.filter(state="failed").count(),
            "in_progress": plans.filter(state="active").count(),
            "passed_not_prosecuted": plans.filter(state="passed", not_prosecuted=True).count(),
        },
        "recommendations": {
            "issued": recs.filter(issued_on__range=period).count(),
            "escalated": recs.filter(issued_on__range=period, state="escalated").count(),
            "replied": recs.filter(replied_on__range=period).count(),
            "implemented": recs.filter(implemented_on__range=period).count(),
        },
        "early_involvement": {"total": sum(by_offence.values()), "by_offence": by_offence},
    }


def seed_records(proc, n: int = 90) -> None:
    """Records over ~3 months in two townships, written in bulk (as the ledger imports do)."""
    other_police = proc.district_government  # another agency with another jurisdiction
    places = [(proc.police, proc.police.jurisdiction_id), (other_police, other_police.jurisdiction_id)]
    offences = list(proc.offences.values())
    cases = MinorCase.objects.bulk_create([
        MinorCase(number=f"R-{i}", offence=offences[i % len(offences)], procuratorate=proc.procuratorate,
                  police_agency=places[i % 2][0], jurisdiction_id=places[i % 2][1],
                  received_on=START + dt.timedelta(days=i), source="excel")
        for i in range(n)])
    people = []
    for i, case in enumerate(cases):
        day = case.received_on
        s = Suspect(case=case, procuratorate=proc.procuratorate, received_on=day, jurisdiction_id=case.jurisdiction_id,
                    name=f"嫌疑人{i}", guilty_plea=i % 3 != 0, guilty_plea_on=day if i % 3 != 0 else None,
                    state="prosecution_review")
        if i % 4 == 0:
            s.arrest_requested_on, s.arrest_decision = day, ("approved", "not_approved")[i % 8 == 0]
            s.arrest_decided_on = day + dt.timedelta(days=5)
        if i % 5 != 4:
            s.prosecution_decision = ("prosecute", "relative", "other", "prosecute")[i % 5]
            s.prosecution_decided_on = day + dt.timedelta(days=i % 30)
        people.append(s)
    Suspect.objects.bulk_create(people)
    partners = [proc.partner_traffic, proc.partner_youth]
    VolunteerPlan.objects.bulk_create([
        VolunteerPlan(suspect=s, procuratorate=proc.procuratorate, partner=partners[i % 2], not_prosecuted=i % 2 == 0,
                      jurisdiction_id=s.jurisdiction_id, service_type="traffic_duty", consent_on=s.received_on,
                      start_on=s.received_on, end_on=s.received_on + dt.timedelta(days=20), planned_hours=Decimal(8),
                      state=("passed", "failed", "active")[i % 3])
        for i, s in enumerate(people) if i % 2 == 0])
    recipients = [proc.emergency, proc.district_government]
    Recommendation.objects.bulk_create([
        Recommendation(number=f"J-{i}", procuratorate=proc.procuratorate, recipient=recipients[i % 2], title="建议",
                       problems="问题", measures="措施", issued_on=START + dt.timedelta(days=i),
                       reply_due=START + dt.timedelta(days=i + 61),
                       state=("issued", "replied", "implemented", "escalated")[i % 4],
                       replied_on=START + dt.timedelta(days=i + 10) if i % 4 in (1, 2) else None,
                       implemented_on=START + dt.timedelta(days=i + 20) if i % 4 == 2 else None)
        for i in range(n)])
    EarlyInvolvement.objects.bulk_create([
        EarlyInvolvement(number=f"E-{i}", offence=offences[i % 3], procuratorate=proc.procuratorate,
                         police_agency=places[i % 2][0], jurisdiction_id=places[i % 2][1],
                         started_on=START + dt.timedelta(days=i), guidance="引导取证")
        for i in range(n)])


def check_figures(proc) -> None:
    township = proc.police.jurisdiction.code
    for user, (date_from, date_to), place in itertools.product(
            [proc.prosecutor, proc.district_leader, proc.partner], PERIODS, [None, township]):
        got = statistics(user=user, date_from=date_from, date_to=date_to, jurisdiction=place)
        assert got == reference(user=user, date_from=date_from, date_to=date_to, jurisdiction=place), (
            user.username, date_from, date_to, place)


def check_cache_is_the_records() -> None:
    for src in rollup.SOURCES.values():
        for kind, (field, _dims) in src.kinds.items():
            group = src.group_fields(kind)
            records = {tuple(r.values()) for r in src.model.objects.filter(**{f"{field}__isnull": False})
                       .order_by().values(field, *group).annotate(n=Count("pk"))}
            cached = {tuple(r.values()) for r in DailyCount.objects.filter(source=src.name, kind=kind, month=False)
                      .order_by().values("day", *group, "n")}
            assert cached == records, (src.name, kind)


def refresh_all() -> None:
    while rollup.refresh(limit=7):  # small batches: several rounds
        pass
    assert not DirtyDay.objects.exists()


def test_migration_marks_the_sources_columns():
    migration = importlib.import_module("pingan.procuratorate.migrations.0009_daily_counts")
    assert {table: (source, sorted(columns)) for table, (source, columns) in migration.MARKED.items()} == {
        src.model._meta.db_table: (src.name, sorted(src.date_columns())) for src in rollup.SOURCES.values()}


def test_figures_equal_the_records_fresh_stale_and_rebuilt(proc):
    seed_records(proc)
    assert DirtyDay.objects.filter(source="suspect").exists()  # bulk inserts marked their days
    check_figures(proc)  # nothing cached yet: every day counted live

    refresh_all()
    check_cache_is_the_records()
    assert DailyCount.objects.filter(month=True).exists()
    check_figures(proc)  # every day from the cache

    # Edits by every kind of writer: QuerySet.update (as the workflow does), save(), bulk_update,
    # delete; the figures stay right before the worker runs (dirty days counted live) and after.
    s = Suspect.objects.filter(prosecution_decision="prosecute").order_by("pk").first()
    Suspect.objects.filter(pk=s.pk).update(prosecution_decision="other",
                                           prosecution_decided_on=dt.date(2025, 2, 14))
    plan = VolunteerPlan.objects.filter(state="active").order_by("pk").first()
    plan.state, plan.consent_on = "passed", dt.date(2025, 3, 3)
    plan.save()
    moved = list(EarlyInvolvement.objects.order_by("pk")[:3])
    for e in moved:
        e.started_on = dt.date(2025, 2, 14)
    EarlyInvolvement.objects.bulk_update(moved, ["started_on"])
    Recommendation.objects.filter(number__in=["J-5", "J-40"]).delete()
    VolunteerPlan.objects.filter(pk=VolunteerPlan.objects.order_by("-pk").values("pk")[:1]).delete()
    assert DirtyDay.objects.filter(source="suspect", day=dt.date(2025, 2, 14)).exists()
    check_figures(proc)

    refresh_all()
    check_cache_is_the_records()
    check_figures(proc)

    DailyCount.objects.all().delete()  # a lost cache: the rebuild recounts it from the records
    assert rollup.rebuild() > 0
    check_cache_is_the_records()
    check_figures(proc)


def test_a_scope_on_a_column_the_cache_lacks_counts_the_records(proc):
    seed_records(proc, n=20)
    refresh_all()
    DailyCount.objects.update(n=1000)  # a wrong cache would show
    plans = rollup.tally(user=proc.partner, period=PERIODS[0], asks={
        "plan": rollup.Ask(where=Q(suspect__name="嫌疑人0"), figures={"n": ("consent", {})})})
    assert plans == {"plan": {"n": VolunteerPlan.objects.filter(partner=proc.partner_traffic,
                                                                  suspect__name="嫌疑人0").count()}}


def test_the_worker_job_recounts_marked_days(proc):
    from pingan.core.tasks import periodic_jobs
    from pingan.procuratorate.tasks import refresh_daily_counts

    assert "procuratorate.refresh_daily_counts" in {job.name for job in periodic_jobs()}
    seed_records(proc, n=10)
    assert refresh_daily_counts() > 0
    assert not DirtyDay.objects.exists()
    check_cache_is_the_records()
