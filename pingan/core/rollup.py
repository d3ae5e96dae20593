"""Shared parts of the apps' daily-count caches (procuratorate/rollup.py, policing/rollup.py).

Each cache table has rows per `day` with a `month` flag: day rows count the records of one
local day, month rows (day = the month's first day) sum a whole month's day rows. Days that a
write has touched since the last recount are "dirty" and are counted from the records instead.
This module holds what does not depend on the records: which cache rows count a period less its
dirty days, and the management command that recounts.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

from django.core.management.base import BaseCommand
from django.db.models import Q

Period = tuple[dt.date, dt.date]


def month_of(day: dt.date) -> Period:
    """The first and last day of `day`'s month."""
    first = day.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def cache_ranges(period: Period, dirty: list[dt.date]) -> list[Q]:
    """Conditions (each one index range) on the cache rows that count `period` less the `dirty`
    days: the month rows of its whole months without a dirty day, the day rows of the rest less
    the dirty days. Read them as a UNION ALL: an OR of the ranges made SQLite scan the cache."""
    first, last = period
    start = first if first.day == 1 else month_of(first)[1] + dt.timedelta(days=1)
    end = last if month_of(last)[1] == last else last.replace(day=1) - dt.timedelta(days=1)
    days = Q(month=False, day__range=period)
    if dirty:
        days &= ~Q(day__in=dirty)
    if start > end:
        return [days]  # no whole month
    stale = sorted({month_of(d) for d in dirty if start <= d <= end})
    months = Q(month=True, day__range=(start, end))
    if stale:
        months &= ~Q(day__in=[m[0] for m in stale])
    out = [months]
    if first < start:
        out.append(days & Q(day__lt=start))
    if end < last:
        out.append(days & Q(day__gt=end))
    out += [days & Q(day__range=span) for span in stale]
    return out


class RecountCommand(BaseCommand):
    """`pingan <app>_rollup [--rebuild]`: a subclass names the app's rollup module, which has
    refresh() (recount some marked days, return how many; 0 when none is left) and rebuild()."""

    rollup: ModuleType

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recount every day, not only the marked ones")

    def handle(self, *args, **options):
        if options["rebuild"]:
            rows = self.rollup.rebuild()
            self.stdout.write(f"rebuilt: {rows} daily counts")
            return
        days = 0
        while n := self.rollup.refresh():
            days += n
        self.stdout.write(f"recounted {days} marked days")
