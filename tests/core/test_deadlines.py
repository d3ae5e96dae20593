"""Deadline computation under the procedure laws' counting rules, checked by hand against the
official arrangements in pingan/core/data/holidays.json, plus the deadline services, selectors
and the preview API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pingan.core import calendar
from pingan.core.audit import AuditEvent
from pingan.core.deadlines import (
    Extension,
    Pause,
    complete_deadline,
    compute_due,
    deadlines_for,
    due_soon,
    extend_deadline,
    pause_deadline,
    recompute_provisional,
    resume_deadline,
    start_deadline,
)
from pingan.core.errors import ApplicationError, ConflictError
from pingan.core.models import AuditEntry, Deadline
from tests.core.seed import ensure_core_seed

CN = ZoneInfo("Asia/Shanghai")
N, W, M, H = "natural_days", "working_days", "months", "hours"


@pytest.fixture(autouse=True)
def seeded(db):
    ensure_core_seed()
    calendar.invalidate()
    yield
    calendar.invalidate()


def due(start: date, amount: int, unit: str, **kw) -> date:
    return compute_due(start=start, amount=amount, unit=unit, **kw).due_date


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        # 委派调解 30 days from 2024-01-15: day 30 is 2024-02-14, inside 春节 (02-10~02-17); the
        # first working day after it is the adjusted Sunday 02-18.
        (date(2024, 1, 15), 30, N, date(2024, 2, 18)),
        # From 2025-09-05: day 30 is 2025-10-05, inside 国庆/中秋 (10-01~10-08) → Thursday 10-09.
        (date(2025, 9, 5), 30, N, date(2025, 10, 9)),
        # 2025 春节 01-28~02-04: day 30 from 01-01 is 01-31 → Wednesday 02-05.
        (date(2025, 1, 1), 30, N, date(2025, 2, 5)),
        # 2026 春节 02-15~02-23: day 30 from 01-20 is 02-19 → Tuesday 02-24.
        (date(2026, 1, 20), 30, N, date(2026, 2, 24)),
        # 2024 国庆 10-01~10-07: day 30 from 09-03 is 10-03 → Tuesday 10-08.
        (date(2024, 9, 3), 30, N, date(2024, 10, 8)),
        # 2026 国庆 10-01~10-07: day 30 from 09-05 is 10-05 → Thursday 10-08.
        (date(2026, 9, 5), 30, N, date(2026, 10, 8)),
        # A plain Saturday moves to Monday.
        (date(2024, 3, 1), 15, N, date(2024, 3, 18)),
        # An adjusted working Saturday (2024-10-12) is a working day: the period ends on it.
        (date(2024, 9, 12), 30, N, date(2024, 10, 12)),
        # The start day is not counted: 1 day from Monday is Tuesday.
        (date(2024, 3, 4), 1, N, date(2024, 3, 5)),
    ],
)
def test_natural_day_periods(start, amount, unit, expected):
    assert due(start, amount, unit) == expected


def test_working_day_periods_across_adjusted_days():
    # Choosing a mediator: 2 working days from Monday 2024-09-30 jump 国庆 → 10-08, 10-09.
    assert due(date(2024, 9, 30), 2, W) == date(2024, 10, 9)
    # Accepting: 3 working days from Friday 2024-09-27: the adjusted Sunday 09-29, Monday 09-30,
    # then Tuesday 10-08.
    assert due(date(2024, 9, 27), 3, W) == date(2024, 10, 8)
    # The adjusted Saturday 2024-10-12 counts: Thursday 10-10 + 2 working days → Saturday 10-12.
    assert due(date(2024, 10, 10), 2, W) == date(2024, 10, 12)
    # 2025: Friday 09-26 + 1 → the adjusted Sunday 09-28.
    assert due(date(2025, 9, 26), 1, W) == date(2025, 9, 28)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # no 31st: the month's last day (leap year)
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 1, date(2024, 3, 29)),  # the corresponding day, not the month end
        (date(2024, 3, 31), 2, date(2024, 5, 31)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
        (date(2024, 11, 30), 2, date(2025, 2, 5)),  # 2025-01-30 is 春节 (01-28~02-04)
        (date(2024, 9, 1), 1, date(2024, 10, 8)),  # 10-01 is 国庆 → 10-08
        (date(2024, 4, 3), 1, date(2024, 5, 6)),  # 05-03 is 劳动节 (05-01~05-05) → Monday 05-06
    ],
)
def test_month_periods(start, months, expected):
    assert due(start, months, M) == expected


def test_hour_periods_start_at_the_next_hour_and_ignore_holidays():
    start = datetime(2024, 10, 1, 10, 25, tzinfo=CN)
    result = compute_due(start=start, amount=48, unit=H)
    assert result.due == datetime(2024, 10, 3, 11, 0, tzinfo=CN)
    assert result.provisional is False


def test_dates_are_chinese_dates_whatever_the_input_zone():
    # 2024-03-01 16:30 UTC is 2024-03-02 00:30 in Beijing: the period starts on 03-02.
    result = compute_due(start=datetime(2024, 3, 1, 16, 30, tzinfo=UTC), amount=10, unit=N)
    assert result.due_date == date(2024, 3, 12)
    # A day period ends at 24:00 Beijing time of its last day, i.e. 16:00 UTC.
    assert result.due.astimezone(UTC) == datetime(2024, 3, 12, 15, 59, 59, 999999, tzinfo=UTC)
    result = compute_due(start=datetime(2024, 3, 1, 15, 59, tzinfo=UTC), amount=10, unit=N)
    assert result.due_date == date(2024, 3, 11)


def test_pauses_shift_the_due_date_by_the_paused_days():
    base = due(date(2024, 3, 1), 30, N)
    assert base == date(2024, 4, 1)  # 03-31 is a Sunday
    paused = [Pause(date(2024, 3, 10), date(2024, 3, 19), "鉴定")]
    assert due(date(2024, 3, 1), 30, N, pauses=paused) == date(2024, 4, 10)
    # A pause after the period ended changes nothing.
    assert due(date(2024, 3, 1), 30, N, pauses=[Pause(date(2024, 5, 1), date(2024, 5, 9))]) == base
    # Working days: paused working days are not counted either (03-11~03-15 is one week).
    assert due(date(2024, 3, 8), 3, W) == date(2024, 3, 13)
    assert due(date(2024, 3, 8), 3, W, pauses=[Pause(date(2024, 3, 11), date(2024, 3, 15))]) == date(2024, 3, 20)
    # Months: 1 month from 2024-03-04 is 04-04 (清明 → 04-07 adjusted Sunday); a 5-day pause
    # moves the counted end to 04-09.
    assert due(date(2024, 3, 4), 1, M) == date(2024, 4, 7)
    assert due(date(2024, 3, 4), 1, M, pauses=[Pause(date(2024, 3, 5), date(2024, 3, 9))]) == date(2024, 4, 9)


def test_extensions_continue_from_the_unmoved_end():
    assert due(date(2024, 3, 1), 30, N, extensions=[Extension(15, N)]) == date(2024, 4, 15)
    # 审查起诉 1 month + 15 days from 2024-05-10: 06-10 (端午) is the unmoved end; + 15 → 06-25.
    assert due(date(2024, 5, 10), 1, M, extensions=[Extension(15, N)]) == date(2024, 6, 25)
    # Mixed units: 48 hours then 1 working day.
    result = compute_due(start=datetime(2024, 3, 4, 9, 30, tzinfo=CN), amount=48, unit=H, extensions=[Extension(1, W)])
    assert result.due_date == date(2024, 3, 7)


def test_bad_amount_or_unit_is_refused():
    with pytest.raises(ApplicationError):
        compute_due(start=date(2024, 1, 1), amount=0, unit=N)
    with pytest.raises(ApplicationError):
        compute_due(start=date(2024, 1, 1), amount=1, unit="fortnights")


def test_a_period_running_into_a_year_without_data_is_provisional():
    result = compute_due(start=date(2026, 12, 20), amount=30, unit=N)
    assert result.due_date == date(2027, 1, 19)
    assert result.provisional and result.unknown_years == [2027]
    assert result.warning == "2027 年节假日安排尚未录入，期限按周末推算，录入后将自动重算"
    assert not compute_due(start=date(2026, 11, 1), amount=30, unit=N).provisional


# --- services ----------------------------------------------------------------------------------


@pytest.fixture
def target(django_user_model):
    return django_user_model.objects.create_user("deadline_target", password="x-Pass-2026-long")


def at(d: date, hour: int = 9) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=CN)


def test_deadline_in_december_2026_is_recomputed_when_2027_is_entered(target):
    # 30 days from 2026-12-02 end on Friday 2027-01-01: a working day on weekends alone.
    provisional = start_deadline(
        target=target, kind="委派调解", start=at(date(2026, 12, 2)), amount=30, unit=N, source="特邀调解规定第27条", by=None
    )
    working = start_deadline(target=target, kind="选定调解员", start=at(date(2026, 12, 30)), amount=2, unit=W, by=None)
    final = start_deadline(target=target, kind="其他", start=at(date(2026, 11, 2)), amount=30, unit=N, by=None)
    assert provisional.provisional and working.provisional and not final.provisional
    assert provisional.due.astimezone(CN).date() == date(2027, 1, 1)
    assert working.due.astimezone(CN).date() == date(2027, 1, 1)  # 12-31 Thu, 01-01 Fri
    final_due = final.due

    calendar.enter_year_from_text(
        year=2027,
        text="元旦 2027-01-01~2027-01-03\n春节 2027-02-06~2027-02-13\n调休 2027-01-31, 2027-02-20",
        source="国务院办公厅关于2027年部分节假日安排的通知",
        by=None,
    )
    provisional.refresh_from_db()
    working.refresh_from_db()
    final.refresh_from_db()
    assert provisional.provisional is False
    assert provisional.due.astimezone(CN).date() == date(2027, 1, 4)
    assert working.provisional is False
    assert working.due.astimezone(CN).date() == date(2027, 1, 4)  # 12-31, then Monday 01-04
    assert final.due == final_due
    recomputed = AuditEntry.objects.filter(event_type=AuditEvent.DEADLINE_CHANGED, action="deadline_recomputed")
    assert {e.object_id for e in recomputed} == {str(provisional.pk), str(working.pk)}
    assert recompute_provisional(2027) == 0  # nothing left to do


def test_pause_resume_extend_complete(target):
    d = start_deadline(target=target, kind="委派调解", start=at(date(2024, 3, 1)), amount=30, unit=N, by=None)
    assert d.due.astimezone(CN).date() == date(2024, 4, 1)
    d = pause_deadline(deadline=d, on=date(2024, 3, 10), reason="委托鉴定", by=None)
    assert d.status == Deadline.Status.PAUSED
    with pytest.raises(ConflictError):
        pause_deadline(deadline=d, on=date(2024, 3, 11), reason="again", by=None)
    with pytest.raises(ApplicationError):
        resume_deadline(deadline=d, on=date(2024, 3, 9), by=None)
    d = resume_deadline(deadline=d, on=date(2024, 3, 20), by=None)
    assert d.status == Deadline.Status.RUNNING
    assert d.pauses == [{"start": "2024-03-10", "end": "2024-03-19", "reason": "委托鉴定"}]
    assert d.due.astimezone(CN).date() == date(2024, 4, 10)
    d = extend_deadline(deadline=d, amount=15, unit=N, reason="双方同意延长", by=None)
    assert d.due.astimezone(CN).date() == date(2024, 4, 25)
    with pytest.raises(ApplicationError):
        extend_deadline(deadline=d, amount=15, unit=N, reason=" ", by=None)
    d = complete_deadline(deadline=d, by=None)
    assert d.status == Deadline.Status.MET
    with pytest.raises(ConflictError):
        extend_deadline(deadline=d, amount=1, unit=N, reason="x", by=None)
    actions = list(
        AuditEntry.objects.filter(event_type=AuditEvent.DEADLINE_CHANGED, object_id=str(d.pk)).values_list("action", flat=True)
    )
    assert actions == ["deadline_started", "deadline_paused", "deadline_resumed", "deadline_extended", "deadline_completed"]
    assert list(deadlines_for(target)) == [d]


def test_resume_on_the_pause_day_leaves_no_pause(target):
    d = start_deadline(target=target, kind="k", start=at(date(2024, 3, 1)), amount=30, unit=N, by=None)
    d = pause_deadline(deadline=d, on=date(2024, 3, 10), reason="r", by=None)
    d = resume_deadline(deadline=d, on=date(2024, 3, 10), by=None)
    assert d.pauses == []
    assert d.due.astimezone(CN).date() == date(2024, 4, 1)


def test_start_deadline_refuses_naive_datetimes(target):
    with pytest.raises(ApplicationError):
        start_deadline(target=target, kind="k", start=datetime(2024, 3, 1, 9), amount=30, unit=N, by=None)
    assert not Deadline.objects.exists()


def test_due_soon_goes_through_restrict(target, django_user_model):
    now = datetime(2024, 3, 25, 12, tzinfo=CN)
    soon = start_deadline(target=target, kind="soon", start=at(date(2024, 3, 1)), amount=30, unit=N, by=None)  # 04-01
    start_deadline(target=target, kind="later", start=at(date(2024, 3, 1)), amount=60, unit=N, by=None)
    done = start_deadline(target=target, kind="done", start=at(date(2024, 3, 1)), amount=25, unit=N, by=None)
    complete_deadline(deadline=done, by=None)
    root = django_user_model.objects.create_superuser("root_d", "r@example.org", "x-Pass-2026-long")
    nobody = django_user_model.objects.create_user("nobody_d", password="x-Pass-2026-long")
    # Due at 24:00 on 04-01: seven days from noon on 03-25 is not enough, eight are.
    assert list(due_soon(user=root, within=timedelta(days=7), now=now)) == []
    assert list(due_soon(user=root, within=timedelta(days=8), now=now)) == [soon]
    assert list(due_soon(user=nobody, within=timedelta(days=8), now=now)) == []


# --- preview API -------------------------------------------------------------------------------


@pytest.fixture
def api(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("previewer", password="x-Pass-2026-long"))
    return client


def test_preview_api(api):
    response = api.post(
        "/api/v1/core/deadlines/preview",
        {"start": "2024-01-15", "amount": 30, "unit": "natural_days"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["due_date"] == "2024-02-18"
    assert body["provisional"] is False and body["warning"] == ""
    response = api.post(
        "/api/v1/core/deadlines/preview",
        {
            "start": "2026-12-20T09:00:00+08:00",
            "amount": 30,
            "unit": "natural_days",
            "pauses": [{"start": "2026-12-25", "end": "2026-12-26", "reason": "鉴定"}],
        },
        content_type="application/json",
    )
    body = response.json()
    assert body["due_date"] == "2027-01-21"
    assert body["provisional"] is True and body["unknown_years"] == [2027] and "2027" in body["warning"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "2024-02-30", "amount": 30, "unit": "natural_days"}, "start"),
        ({"start": "2024-01-15", "amount": 30, "unit": "fortnights"}, "unit"),
        ({"start": "2024-01-15", "amount": 0, "unit": "natural_days"}, "amount"),
        ({"start": "2024-01-15", "amount": 30, "unit": "natural_days", "colour": "red"}, "colour"),
        ({"start": "2024-01-15", "amount": 30, "unit": "natural_days", "pauses": [{"start": "2024-13-01"}]}, "pauses.0.start"),
        ({"start": "2024-01-15", "amount": 30, "unit": "natural_days", "pauses": [{"start": "2024-01-20", "end": "2024-01-19"}]}, "pauses.0"),
        ({"start": "2024-01-15", "amount": 30, "unit": "natural_days", "pauses": [{"start": "2024-01-20", "x": 1}]}, "pauses.0.x"),
        ({"amount": 30, "unit": "natural_days"}, "start"),
        ({"start": "0001-01-01", "amount": 30, "unit": "natural_days"}, "payload"),
    ],
)
def test_preview_bad_input_is_field_level_422(api, body, field):
    response = api.post("/api/v1/core/deadlines/preview", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()


@pytest.mark.parametrize(
    "body",
    [
        {"start": "2024-01-15", "amount": 10000, "unit": "months", "extensions": [{"amount": 10000, "unit": "months"}] * 20},
        {"start": "2024-01-15", "amount": 10000, "unit": "working_days", "extensions": [{"amount": 10000, "unit": "working_days"}] * 20},
        {"start": "2024-01-15", "amount": 1, "unit": "natural_days", "pauses": [{"start": "2001-01-01", "end": "2099-01-01"}]},
        {"start": "2024-01-15", "amount": 1, "unit": "natural_days", "pauses": [{"start": "0001-01-01"}]},
    ],
)
def test_preview_absurd_input_is_a_4xx_not_a_crash(api, body):
    response = api.post("/api/v1/core/deadlines/preview", body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["errors"]
