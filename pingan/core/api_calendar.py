"""Core API: the holiday calendar and deadline previews.

    GET  /api/v1/core/calendar/{year}        the year's holidays and adjusted working days
    POST /api/v1/core/calendar/years         enter a year's State Council notice (admins)
    POST /api/v1/core/deadlines/preview      what a period's due date would be
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from pydantic import ConfigDict, model_validator

from pingan.orgs.api_auth import require_scope
from pingan.orgs.permissions import can

from . import calendar
from .deadlines import MAX_AMOUNT, Extension, Pause, compute_due
from .models import CalendarYear, Deadline

router = Router(tags=["core"])
MAX_PAUSE_DAYS = 3660


class _In(Schema):
    # Unknown fields are refused so a misspelt field never looks like success.
    model_config = ConfigDict(extra="forbid")


class DayOut(Schema):
    date: date
    kind: str
    name: str


class CalendarYearOut(Schema):
    year: int
    known: bool = Field(description="false: no official arrangement entered; weekends only")
    source: str
    days: list[DayOut]
    warning: str


def _year_out(year: int) -> dict:
    info = calendar.year_info(year)
    return {
        "year": year,
        "known": info.known,
        "source": info.source,
        "days": calendar.year_days(year),
        "warning": "" if info.known else calendar.unknown_year_warning([year]),
    }


@router.get("/calendar/{int:year}", response=CalendarYearOut)
def calendar_year(request: HttpRequest, year: int = Path(..., ge=calendar.MIN_YEAR, le=calendar.MAX_YEAR)):
    return _year_out(year)


class DayIn(_In):
    date: date
    name: str = Field(..., min_length=1, max_length=50)


class CalendarYearIn(_In):
    year: int = Field(..., ge=calendar.MIN_YEAR, le=calendar.MAX_YEAR)
    source: str = Field(..., min_length=1, max_length=300, description="e.g. 国办发明电〔2026〕N号")
    text: str | None = Field(
        None, max_length=20_000, description="the notice in the admin's line format, instead of holidays/workdays"
    )
    holidays: list[DayIn] = Field(default_factory=list, max_length=366)
    workdays: list[DayIn] = Field(default_factory=list, max_length=366)
    replace: bool = False

    @model_validator(mode="after")
    def _one_form(self) -> CalendarYearIn:
        if self.text is not None and (self.holidays or self.workdays):
            raise ValueError(_("text 与 holidays/workdays 只能二选一。"))
        if self.text is None and not self.holidays:
            raise ValueError(_("请提供 text，或至少一个 holidays 日期。"))
        return self


@router.post("/calendar/years", response={201: CalendarYearOut})
def calendar_year_enter(request: HttpRequest, payload: CalendarYearIn):
    # Checked inline rather than with @requires: ninja must see this function's own annotations.
    if not can(request.user, "add", CalendarYear):
        raise PermissionDenied(_("无权执行此操作。"))
    require_scope(request, "admin")
    if payload.text is not None:
        calendar.enter_year_from_text(
            year=payload.year, text=payload.text, source=payload.source, by=request.user, replace=payload.replace
        )
    else:
        calendar.enter_year(
            year=payload.year,
            holidays=[(d.date, d.name) for d in payload.holidays],
            workdays=[(d.date, d.name) for d in payload.workdays],
            source=payload.source,
            by=request.user,
            replace=payload.replace,
        )
    return 201, _year_out(payload.year)


class PauseIn(_In):
    start: date
    end: date | None = None
    reason: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> PauseIn:
        if self.end is not None and self.end < self.start:
            raise ValueError(_("中止结束日期不能早于开始日期。"))
        for d in (self.start, self.end):
            if d is not None and not (calendar.MIN_YEAR <= d.year <= calendar.MAX_YEAR):
                raise ValueError(_("日期须在 %(a)s 至 %(b)s 年之间。") % {"a": calendar.MIN_YEAR, "b": calendar.MAX_YEAR})
        if self.end is not None and (self.end - self.start).days > MAX_PAUSE_DAYS:
            raise ValueError(_("单次中止不能超过 %(n)s 天。") % {"n": MAX_PAUSE_DAYS})
        return self


class ExtensionIn(_In):
    amount: int = Field(..., ge=1, le=MAX_AMOUNT)
    unit: Deadline.Unit
    reason: str = Field("", max_length=200)


class DeadlinePreviewIn(_In):
    start: datetime = Field(..., description="the starting event; a date alone means 00:00 Beijing time")
    amount: int = Field(..., ge=1, le=MAX_AMOUNT)
    unit: Deadline.Unit
    pauses: list[PauseIn] = Field(default_factory=list, max_length=50)
    extensions: list[ExtensionIn] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _in_range(self) -> DeadlinePreviewIn:
        if not (calendar.MIN_YEAR <= self.start.year < calendar.MAX_YEAR - 10):
            raise ValueError(_("起算日期须在 %(a)s 至 %(b)s 年之间。") % {"a": calendar.MIN_YEAR, "b": calendar.MAX_YEAR - 10})
        return self


class DeadlinePreviewOut(Schema):
    due: datetime
    due_date: date
    provisional: bool
    unknown_years: list[int]
    warning: str


@router.post("/deadlines/preview", response=DeadlinePreviewOut)
def deadline_preview(request: HttpRequest, payload: DeadlinePreviewIn):
    result = compute_due(
        start=payload.start,
        amount=payload.amount,
        unit=payload.unit.value,
        pauses=[Pause(p.start, p.end, p.reason) for p in payload.pauses],
        extensions=[Extension(e.amount, e.unit.value, e.reason) for e in payload.extensions],
    )
    return {
        "due": result.due,
        "due_date": result.due_date,
        "provisional": result.provisional,
        "unknown_years": result.unknown_years,
        "warning": result.warning,
    }
