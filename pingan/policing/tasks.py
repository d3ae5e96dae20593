"""Periodic scans run by `pingan worker`: flag households past their visit interval and risk
persons past their review date. Idempotent — a flag is unique per (assignment, household, due
date) or (person, due date), inserted with conflicts ignored, so a rerun adds nothing; flags are
cleared by the services that record the visit or the review."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pingan.core.tasks import periodic

from .models import Assignment, OverdueFlag, RiskPerson
from .selectors import _active, households_due


def flag_overdue_visits(*, today: dt.date | None = None) -> int:
    """Returns the number of new flags."""
    today = today or timezone.localdate()
    new = 0
    officers = _active(Assignment.objects.all(), today).values_list("officer_id", flat=True).distinct()
    from pingan.orgs.models import User

    for officer in User.objects.filter(pk__in=list(officers)).select_related("agency"):
        rows = [r for r in households_due(officer=officer, today=today, within_days=0) if r["overdue"]]
        flags = [
            OverdueFlag(kind=OverdueFlag.Kind.VISIT, assignment=r["assignment"], household=r["household"],
                        agency_id=r["assignment"].agency_id, jurisdiction_id=r["household"].jurisdiction_id,
                        due_on=r["due_on"])
            for r in rows
        ]
        before = OverdueFlag.objects.filter(kind=OverdueFlag.Kind.VISIT).count()
        OverdueFlag.objects.bulk_create(flags, ignore_conflicts=True, batch_size=500)
        new += OverdueFlag.objects.filter(kind=OverdueFlag.Kind.VISIT).count() - before
    return new


def flag_overdue_reviews(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    due = RiskPerson.objects.filter(is_active=True, next_review_on__lt=today)
    flags = [
        OverdueFlag(kind=OverdueFlag.Kind.REVIEW, risk_person_id=pk, agency_id=agency, jurisdiction_id=jur, due_on=on)
        for pk, agency, jur, on in due.values_list("pk", "agency_id", "jurisdiction_id", "next_review_on")
    ]
    before = OverdueFlag.objects.filter(kind=OverdueFlag.Kind.REVIEW).count()
    OverdueFlag.objects.bulk_create(flags, ignore_conflicts=True, batch_size=500)
    return OverdueFlag.objects.filter(kind=OverdueFlag.Kind.REVIEW).count() - before


@periodic(every=dt.timedelta(hours=6), name="policing.flag_overdue")
def flag_overdue() -> None:
    flag_overdue_visits()
    flag_overdue_reviews()


@periodic(every=dt.timedelta(minutes=1), name="policing.refresh_daily_counts")
def refresh_daily_counts() -> int:
    """Recount the statistics' daily counts of the days that writes have marked (rollup.py)."""
    from .rollup import refresh

    total = 0
    while n := refresh():
        total += n
    return total
