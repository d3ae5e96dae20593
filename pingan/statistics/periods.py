"""Reporting periods: a year, a quarter, a month or any range of calendar days in Asia/Shanghai
(settings.TIME_ZONE). A record stamped 2022-12-31 23:30 local time (15:30 UTC) is in 2022."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date  # inclusive

    @property
    def start(self) -> dt.datetime:
        """First instant, aware (compare DateTimeFields with start <= t < end so indexes work)."""
        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=local_zone())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=local_zone())

    def q(self, field: str, *, is_date: bool = False) -> dict:
        """Filter kwargs for `field` (a DateTimeField, or a DateField with is_date)."""
        if is_date:
            return {f"{field}__range": (self.date_from, self.date_to)}
        return {f"{field}__gte": self.start, f"{field}__lt": self.end}

    def year_earlier(self) -> Period:
        return Period(_shift_year(self.date_from, -1), _shift_year(self.date_to, -1))

    @property
    def label(self) -> str:
        f, t = self.date_from, self.date_to
        if f.month == 1 and f.day == 1 and t == dt.date(f.year, 12, 31):
            return _("%(y)d年") % {"y": f.year}
        if f.day == 1 and t == _month_end(f.year, f.month):
            return _("%(y)d年%(m)d月") % {"y": f.year, "m": f.month}
        if f.day == 1 and f.month in (1, 4, 7, 10) and t == _month_end(f.year, f.month + 2):
            return _("%(y)d年第%(q)d季度") % {"y": f.year, "q": (f.month - 1) // 3 + 1}
        return f"{f.isoformat()} – {t.isoformat()}"

    def as_dict(self) -> dict:
        return {"date_from": self.date_from, "date_to": self.date_to, "label": self.label}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + years, day=28)


def year(y: int) -> Period:
    return Period(dt.date(y, 1, 1), dt.date(y, 12, 31))


def quarter(y: int, q: int) -> Period:
    first = 3 * (q - 1) + 1
    return Period(dt.date(y, first, 1), _month_end(y, first + 2))


def month(y: int, m: int) -> Period:
    return Period(dt.date(y, m, 1), _month_end(y, m))


_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_named(text: str, *, field: str = "period") -> Period:
    """"2022", "2022-Q1"/"2022Q1", "2022-03"."""
    text = (text or "").strip()
    try:
        if m := _YEAR.match(text):
            return year(int(m[1]))
        if m := _QUARTER.match(text):
            return quarter(int(m[1]), int(m[2]))
        if (m := _MONTH.match(text)) and 1 <= int(m[2]) <= 12:
            return month(int(m[1]), int(m[2]))
    except ValueError:
        pass
    raise ValidationError({field: _("无法识别的统计期间：%(p)s（可用 2022、2022-Q1、2022-03）") % {"p": text}})


def _parse_date(value: str | dt.date | None, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("日期格式应为 YYYY-MM-DD：%(v)s") % {"v": value}}) from None


def resolve(*, period: str | None = None, date_from: str | dt.date | None = None,
            date_to: str | dt.date | None = None, today: dt.date | None = None) -> Period:
    """A named period, or a from/to range (either end may be left open: from the first of
    January of the `to` year, up to today). Nothing given → this year to date."""
    if period:
        if date_from or date_to:
            raise ValidationError({"period": _("统计期间与起止日期只能二选一。")})
        return parse_named(period)
    today = today or timezone.localdate()
    f = _parse_date(date_from, "from")
    t = _parse_date(date_to, "to")
    if t is None:
        t = today if f is None or f <= today else _month_end(f.year, 12)
    if f is None:
        f = dt.date(t.year, 1, 1)
    if f > t:
        raise ValidationError({"to": _("截止日期不能早于起始日期。")})
    if f.year < 1949 or t.year > 2200:
        raise ValidationError({"from": _("统计期间超出可统计的范围。")})
    return Period(f, t)
