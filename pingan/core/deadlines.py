"""Deadlines: computing a due date under the procedure laws' counting rules, and the services
that start, pause, resume, extend, complete and recompute stored `core.Deadline` rows.

Counting (民事诉讼法 Art. 85, 刑事诉讼法 Art. 105, 民法典 Art. 201–203):
- the hour or day in which the period starts is not counted;
- natural-day periods count calendar days; working-day periods count working days (holidays and
  rest days skipped, adjusted working Saturdays/Sundays counted);
- month periods end on the corresponding day of the last month, or on its last day when there is
  no corresponding day (1-31 + 1 month → 2-28/29);
- when the last day of a day or month period is a statutory holiday or a rest day, the period
  ends on the first working day after it; hour periods are never moved;
- a day-based period ends at 24:00 Asia/Shanghai of its last day. Times are stored in UTC.
Pauses (e.g. appraisal time, 在线调解规则 Art. 26) are inclusive date ranges whose days are not
counted. Extensions continue the period from where it (unmoved) ended, in their own unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .calendar import MAX_YEAR, CalendarView, unknown_year_warning
from .errors import ApplicationError, ConflictError
from .models import Deadline

# China's calendar is defined on Beijing time whatever the server's zone is.
CHINA = ZoneInfo("Asia/Shanghai")
Unit = Deadline.Unit
DAY_UNITS = {Unit.NATURAL_DAYS, Unit.WORKING_DAYS, Unit.MONTHS}
MAX_AMOUNT = 10_000
OPEN_STATUSES = (Deadline.Status.RUNNING, Deadline.Status.PAUSED)


@dataclass(frozen=True)
class Pause:
    start: date
    end: date | None = None  # None: still paused
    reason: str = ""

    def days(self, *, today: date) -> Iterable[date]:
        last = self.end if self.end is not None else max(today, self.start)
        d = self.start
        while d <= last:
            yield d
            d += timedelta(days=1)

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat() if self.end else None, "reason": self.reason}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pause:
        end = data.get("end")
        return cls(date.fromisoformat(data["start"]), date.fromisoformat(end) if end else None, data.get("reason", ""))


@dataclass(frozen=True)
class Extension:
    amount: int
    unit: str
    reason: str = ""
    by: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": str(self.unit), "reason": self.reason, "by": self.by}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Extension:
        return cls(int(data["amount"]), data["unit"], data.get("reason", ""), data.get("by", ""))


@dataclass(frozen=True)
class DueResult:
    due: datetime  # aware; 24:00 local of due_date for day periods (stored as 23:59:59.999999)
    due_date: date  # Asia/Shanghai
    provisional: bool
    unknown_years: list[int] = field(default_factory=list)
    warning: str = ""


def local_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value, CHINA).date() if timezone.is_aware(value) else value.date()
    return value


def _local_dt(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            return value.replace(tzinfo=CHINA)
        return value.astimezone(CHINA)
    return datetime.combine(value, time.min, tzinfo=CHINA)


def end_of_day(d: date) -> datetime:
    return datetime.combine(d, time.max, tzinfo=CHINA)


def add_months(d: date, n: int) -> date:
    """The corresponding day n months later; the month's last day when there is none."""
    month0 = d.month - 1 + n
    year, month = d.year + month0 // 12, month0 % 12 + 1
    next_first = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(d.day, (next_first - timedelta(days=1)).day))


def _check_range(d: date) -> None:
    # Keeps absurd inputs (thousands of extensions of months) from running past what the
    # calendar and Python's date can represent.
    if d.year > MAX_YEAR:
        raise ApplicationError(
            _("期限超出可计算的范围（%(y)s 年以后）。") % {"y": MAX_YEAR}, code="out_of_range", field="amount"
        )


class _Counter:
    """Walks a period forward; `last_day` is the last counted day of a day-based period, or
    `end_at` the instant an hour-based one ends."""

    def __init__(self, cal: CalendarView, paused: set[date]) -> None:
        self.cal = cal
        self.paused = paused
        self.last_day: date | None = None
        self.end_at: datetime | None = None

    def _from_day(self) -> date:
        if self.last_day is not None:
            return self.last_day
        assert self.end_at is not None
        return (self.end_at - timedelta(microseconds=1)).date()

    def _from_instant(self) -> datetime:
        if self.end_at is not None:
            return self.end_at
        assert self.last_day is not None
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=CHINA)

    def days(self, n: int, *, working: bool) -> None:
        d, counted = self._from_day(), 0
        while counted < n:
            d += timedelta(days=1)
            _check_range(d)
            if d in self.paused or (working and not self.cal.is_working_day(d)):
                continue
            counted += 1
        self.last_day, self.end_at = d, None

    def months(self, n: int) -> None:
        start = self._from_day()
        _check_range(date(min(start.year + n // 12 + 1, MAX_YEAR + 1), 1, 1))
        raw = add_months(start, n)
        self.last_day, self.end_at = raw, None
        # Paused days inside the span push the end by as many countable days.
        extra = sum(1 for d in self.paused if start < d <= raw)
        if extra:
            self.days(extra, working=False)

    def hours(self, n: int) -> None:
        begin = self._from_instant()
        end = begin + timedelta(hours=n)
        _check_range(end.date())
        for first in sorted(self.paused):
            p_start = datetime.combine(first, time.min, tzinfo=CHINA)
            p_end = p_start + timedelta(days=1)
            if p_start < end and p_end > begin:
                end += p_end - max(p_start, begin)
        self.last_day, self.end_at = None, end

    def apply(self, amount: int, unit: str) -> None:
        if unit == Unit.NATURAL_DAYS:
            self.days(amount, working=False)
        elif unit == Unit.WORKING_DAYS:
            self.days(amount, working=True)
        elif unit == Unit.MONTHS:
            self.months(amount)
        elif unit == Unit.HOURS:
            self.hours(amount)
        else:
            raise ApplicationError(_("未知的期间单位：%(u)s") % {"u": unit}, code="invalid_unit", field="unit")


def compute_due(
    *,
    start: datetime | date,
    amount: int,
    unit: str,
    pauses: Sequence[Pause] = (),
    extensions: Sequence[Extension] = (),
    today: date | None = None,
) -> DueResult:
    """The due date of a period; pure apart from reading the calendar."""
    for n, u in [(amount, unit), *((e.amount, e.unit) for e in extensions)]:
        if not (1 <= n <= MAX_AMOUNT):
            raise ApplicationError(_("期间须在 1 至 %(max)s 之间。") % {"max": MAX_AMOUNT}, code="invalid_amount", field="amount")
        if u not in Unit.values:
            raise ApplicationError(_("未知的期间单位：%(u)s") % {"u": u}, code="invalid_unit", field="unit")
    today = today or timezone.localtime(timezone.now(), CHINA).date()
    paused = {d for p in pauses for d in p.days(today=today)}
    cal = CalendarView()
    counter = _Counter(cal, paused)
    if unit == Unit.HOURS:
        # The starting hour is not counted: count from the next full hour.
        begin = _local_dt(start).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        counter.end_at = begin
    else:
        counter.last_day = local_date(start)
    counter.apply(amount, unit)
    for ext in extensions:
        counter.apply(ext.amount, ext.unit)
    if counter.last_day is not None:
        due_date = counter.last_day
        if not cal.is_working_day(due_date):
            due_date = cal.next_working_day(due_date)
        due = end_of_day(due_date)
    else:
        assert counter.end_at is not None
        due = counter.end_at
        due_date = (due - timedelta(microseconds=1)).date()
    unknown = cal.unknown_years
    return DueResult(
        due=due.astimezone(CHINA),
        due_date=due_date,
        provisional=bool(unknown),
        unknown_years=unknown,
        warning=unknown_year_warning(unknown),
    )


def compute_for(deadline: Deadline, *, today: date | None = None) -> DueResult:
    return compute_due(
        start=deadline.start,
        amount=deadline.amount,
        unit=deadline.unit,
        pauses=[Pause.from_json(p) for p in deadline.pauses],
        extensions=[Extension.from_json(e) for e in deadline.extensions],
        today=today,
    )


def warning_for(deadline: Deadline) -> str:
    """The visible warning of a provisional deadline (empty when it is final)."""
    if not deadline.provisional:
        return ""
    return compute_for(deadline).warning


# --- services ----------------------------------------------------------------------------------


def _snapshot(d: Deadline) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "start": d.start.isoformat(),
        "amount": d.amount,
        "unit": d.unit,
        "pauses": d.pauses,
        "extensions": d.extensions,
        "due": d.due.isoformat() if d.due else None,
        "provisional": d.provisional,
        "status": d.status,
    }


def _actor_repr(by: Any) -> str:
    return str(by)[:150] if by is not None else "system"


def _save(deadline: Deadline, *, by: Any, action: str, before: dict[str, Any] | None, reason: str = "") -> Deadline:
    result = compute_for(deadline)
    deadline.due = result.due
    deadline.provisional = result.provisional
    deadline.full_clean()
    deadline.save()
    audit.record(
        actor=by,
        event_type=audit.AuditEvent.DEADLINE_CHANGED,
        action=action,
        obj=deadline,
        before=before,
        after=_snapshot(deadline),
        reason=reason,
    )
    return deadline


def _locked(deadline: Deadline) -> Deadline:
    return Deadline.objects.select_for_update().get(pk=deadline.pk)


def start_deadline(
    *,
    target: Model,
    kind: str,
    start: datetime,
    amount: int,
    unit: str,
    source: str = "",
    by: Any,
) -> Deadline:
    """Attach a running deadline to `target`. `start` is the event that starts the period (the
    day of that event is not counted)."""
    if timezone.is_naive(start):
        raise ApplicationError(_("起算时间须带时区。"), code="naive_datetime", field="start")
    with transaction.atomic():
        deadline = Deadline(
            content_type=ContentType.objects.get_for_model(target),
            object_id=str(target.pk),
            kind=kind,
            start=start,
            amount=amount,
            unit=unit,
            source=source,
            due=start,  # replaced by _save
        )
        return _save(deadline, by=by, action="deadline_started", before=None)


def pause_deadline(*, deadline: Deadline, on: date, reason: str, by: Any) -> Deadline:
    """Stop the clock from day `on` (inclusive), e.g. while an appraisal runs."""
    if not reason.strip():
        raise ApplicationError(_("请说明中止的原因。"), code="reason_required", field="reason")
    with transaction.atomic():
        deadline = _locked(deadline)
        if deadline.status != Deadline.Status.RUNNING:
            raise ConflictError(_("只有进行中的期限可以中止。"), code="not_running")
        if on < local_date(deadline.start):
            raise ApplicationError(_("中止日期不能早于起算日。"), code="invalid_date", field="on")
        before = _snapshot(deadline)
        deadline.pauses = [*deadline.pauses, Pause(on, None, reason.strip()).to_json()]
        deadline.status = Deadline.Status.PAUSED
        return _save(deadline, by=by, action="deadline_paused", before=before, reason=reason)


def resume_deadline(*, deadline: Deadline, on: date, by: Any, reason: str = "") -> Deadline:
    """Restart the clock on day `on`: the pause covers its first day up to the day before."""
    with transaction.atomic():
        deadline = _locked(deadline)
        if deadline.status != Deadline.Status.PAUSED:
            raise ConflictError(_("该期限未处于中止状态。"), code="not_paused")
        pauses = [Pause.from_json(p) for p in deadline.pauses]
        open_ = pauses[-1]
        if on < open_.start:
            raise ApplicationError(_("恢复日期不能早于中止日期。"), code="invalid_date", field="on")
        before = _snapshot(deadline)
        closed = Pause(open_.start, on - timedelta(days=1), open_.reason)
        # Resumed on the day it paused: nothing was paused after all.
        kept = [*pauses[:-1], closed] if on > open_.start else pauses[:-1]
        deadline.pauses = [p.to_json() for p in kept]
        deadline.status = Deadline.Status.RUNNING
        return _save(deadline, by=by, action="deadline_resumed", before=before, reason=reason)


def extend_deadline(*, deadline: Deadline, amount: int, unit: str, reason: str, by: Any) -> Deadline:
    if not reason.strip():
        raise ApplicationError(_("请说明延长的原因。"), code="reason_required", field="reason")
    with transaction.atomic():
        deadline = _locked(deadline)
        if deadline.status not in OPEN_STATUSES:
            raise ConflictError(_("已结束的期限不能延长。"), code="closed")
        before = _snapshot(deadline)
        ext = Extension(amount, unit, reason.strip(), _actor_repr(by))
        deadline.extensions = [*deadline.extensions, ext.to_json()]
        return _save(deadline, by=by, action="deadline_extended", before=before, reason=reason)


def complete_deadline(
    *, deadline: Deadline, by: Any, status: str = Deadline.Status.MET, reason: str = ""
) -> Deadline:
    """Close a deadline: met (the act was done in time or late — compare with `due`), expired or
    cancelled."""
    if status not in (Deadline.Status.MET, Deadline.Status.EXPIRED, Deadline.Status.CANCELLED):
        raise ApplicationError(_("无效的结束状态。"), code="invalid_status", field="status")
    with transaction.atomic():
        deadline = _locked(deadline)
        if deadline.status not in OPEN_STATUSES:
            raise ConflictError(_("该期限已结束。"), code="closed")
        before = _snapshot(deadline)
        deadline.status = status
        if deadline.pauses and deadline.pauses[-1].get("end") is None:
            # Close an open pause on the completion day so the stored due date stops moving.
            today = timezone.localtime(timezone.now(), CHINA).date()
            last = deadline.pauses[-1]
            deadline.pauses = [*deadline.pauses[:-1], {**last, "end": max(today, date.fromisoformat(last["start"])).isoformat()}]
        return _save(deadline, by=by, action="deadline_completed", before=before, reason=reason)


def recompute_deadlines(*, year: int | None = None, by: Any = None, only_provisional: bool = True) -> int:
    """Recompute open deadlines whose period touches `year` (all years when None); returns how
    many changed. Called by `calendar.enter_year`."""
    qs = Deadline.objects.filter(status__in=OPEN_STATUSES)
    if only_provisional:
        qs = qs.filter(provisional=True)
    if year is not None:
        first = datetime.combine(date(year, 1, 1), time.min, tzinfo=CHINA)
        after = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=CHINA)
        qs = qs.filter(Q(start__lt=after) & Q(due__gte=first))
    changed = 0
    with transaction.atomic():
        for deadline in qs.select_for_update().order_by("pk"):
            before = _snapshot(deadline)
            result = compute_for(deadline)
            if result.due == deadline.due and result.provisional == deadline.provisional:
                continue
            _save(deadline, by=by, action="deadline_recomputed", before=before, reason=_("节假日安排更新后重算"))
            changed += 1
    return changed


def recompute_provisional(year: int | None = None, *, by: Any = None) -> int:
    return recompute_deadlines(year=year, by=by, only_provisional=True)


# --- selectors ---------------------------------------------------------------------------------


def deadlines_for(target: Model) -> QuerySet[Deadline]:
    """The deadlines of a record the caller has already fetched through `restrict` (seeing the
    record means seeing its deadlines)."""
    ct = ContentType.objects.get_for_model(target)
    return Deadline.objects.filter(content_type=ct, object_id=str(target.pk)).order_by("due", "pk")


def due_soon(*, user: Any, within: timedelta, now: datetime | None = None) -> QuerySet[Deadline]:
    """Open deadlines due within `within` from now (overdue ones included), soonest first."""
    from pingan.orgs.permissions import restrict

    now = now or timezone.now()
    qs = Deadline.objects.filter(status=Deadline.Status.RUNNING, due__lte=now + within)
    return restrict(qs, user, "view").select_related("content_type").order_by("due", "pk")
