"""Daily counts of the procuratorate's records, so that a statistic over years reads a few
thousand rows instead of counting every record of the period (issue 6: 100k records a kind).

It is a cache of record counts, not a store of figures:
- `DailyCount` holds, per source (suspects, volunteer plans, recommendations, early
  involvements), kind of date (received, arrest decided …) and day, how many records had that
  date, by the scope columns restrict() filters on and the columns the figures test.
- Database triggers (migration 0009, which names the same tables and date columns as SOURCES) mark (source, day) in `DirtyDay` on every
  insert, update and delete of a record, for each of its dates before and after, in the writer's
  own transaction: services, workflow transitions (QuerySet.update), the ledger imports
  (bulk_create / bulk_update) and the admin are all covered without remembering to.
- `refresh()` (the worker, every minute; `pingan procuratorate_rollup`) recounts the marked days
  from the records and clears their marks in one transaction; `rebuild()` recounts every day.
- `tally()` sums the cache over the clean days and counts the records of the dirty days live,
  so a figure is always the records' count whether or not the worker has run. A scope or filter
  on a column the cache does not carry (a permission row an administrator wrote on another
  column) is counted from the records alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Model, Q, Sum
from django.db.models.functions import TruncMonth

from pingan.core.rollup import Period, cache_ranges, month_of
from pingan.orgs.permissions import restrict, scope_q

from .models import DailyCount, DirtyDay, EarlyInvolvement, Recommendation, Suspect, VolunteerPlan


@dataclass(frozen=True)
class Source:
    name: str
    model: type[Model]
    # kind → (date field, the fields the figures of that kind test)
    kinds: Mapping[str, tuple[str, tuple[str, ...]]]
    # foreign keys carried as they are on the record (scopes and filters may use them)
    keys: tuple[str, ...]

    def group_fields(self, kind: str) -> list[str]:
        return [f"{k}_id" for k in self.keys] + list(self.kinds[kind][1])

    def date_columns(self) -> list[str]:
        return [self.model._meta.get_field(f).column for f, _dims in self.kinds.values()]  # type: ignore[union-attr,misc]


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("suspect", Suspect, {
        "received": ("received_on", ("guilty_plea",)),
        "arrest_requested": ("arrest_requested_on", ()),
        "arrest_decided": ("arrest_decided_on", ("arrest_decision",)),
        "prosecution_decided": ("prosecution_decided_on", ("prosecution_decision",)),
    }, keys=("procuratorate", "jurisdiction")),
    Source("plan", VolunteerPlan, {"consent": ("consent_on", ("state", "not_prosecuted"))},
           keys=("procuratorate", "partner", "jurisdiction")),
    Source("recommendation", Recommendation, {
        "issued": ("issued_on", ("state",)),
        "replied": ("replied_on", ()),
        "implemented": ("implemented_on", ()),
    }, keys=("procuratorate", "recipient")),
    Source("early", EarlyInvolvement, {"started": ("started_on", ())},
           keys=("procuratorate", "police_agency", "jurisdiction", "offence")),
)}

# The columns the figures test, over all the sources.
DIMS = sorted({d for src in SOURCES.values() for _f, dims in src.kinds.values() for d in dims})
# More dirty days than this in a period: count the whole period from the records.
MAX_DIRTY_DAYS = 300


# --- recount ----------------------------------------------------------------------------------




def _recount(src: Source, days: Iterable[dt.date] | None) -> None:
    """Replace the cache rows of `src` for `days` (None: every day) by counts of the records,
    then the month rows of their months by sums of the day rows."""
    rows = DailyCount.objects.filter(source=src.name)
    chunks: list[list[dt.date] | None] = [None]
    if days is not None:
        ordered = sorted(days)
        chunks = [ordered[i:i + 500] for i in range(0, len(ordered), 500)]
    for chunk in chunks:
        (rows if chunk is None else rows.filter(month=False, day__in=chunk)).delete()
        new = []
        for kind, (field, _dims) in src.kinds.items():
            group = src.group_fields(kind)
            records = src.model._base_manager.filter(**{f"{field}__isnull": False})
            if chunk is not None:
                records = records.filter(**{f"{field}__in": chunk})
            for row in records.order_by().values(field, *group).annotate(n=Count(field)):
                new.append(DailyCount(source=src.name, kind=kind, day=row[field], n=row["n"],
                                      **{g: row[g] for g in group}))
        DailyCount.objects.bulk_create(new, batch_size=2000)
        # the months: sums of their day rows
        day_rows = rows.filter(month=False)
        if chunk is not None:
            months = sorted({month_of(d) for d in chunk})
            rows.filter(month=True, day__in=[m[0] for m in months]).delete()
            within = Q()
            for m in months:
                within |= Q(day__range=m)
            day_rows = day_rows.filter(within)
        columns = ["kind", *(f"{k}_id" for k in src.keys), *DIMS]
        sums = day_rows.order_by().values(*columns, first=TruncMonth("day")).annotate(total=Sum("n"))
        DailyCount.objects.bulk_create([
            DailyCount(source=src.name, month=True, day=row.pop("first"), n=row.pop("total"), **row)
            for row in sums], batch_size=2000)


def refresh(*, limit: int = 2000) -> int:
    """Recount up to `limit` marked days and clear their marks, in one transaction (a writer that
    marks a day again meanwhile either waits for it, or leaves a new mark). Returns the number of
    days recounted."""
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
    """Recount every day of every source from the records; returns the number of cache rows."""
    with transaction.atomic():
        DirtyDay.objects.all().delete()
        DailyCount.objects.all().delete()
        for src in SOURCES.values():
            _recount(src, None)
        return DailyCount.objects.count()


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """What to count of one source: figure name → (kind, {field: value}), the records whose kind's
    date falls in the period and whose fields have those values (only fields the kind groups by);
    `where` narrows the records (carried keys only, e.g. a jurisdiction subtree); with `by` (a
    carried key or a tested field) each figure is a dict {value: count} of the values counted."""

    figures: Mapping[str, tuple[str, Mapping[str, Any]]]
    where: Q = Q()
    by: str | None = None


def _heads(q: Q) -> set[str]:
    out: set[str] = set()
    for child in q.children:
        if isinstance(child, Q):
            out |= _heads(child)
        else:
            lookup, _value = child  # type: ignore[misc]
            out.add(lookup.partition("__")[0].removesuffix("_id"))
    return out


def _attname(src: Source, field: str) -> str:
    return f"{field}_id" if field in src.keys else field


def _check(src: Source, ask: Ask) -> None:
    for name, (kind, cond) in ask.figures.items():
        dims = set(src.kinds[kind][1])
        if not set(cond) <= dims:
            raise ValueError(f"{src.name}.{name}: {kind} groups by {sorted(dims)} only")
        if ask.by and ask.by not in src.keys and ask.by not in dims:
            raise ValueError(f"{src.name}.{name}: {kind} does not group by {ask.by}")




def tally(*, user, period: Period, asks: Mapping[str, Ask]) -> dict[str, dict[str, Any]]:
    """source → figure name → count (or {value: count} with `by`) of the records `user` may see.
    The cache rows of every clean day come in one grouped query over all the sources; the days
    marked dirty are counted from the records, grouped the same way, and both are added up by the
    same figure conditions."""
    grouped: list[tuple[str, str, dict[str, Any], int]] = []
    dirty: dict[str, list[dt.date]] = defaultdict(list)
    for source, day in DirtyDay.objects.filter(source__in=list(asks), day__range=period).values_list("source", "day"):
        dirty[source].append(day)
    cached: list[Q] = []
    live: dict[str, Period | list[dt.date]] = {}
    for source, ask in asks.items():
        src = SOURCES[source]
        _check(src, ask)
        scope = scope_q(user, src.model, "view")
        if scope is None:
            continue  # sees none of them
        if len(dirty[source]) > MAX_DIRTY_DAYS or not _heads(scope) | _heads(ask.where) <= set(src.keys):
            live[source] = period  # a scope on a column the cache does not carry: the records alone
            continue
        cached += [Q(source=source) & part & scope & ask.where for part in cache_ranges(period, dirty[source])]
        if dirty[source]:
            live[source] = dirty[source]
    if cached:
        fields = ["source", "kind", *sorted({_attname(SOURCES[s], f) for s, ask in asks.items()
                                             for f in [*(c for _k, (_kind, cond) in ask.figures.items() for c in cond),
                                                       *([ask.by] if ask.by else [])]})]
        # each part an index range, all in one statement (UNION ALL): an OR of the ranges made
        # SQLite scan the whole cache
        parts = [DailyCount.objects.filter(q).order_by().values(*fields).annotate(total=Sum("n")) for q in cached]
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for row in rows:
            grouped.append((row.pop("source"), row.pop("kind"), row, row.pop("total")))
    for source, days in live.items():
        src, ask = SOURCES[source], asks[source]
        records = restrict(src.model._default_manager.all(), user, "view").filter(ask.where)
        for kind in {kind for kind, _cond in ask.figures.values()}:
            field = src.kinds[kind][0]
            keys = {_attname(src, c) for k, cond in ask.figures.values() if k == kind for c in cond}
            if ask.by:
                keys.add(_attname(src, ask.by))
            lookup = "range" if isinstance(days, tuple) else "in"
            on_days = records.filter(**{f"{field}__{lookup}": days}).order_by()
            if not keys:  # values() of nothing would group by every column
                grouped.append((source, kind, {}, on_days.aggregate(total=Count(field))["total"]))
                continue
            for row in on_days.values(*sorted(keys)).annotate(total=Count(field)):  # an index holds the date
                grouped.append((source, kind, row, row.pop("total")))
    out: dict[str, dict[str, Any]] = {}
    for source, ask in asks.items():
        src = SOURCES[source]
        figures: dict[str, Any] = {}
        for name, (kind, cond) in ask.figures.items():
            want = {_attname(src, f): v for f, v in cond.items()}
            matching = [(row, n) for s, k, row, n in grouped
                        if s == source and k == kind and all(row[f] == v for f, v in want.items())]
            if ask.by:
                by: dict[Any, int] = defaultdict(int)
                for row, n in matching:
                    by[row[_attname(src, ask.by)]] += n
                figures[name] = {value: n for value, n in by.items() if n}
            else:
                figures[name] = sum(n for _row, n in matching)
        out[source] = figures
    return out
