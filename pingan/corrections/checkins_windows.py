"""The daily check-in windows (setting `corrections.checkin.windows`, local time in
`corrections.checkin.timezone`) as concrete UTC intervals, and who owes a check-in in one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from pingan.core.settings_store import get_setting


@dataclass(frozen=True)
class Window:
    date: date  # local date
    index: int  # position in the setting's list
    start: datetime  # aware; start included
    end: datetime  # aware; end excluded
    label: str


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_setting("corrections.checkin.timezone", str))


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def windows_on(day: date, *, zone: ZoneInfo | None = None, spec: list | None = None) -> list[Window]:
    zone = zone or local_zone()
    spec = spec if spec is not None else get_setting("corrections.checkin.windows", list)
    return [
        Window(date=day, index=i, start=_at(day, w["start"], zone), end=_at(day, w["end"], zone),
               label=w.get("label", ""))
        for i, w in enumerate(spec)
    ]


def _at(day: date, clock: str, zone: ZoneInfo) -> datetime:
    if clock == "24:00":  # a window may run to midnight
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
    return datetime.combine(day, _clock(clock), tzinfo=zone)


def window_at(moment: datetime) -> Window | None:
    zone = local_zone()
    for w in windows_on(timezone.localtime(moment, zone).date(), zone=zone):
        if w.start <= moment < w.end:
            return w
    return None


def windows_ending_between(since: datetime, until: datetime) -> list[Window]:
    """Windows whose end falls in (since, until], oldest first."""
    zone = local_zone()
    spec = get_setting("corrections.checkin.windows", list)
    day = timezone.localtime(since, zone).date() - timedelta(days=1)
    last = timezone.localtime(until, zone).date()
    found: list[Window] = []
    while day <= last:
        found.extend(w for w in windows_on(day, zone=zone, spec=spec) if since < w.end <= until)
        day += timedelta(days=1)
    return found


def owes(*, reported_at: datetime, ended_at: datetime | None, enrolments: list[tuple[datetime, datetime | None]],
         window: Window) -> bool:
    """Was the person due to check in in this window? Under supervision for the whole window and
    holding a face enrolment made before it started (without one the app cannot check in: that is
    the office's gap, reported as "not enrolled", not the person's miss)."""
    if reported_at > window.start or (ended_at is not None and ended_at < window.end):
        return False
    return any(enrolled <= window.start and (revoked is None or revoked >= window.end) for enrolled, revoked in enrolments)
