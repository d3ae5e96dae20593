"""The court's calendar: statutory holidays and adjusted working days (调休) on top of the
Monday–Friday week.

Years come from `core.CalendarYear`/`core.CalendarDay` rows (seeded from chinese-calendar by
migration 0004, later years entered by an administrator with `enter_year`). A year with no rows is
treated as weekends-only, and every caller can ask which unknown years it relied on
(`CalendarView.unknown_years`) so deadlines that used such a year are marked provisional.

Reads are cached per year in the process. `enter_year` clears the cache; cached entries also
expire (`PINGAN_CALENDAR_CACHE_SECONDS`, unknown years after a few seconds) so other processes
pick up a newly entered year without a restart.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .errors import ConflictError

MIN_YEAR = 2000
MAX_YEAR = 2100
_UNKNOWN_TTL = 5.0  # seconds; keeps a burst of lookups cheap yet notices a year entered elsewhere


@dataclass(frozen=True)
class YearInfo:
    year: int
    known: bool
    source: str = ""
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)


_cache: dict[int, tuple[YearInfo, float]] = {}
_cache_lock = threading.Lock()


def invalidate(year: int | None = None) -> None:
    with _cache_lock:
        if year is None:
            _cache.clear()
        else:
            _cache.pop(year, None)


def _load(year: int) -> YearInfo:
    from .models import CalendarDay, CalendarYear

    row = CalendarYear.objects.filter(year=year).first()
    if row is None:
        return YearInfo(year=year, known=False)
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for d, kind, name in CalendarDay.objects.filter(year=row).values_list("date", "kind", "name"):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays)[d] = name
    return YearInfo(year=year, known=True, source=row.source, holidays=holidays, workdays=workdays)


def year_info(year: int) -> YearInfo:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(year)
    if hit is not None and hit[1] > now:
        return hit[0]
    info = _load(year)
    ttl = float(getattr(settings, "PINGAN_CALENDAR_CACHE_SECONDS", 300)) if info.known else _UNKNOWN_TTL
    with _cache_lock:
        _cache[year] = (info, now + ttl)
    return info


class CalendarView:
    """The calendar as seen by one computation: remembers which years it consulted, so the
    caller can tell whether any of them lacked holiday data."""

    def __init__(self) -> None:
        self.years_used: set[int] = set()

    def _year(self, year: int) -> YearInfo:
        self.years_used.add(year)
        return year_info(year)

    @property
    def unknown_years(self) -> list[int]:
        return sorted(y for y in self.years_used if not year_info(y).known)

    def is_holiday(self, d: date) -> bool:
        return d in self._year(d.year).holidays

    def is_working_day(self, d: date) -> bool:
        info = self._year(d.year)
        if d in info.holidays:
            return False
        if d in info.workdays:
            return True
        return d.weekday() < 5

    def next_working_day(self, d: date, *, include_start: bool = False) -> date:
        day = d if include_start else d + timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, d: date, n: int, *, skip: Iterable[date] = ()) -> date:
        """The n-th working day after `d` (d itself is not counted); days in `skip` (a pause) do
        not count either."""
        if n < 0:
            raise ValueError("n must not be negative")
        skipped = set(skip)
        day, counted = d, 0
        while counted < n:
            day += timedelta(days=1)
            if day not in skipped and self.is_working_day(day):
                counted += 1
        return day


def is_holiday(d: date) -> bool:
    return CalendarView().is_holiday(d)


def is_working_day(d: date) -> bool:
    return CalendarView().is_working_day(d)


def next_working_day(d: date, *, include_start: bool = False) -> date:
    """The first working day after `d` (or `d` itself when `include_start` and it is one)."""
    return CalendarView().next_working_day(d, include_start=include_start)


def add_working_days(d: date, n: int) -> date:
    return CalendarView().add_working_days(d, n)


def year_known(year: int) -> bool:
    return year_info(year).known


def unknown_year_warning(years: Sequence[int]) -> str:
    if not years:
        return ""
    return _("%(years)s 年节假日安排尚未录入，期限按周末推算，录入后将自动重算") % {
        "years": "、".join(str(y) for y in years)
    }


# --- entering a year ---------------------------------------------------------------------------

DayList = Sequence[tuple[date, str]]


def validate_year(*, year: int, holidays: DayList, workdays: DayList, source: str) -> None:
    errors: dict[str, list[str]] = {}
    if not (MIN_YEAR <= year <= MAX_YEAR):
        errors.setdefault("year", []).append(_("年份须在 %(a)s 至 %(b)s 之间。") % {"a": MIN_YEAR, "b": MAX_YEAR})
    if not source.strip():
        errors.setdefault("source", []).append(_("请注明来源（如国务院办公厅通知的文号）。"))
    if not holidays:
        errors.setdefault("holidays", []).append(_("至少要有一个法定节假日。"))
    seen: dict[date, str] = {}
    for kind, days in (("holidays", holidays), ("workdays", workdays)):
        for d, name in days:
            if d.year != year:
                errors.setdefault(kind, []).append(
                    _("%(d)s 不在 %(y)s 年内。") % {"d": d.isoformat(), "y": year}
                )
            if not name.strip() or len(name) > 50:
                errors.setdefault(kind, []).append(_("%(d)s 的名称须为 1 至 50 个字符。") % {"d": d.isoformat()})
            if d in seen:
                if seen[d] == kind:
                    errors.setdefault(kind, []).append(_("%(d)s 重复出现。") % {"d": d.isoformat()})
                else:
                    errors.setdefault("workdays", []).append(
                        _("%(d)s 不能既是节假日又是调休上班日。") % {"d": d.isoformat()}
                    )
            seen[d] = kind
    if errors:
        raise ValidationError(errors)


def enter_year(
    *,
    year: int,
    holidays: DayList,
    workdays: DayList,
    source: str,
    by: Any,
    replace: bool = False,
):
    """Save one year's State Council holiday arrangement and recompute the deadlines that
    relied on it (provisional ones; every open one touching the year when replacing)."""
    from .deadlines import recompute_deadlines
    from .models import CalendarDay, CalendarYear

    validate_year(year=year, holidays=holidays, workdays=workdays, source=source)
    with transaction.atomic():
        row = CalendarYear.objects.select_for_update().filter(year=year).first()
        before = None
        if row is not None:
            if not replace:
                raise ConflictError(
                    _("%(y)s 年的节假日安排已录入；如需更正请选择“替换”。") % {"y": year},
                    code="year_exists",
                    field="year",
                )
            before = _year_snapshot(row)
            row.days.all().delete()
            row.source = source.strip()
            row.entered_by = by if getattr(by, "pk", None) else None
            row.entered_at = timezone.now()
            row.full_clean()
            row.save()
        else:
            row = CalendarYear(year=year, source=source.strip(), entered_by=by if getattr(by, "pk", None) else None)
            row.full_clean()
            row.save()
        days = [CalendarDay(date=d, kind=CalendarDay.Kind.HOLIDAY, name=n.strip(), year=row) for d, n in holidays]
        days += [CalendarDay(date=d, kind=CalendarDay.Kind.WORKDAY, name=n.strip(), year=row) for d, n in workdays]
        CalendarDay.objects.bulk_create(days)
        audit.record(
            actor=by,
            event_type=audit.AuditEvent.CALENDAR_YEAR_SAVED,
            action="calendar_year_replaced" if before else "calendar_year_entered",
            obj=row,
            before=before,
            after=_year_snapshot(row),
        )
        # Other computations in this process must see the new year at once; on commit again in
        # case a concurrent reader cached the old state meanwhile.
        invalidate()
        transaction.on_commit(invalidate)
        recompute_deadlines(year=year, by=by, only_provisional=before is None)
    return row


def _year_snapshot(row) -> dict[str, Any]:
    days = list(row.days.order_by("date").values_list("date", "kind", "name"))
    return {
        "year": row.year,
        "source": row.source,
        "holidays": [[d.isoformat(), n] for d, k, n in days if k == "holiday"],
        "workdays": [[d.isoformat(), n] for d, k, n in days if k == "workday"],
    }


# --- the administrator's text format -----------------------------------------------------------

_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_ITEM = re.compile(rf"^({_DATE})(?:\s*(?:~|～|至|—|--)\s*({_DATE}))?$")
_SPLIT = re.compile(r"\s*[,，、;；]\s*|\s+(?=\d{4}-)")
_WORKDAY_WORDS = ("调休上班", "调休", "上班")
MAX_RANGE_DAYS = 31


def _parse_date(text: str) -> date:
    y, m, d = (int(p) for p in text.split("-"))
    return date(y, m, d)


def parse_notice(text: str) -> tuple[list[tuple[date, str]], list[tuple[date, str]]]:
    """Parse the pasted notice, one line per holiday or per set of adjusted working days:

        元旦 2027-01-01~2027-01-03
        春节 2027-02-06~2027-02-13
        调休 2027-02-07, 2027-02-20          (or 春节调休 / 春节上班 …)

    Blank lines and lines starting with # are ignored. Raises ValidationError with one message
    per bad line ("第 3 行：…").
    """
    holidays: list[tuple[date, str]] = []
    workdays: list[tuple[date, str]] = []
    errors: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) < 2 or re.match(r"^\d", parts[0]):
            errors.append(_("第 %(n)s 行：应为“名称 日期或日期范围”，如“元旦 2027-01-01~2027-01-03”。") % {"n": lineno})
            continue
        name, rest = parts[0], parts[1].strip()
        is_workday = any(w in name for w in _WORKDAY_WORDS)
        if is_workday:
            for w in _WORKDAY_WORDS:
                name = name.replace(w, "")
            name = name or _("调休")
        target = workdays if is_workday else holidays
        for item in (p for p in _SPLIT.split(rest) if p):
            match = _ITEM.match(item)
            if not match:
                errors.append(_("第 %(n)s 行：无法识别“%(item)s”，日期应写作 YYYY-MM-DD，范围用 ~ 连接。") % {"n": lineno, "item": item})
                continue
            try:
                first = _parse_date(match.group(1))
                last = _parse_date(match.group(2)) if match.group(2) else first
            except ValueError:
                errors.append(_("第 %(n)s 行：日期“%(item)s”不存在。") % {"n": lineno, "item": item})
                continue
            if last < first or (last - first).days >= MAX_RANGE_DAYS:
                errors.append(_("第 %(n)s 行：范围“%(item)s”的结束日须不早于开始日，且不超过 %(max)s 天。") % {"n": lineno, "item": item, "max": MAX_RANGE_DAYS})
                continue
            day = first
            while day <= last:
                target.append((day, name))
                day += timedelta(days=1)
    if errors:
        raise ValidationError({"text": errors})
    if not holidays and not workdays:
        raise ValidationError({"text": [_("没有读到任何日期。")]})
    return holidays, workdays


def enter_year_from_text(*, year: int, text: str, source: str, by: Any, replace: bool = False):
    holidays, workdays = parse_notice(text)
    return enter_year(year=year, holidays=holidays, workdays=workdays, source=source, by=by, replace=replace)


def year_days(year: int) -> list[dict[str, Any]]:
    """The year's exceptions to Monday–Friday, for the API and the admin."""
    info = year_info(year)
    rows = [{"date": d, "kind": "holiday", "name": n} for d, n in info.holidays.items()]
    rows += [{"date": d, "kind": "workday", "name": n} for d, n in info.workdays.items()]
    return sorted(rows, key=lambda r: r["date"])



def format_notice(year: int) -> str:
    """The year's days in the text format `parse_notice` reads (consecutive days with one name
    become a range), so an administrator can correct a year by editing its text."""
    info = year_info(year)
    lines: list[str] = []
    for days, suffix in ((info.holidays, ""), (info.workdays, "调休")):
        runs: list[tuple[str, date, date]] = []
        for d in sorted(days):
            name = days[d]
            if runs and runs[-1][0] == name and runs[-1][2] + timedelta(days=1) == d:
                runs[-1] = (name, runs[-1][1], d)
            else:
                runs.append((name, d, d))
        by_name: dict[str, list[str]] = {}
        for name, first, last in runs:
            by_name.setdefault(name, []).append(
                first.isoformat() if first == last else f"{first.isoformat()}~{last.isoformat()}"
            )
        for name, items in by_name.items():
            label = name if not suffix or name.endswith(suffix) else f"{name}{suffix}"
            lines.append(f"{label} {', '.join(items)}")
    return "\n".join(lines)
