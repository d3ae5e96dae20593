"""Daily counts of hazards and pushes, so that a year's statistics read a few hundred rows instead
of counting every record of the period (issue 6: 100k hazards in a year). The same scheme as
pingan/procuratorate/rollup.py (the apps do not import each other):
- `DailyCount` holds, per source and local day (and per month), how many records there were, by
  unit (agency), area (the jurisdiction, or its township when it lies deeper) and the columns the
  figures test (grade, resolved, sent to a dispute; channel).
- Database triggers (migration 0005) mark (source, day) in `DirtyDay` on every insert, update and
  delete, in the writer's own transaction, whatever the writer (services, workflow updates,
  ledger bulk imports, admin).
- `refresh()` (the worker, every minute; `pingan policing_rollup`) recounts marked days from the
  records and clears their marks; `rebuild()` recounts everything.
- `tally()` sums the cache for clean days and counts the dirty days from the records. A scope or a
  filter below township level (a village's subtree) is counted from the records alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Model,
    Q,
    Sum,
    When,
)
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from pingan.core.rollup import cache_ranges, month_of
from pingan.orgs.permissions import restrict, scope_q

from .models import DailyCount, DirtyDay, Hazard, Push
from .selectors import in_subtree

TOWNSHIP = 2  # Jurisdiction.Level.TOWNSHIP: path.count("/") of a township's path
OPEN_START, OPEN_END = dt.date(1900, 1, 1), dt.date(9000, 12, 31)
MAX_DIRTY_DAYS = 60


@dataclass(frozen=True)
class Source:
    name: str
    model: type[Model]
    field: str  # the time the record counts on
    dims: Mapping[str, Any]  # tested column → the record's field name, or an expression over the record

    def values(self, qs, *, keys: bool = True, **extra: Any):
        """qs.values() of the tested columns (and with `keys`, the unit and area)."""
        fields = [name for name, e in self.dims.items() if isinstance(e, str)]
        exprs = {name: e for name, e in self.dims.items() if not isinstance(e, str)}
        if keys:
            fields.append("agency_id")
            exprs["area_id"] = Case(When(jurisdiction__level=4, then=F("jurisdiction__parent__parent_id")),
                                    When(jurisdiction__level=3, then=F("jurisdiction__parent_id")),
                                    default=F("jurisdiction_id"), output_field=IntegerField())
        return qs.order_by().values(*fields, **exprs, **extra)


SOURCES = {s.name: s for s in (
    Source("hazard", Hazard, "found_at", {
        "grade": "grade",
        "resolved": ExpressionWrapper(Q(resolved_at__isnull=False), output_field=BooleanField()),
        "to_dispute": ExpressionWrapper(Q(dispute__isnull=False), output_field=BooleanField()),
    }),
    Source("push", Push, "sent_at", {"channel": "channel"}),
)}


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _on_days(field: str, days: Iterable[dt.date]) -> Q:
    q = Q()
    for day in days:
        q |= Q(**{f"{field}__gte": _start(day), f"{field}__lt": _start(day + dt.timedelta(days=1))})
    return q




# --- recount ----------------------------------------------------------------------------------


def _recount(src: Source, days: Iterable[dt.date] | None) -> None:
    rows = DailyCount.objects.filter(source=src.name)
    chunks: list[list[dt.date] | None] = [None]
    if days is not None:
        ordered = sorted(days)
        chunks = [ordered[i:i + 100] for i in range(0, len(ordered), 100)]
    for chunk in chunks:
        records = src.model._base_manager.all()
        if chunk is None:
            rows.delete()
        else:
            rows.filter(month=False, day__in=chunk).delete()
            records = records.filter(_on_days(src.field, chunk))
        counted = src.values(records, day=TruncDate(src.field)).annotate(total=Count(src.field))
        DailyCount.objects.bulk_create([DailyCount(source=src.name, n=row.pop("total"), **row) for row in counted],
                                       batch_size=2000)
        day_rows = rows.filter(month=False)
        if chunk is not None:
            months = sorted({month_of(d) for d in chunk})
            rows.filter(month=True, day__in=[m[0] for m in months]).delete()
            within = Q()
            for m in months:
                within |= Q(day__range=m)
            day_rows = day_rows.filter(within)
        sums = (day_rows.order_by().values("agency_id", "area_id", *src.dims, first=TruncMonth("day"))
                .annotate(total=Sum("n")))
        DailyCount.objects.bulk_create([
            DailyCount(source=src.name, month=True, day=row.pop("first"), n=row.pop("total"), **row)
            for row in sums], batch_size=2000)


def refresh(*, limit: int = 500) -> int:
    """Recount up to `limit` marked days and clear their marks in one transaction; returns the
    number of days recounted."""
    with transaction.atomic():
        marks = DirtyDay.objects.order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            marks = marks.select_for_update(skip_locked=True)
        taken = list(marks.values_list("pk", "source", "day")[:limit])
        if not taken:
            return 0
        DirtyDay.objects.filter(pk__in=[pk for pk, _s, _d in taken]).delete()
        by_source: dict[str, set[dt.date]] = defaultdict(set)
        for _pk, source, day in taken:
            by_source[source].add(day)
        for source, days in by_source.items():
            if source in SOURCES:
                _recount(SOURCES[source], days)
    return len(taken)


def rebuild() -> int:
    with transaction.atomic():
        DirtyDay.objects.all().delete()
        for src in SOURCES.values():
            _recount(src, None)
        return DailyCount.objects.count()


# --- reads ------------------------------------------------------------------------------------


def _to_cache(q: Q) -> Q | None:
    """The record scope `q` as a condition on the cache rows, or None when the cache cannot tell
    (a column it does not carry, or a subtree below township level)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            inner = _to_cache(child)
            if inner is None:
                return None
            out.children.append(inner)
            continue
        lookup, value = child  # type: ignore[misc]
        if lookup.partition("__")[0] in ("agency", "agency_id"):
            out.children.append(child)
        elif lookup == "jurisdiction__path__startswith" and str(value).count("/") <= TOWNSHIP:
            out.children.append(("area__path__startswith", value))
        else:
            return None
    return out




def tally(source: str, *, user, date_from: dt.date | None, date_to: dt.date | None,
          path: str | None = None) -> list[tuple[dict[str, Any], int]]:
    """(tested columns, count) groups of the `source` records `user` may see with their time on
    the local days date_from..date_to (None: open) in the jurisdiction subtree at `path`."""
    src = SOURCES[source]
    scope = scope_q(user, src.model, "view")
    if scope is None:
        return []
    period = (date_from or OPEN_START, date_to or OPEN_END)
    records = restrict(src.model._default_manager.all(), user, "view")
    if path:
        records = records.filter(in_subtree(path))
    cached = _to_cache(scope & Q(jurisdiction__path__startswith=path) if path else scope)
    dirty = list(DirtyDay.objects.filter(source=source, day__range=period).values_list("day", flat=True))
    parts = []
    live = None
    if cached is None or len(dirty) > MAX_DIRTY_DAYS:
        live = records
        if date_from:
            live = live.filter(**{f"{src.field}__gte": _start(date_from)})
        if date_to:
            live = live.filter(**{f"{src.field}__lt": _start(date_to + dt.timedelta(days=1))})
    else:
        # each part an index range of the cache, all in one statement (UNION ALL) with the live
        # count of the dirty days; an OR of the ranges made SQLite scan the whole cache
        parts = [DailyCount.objects.filter(Q(source=source) & part & cached).order_by().values(*src.dims)
                 .annotate(total=Sum("n")) for part in cache_ranges(period, dirty)]
        if dirty:
            live = records.filter(_on_days(src.field, dirty))
    if live is not None:
        parts.append(src.values(live, keys=False).annotate(total=Count(src.field)))
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return [(row, row.pop("total")) for row in query]


def count(groups: list[tuple[dict[str, Any], int]], **cond: Any) -> int:
    return sum(n for row, n in groups if all(row[k] == v for k, v in cond.items()))
