"""Statistics from records, for any period and jurisdiction, scoped by the reader's visibility:
sanctions by kind and how many the system found, alerts by type, check-in completion."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q

from pingan.core.deadlines import CHINA
from pingan.orgs.permissions import restrict

from .models import Alert, Sanction


def _in(qs, jurisdiction, field: str = "justice_office"):
    if jurisdiction is None:
        return qs
    return qs.filter(**{f"{field}__jurisdiction__path__startswith": jurisdiction.path})


def sanction_counts(*, user, since: date, until: date, jurisdiction=None) -> dict[str, dict[str, int]]:
    """Effective sanctions decided in [since, until]: {kind: {"total", "found_by_system"}}."""
    qs = _in(restrict(Sanction.objects.all(), user, "view"), jurisdiction).filter(
        state__in=Sanction.EFFECTIVE, decided_on__gte=since, decided_on__lte=until)
    rows = qs.values("kind").annotate(total=Count("pk"), found=Count("pk", filter=Q(found_by_system=True)))
    out = {k: {"total": 0, "found_by_system": 0} for k in Sanction.Kind.values}
    for r in rows:
        out[r["kind"]] = {"total": r["total"], "found_by_system": r["found"]}
    return out


def alert_counts(*, user, since: date, until: date, jurisdiction=None) -> dict[str, dict[str, int]]:
    """Alerts that occurred in [since, until] (local dates): {kind: {"total", state…}}."""
    start = datetime.combine(since, time.min, tzinfo=CHINA)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=CHINA)
    qs = _in(restrict(Alert.objects.all(), user, "view"), jurisdiction).filter(occurred_at__gte=start,
                                                                               occurred_at__lt=end)
    out: dict[str, dict[str, int]] = {}
    for r in qs.values("kind", "state").annotate(n=Count("pk")):
        row = out.setdefault(r["kind"], {"total": 0})
        row[r["state"]] = r["n"]
        row["total"] += r["n"]
    return out


def checkin_completion(*, user, since: date, until: date, jurisdiction=None) -> dict[str, float | int]:
    """Face check-ins due vs passed (the check-in part's own selector does the counting)."""
    from .checkins_selectors import checkin_completion as completion

    c = completion(user=user, since=since, until=until, jurisdiction=jurisdiction)
    return {"due": c.due, "passed": c.passed, "rate": round(c.passed / c.due, 4) if c.due else 0.0}


def overview(*, user, since: date, until: date, jurisdiction=None) -> dict:
    return {
        "since": since, "until": until,
        "sanctions": sanction_counts(user=user, since=since, until=until, jurisdiction=jurisdiction),
        "alerts": alert_counts(user=user, since=since, until=until, jurisdiction=jurisdiction),
        "checkins": checkin_completion(user=user, since=since, until=until, jurisdiction=jurisdiction),
    }
