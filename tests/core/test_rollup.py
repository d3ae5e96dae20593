"""core.rollup.cache_ranges: the cache rows it selects count every clean day of the period exactly
once (from its month row when the whole month is in the period and clean, else from its day row)
and no dirty day or day outside the period. Checked by evaluating each condition on every
candidate row with Q.check (the database evaluates it, as it would the real query)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from pingan.core.rollup import cache_ranges, month_of

pytestmark = pytest.mark.django_db

D = dt.date


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(n) for n in range((last - first).days + 1)]


def covered(period, dirty) -> Counter:
    ranges = cache_ranges(period, dirty)
    first, last = period
    around = days(month_of(first)[0] - dt.timedelta(days=3), month_of(last)[1] + dt.timedelta(days=3))
    month_rows = sorted({month_of(d)[0] for d in around})
    out: Counter = Counter()
    for q in ranges:
        for d in around:
            if q.check({"month": False, "day": d}):
                out[d] += 1
        for m in month_rows:
            if q.check({"month": True, "day": m}):
                out.update(days(*month_of(m)))
    return out


@pytest.mark.parametrize(("period", "dirty"), [
    ((D(2025, 1, 1), D(2025, 3, 31)), []),                            # whole months
    ((D(2025, 1, 15), D(2025, 4, 10)), []),                           # part months at both ends
    ((D(2025, 1, 15), D(2025, 4, 10)), [D(2025, 2, 3), D(2025, 4, 1), D(2025, 1, 20)]),
    ((D(2025, 2, 3), D(2025, 2, 20)), [D(2025, 2, 5)]),               # inside one month
    ((D(2024, 12, 31), D(2025, 1, 1)), [D(2025, 1, 1)]),              # over a year's end
    ((D(2025, 1, 1), D(2025, 1, 31)), [D(2025, 1, 31)]),              # one whole month, stale
])
def test_every_clean_day_once_and_nothing_else(period, dirty):
    expected = Counter({d: 1 for d in days(*period) if d not in dirty})
    assert covered(period, dirty) == expected


def test_whole_clean_months_are_read_from_month_rows():
    ranges = cache_ranges((D(2025, 1, 1), D(2025, 6, 30)), [D(2025, 3, 9)])
    month_hits = {m for m in (D(2025, k, 1) for k in range(1, 7)) if any(q.check({"month": True, "day": m})
                                                                        for q in ranges)}
    assert month_hits == {D(2025, 1, 1), D(2025, 2, 1), D(2025, 4, 1), D(2025, 5, 1), D(2025, 6, 1)}


@pytest.mark.parametrize("app", ["procuratorate", "policing"])
def test_the_recount_commands_run_on_core_rollups_command(app):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(f"{app}_rollup", stdout=out)
    call_command(f"{app}_rollup", "--rebuild", stdout=out)
    assert out.getvalue().splitlines()[0].startswith("recounted ")
    assert out.getvalue().splitlines()[1].startswith("rebuilt: ")
