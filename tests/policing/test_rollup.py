"""The hazard and push figures read a cache of daily counts (pingan/policing/rollup.py): they must
be the records' counts whether the cache is fresh, stale (days marked by writes, counted live) or
rebuilt, for open, whole-month, part-month and one-day periods, local days (times near midnight),
every scope and a filter below township level."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools

import pytest
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from pingan.orgs.permissions import restrict
from pingan.policing import rollup
from pingan.policing.models import DailyCount, DirtyDay, Hazard, Push
from pingan.policing.selectors import _period, in_subtree, jurisdiction_path
from pingan.policing.selectors_stats import policing_figures

pytestmark = pytest.mark.django_db

START = dt.date(2025, 1, 20)
PERIODS = [
    (None, None),
    (dt.date(2025, 1, 1), dt.date(2025, 3, 31)),  # whole months
    (dt.date(2025, 2, 1), dt.date(2025, 2, 28)),  # one month
    (dt.date(2025, 1, 25), dt.date(2025, 3, 10)),  # parts of months around a whole one
    (dt.date(2025, 2, 14), dt.date(2025, 2, 14)),  # one day
]


def reference(*, user, jurisdiction, date_from, date_to) -> dict:
    """The hazard and push figures by their record-level definition."""
    path = jurisdiction_path(jurisdiction)
    hazards = _period(restrict(Hazard.objects.all(), user, "view"), "found_at", date_from, date_to)
    pushes = _period(restrict(Push.objects.all(), user, "view"), "sent_at", date_from, date_to)
    if path:
        hazards, pushes = hazards.filter(in_subtree(path)), pushes.filter(in_subtree(path))
    found, resolved = hazards.count(), hazards.filter(resolved_at__isnull=False).count()
    return {
        "hazards_found": found, "hazards_resolved": resolved,
        "hazards_to_dispute": hazards.filter(dispute__isnull=False).count(),
        "hazards_by_grade": {g: hazards.filter(grade=g).count() for g in ("red", "yellow", "blue")},
        "pushed": pushes.count(), "pushed_by_letter": pushes.filter(channel="letter").count(),
        "resolution_rate": round(resolved / found, 4) if found else None,
    }


def seed_records(police, n: int = 80) -> None:
    """Hazards and pushes over ~3 months, at 00:30 and 23:30 local time, in two townships."""
    places = [(police.officer, police.group1), (police.other_officer, police.other_village)]
    hazards = []
    for i in range(n):
        who, place = places[i % 2]
        local = dt.datetime.combine(START + dt.timedelta(days=i), dt.time(23, 30) if i % 3 else dt.time(0, 30))
        found = timezone.make_aware(local)
        hazards.append(Hazard(jurisdiction=place, agency=who.agency, found_by=who, found_at=found, title=f"隐患{i}",
                              description="邻里纠纷", contact_name="张三", grade=[None, "blue", "yellow", "red"][i % 4],
                              resolved_at=found + dt.timedelta(days=3) if i % 5 < 2 else None, external_ref=f"Z{i}"))
    Hazard.objects.bulk_create(hazards)
    Push.objects.bulk_create([
        Push(hazard=h, agency=h.agency, jurisdiction=h.jurisdiction, channel="letter", target_name="国土所",
             sent_at=h.found_at + dt.timedelta(hours=i % 30), external_ref=f"P{i}")
        for i, h in enumerate(Hazard.objects.order_by("pk")) if i % 2 == 0])


def check_figures(police, leader) -> None:
    for user, (date_from, date_to), place in itertools.product(
            [police.officer, police.bureau_officer, leader], PERIODS, [None, police.shaomi.code, police.village.code]):
        got = policing_figures(user=user, jurisdiction=place, date_from=date_from, date_to=date_to)
        want = reference(user=user, jurisdiction=place, date_from=date_from, date_to=date_to)
        assert {k: got[k] for k in want} == want, (user.username, date_from, date_to, place)


def refresh_all() -> None:
    while rollup.refresh(limit=9):
        pass
    assert not DirtyDay.objects.exists()


def check_cache_is_the_records() -> None:
    for src in rollup.SOURCES.values():
        records = {frozenset(r.items()) for r in src.values(src.model.objects.all(), day=TruncDate(src.field))
                   .annotate(n=Count("pk"))}
        cached = {frozenset(r.items()) for r in DailyCount.objects.filter(source=src.name, month=False).order_by()
                  .values(*src.dims, "agency_id", "area_id", "day", "n")}
        assert cached == records, src.name


def test_migration_marks_the_sources():
    migration = importlib.import_module("pingan.policing.migrations.0005_daily_counts")
    assert {src.model._meta.db_table: (src.name, src.field) for src in rollup.SOURCES.values()} == migration.MARKED


def test_figures_equal_the_records_fresh_stale_and_rebuilt(police, make_user):
    leader = make_user("district_leader", "plc", username="leader_rollup")
    seed_records(police)
    assert DirtyDay.objects.filter(source="hazard").exists()  # bulk inserts marked their days
    check_figures(police, leader)  # nothing cached: every day counted live

    refresh_all()
    check_cache_is_the_records()
    assert DailyCount.objects.filter(month=True).exists()
    check_figures(police, leader)

    # Writes of every kind: QuerySet.update (the workflow), save() across a month end, delete.
    Hazard.objects.filter(pk__in=Hazard.objects.filter(resolved_at__isnull=True).values("pk")[:3]).update(
        resolved_at=timezone.now())
    h = Hazard.objects.order_by("pk").first()
    h.found_at, h.grade = timezone.make_aware(dt.datetime(2025, 2, 28, 23, 59)), "red"
    h.save()
    last = Hazard.objects.order_by("-pk").first()
    Push.objects.filter(hazard=last).delete()
    last.delete()
    assert DirtyDay.objects.exists()
    check_figures(police, leader)

    refresh_all()
    check_cache_is_the_records()
    check_figures(police, leader)

    DailyCount.objects.all().delete()
    assert rollup.rebuild() > 0
    check_cache_is_the_records()
    check_figures(police, leader)


def test_the_worker_job_recounts_marked_days(police):
    from pingan.core.tasks import periodic_jobs
    from pingan.policing.tasks import refresh_daily_counts

    assert "policing.refresh_daily_counts" in {job.name for job in periodic_jobs()}
    seed_records(police, n=10)
    assert refresh_daily_counts() > 0
    assert not DirtyDay.objects.exists()
    check_cache_is_the_records()
