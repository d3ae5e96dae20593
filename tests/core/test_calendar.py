"""The holiday calendar: seeded data, working-day arithmetic, the admin's text format, entering a
new year (service, API, admin form)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from pingan.core import calendar
from pingan.core.audit import AuditEvent
from pingan.core.errors import ConflictError
from pingan.core.models import AuditEntry, CalendarDay, CalendarYear
from tests.core.seed import ensure_core_seed

DATA = Path(calendar.__file__).resolve().parent / "data" / "holidays.json"

NOTICE_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
元旦 2027-01-01~2027-01-03
春节 2027-02-06~2027-02-13
春节调休 2027-01-31, 2027-02-20
清明节 2027-04-03~2027-04-05
"""


@pytest.fixture(autouse=True)
def seeded(db):
    ensure_core_seed()
    calendar.invalidate()
    yield
    calendar.invalidate()


def test_data_file_names_its_source_and_covers_2004_to_2026():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert "chinese-calendar 1.11.0" in data["source"]
    assert sorted(int(y) for y in data["years"]) == list(range(2004, 2027))
    assert ["2024-02-18", "春节"] in data["years"]["2024"]["workdays"]


def test_build_script_reproduces_the_data_file():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_holidays", Path(__file__).resolve().parents[2] / "scripts" / "build_holidays.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == json.loads(DATA.read_text(encoding="utf-8"))


def test_migration_seeded_every_year_with_source():
    assert CalendarYear.objects.filter(year__range=(2004, 2026)).count() == 23
    row = CalendarYear.objects.get(year=2025)
    assert "2025年部分节假日安排" in row.source
    oct_days = CalendarDay.objects.filter(date__range=(date(2025, 10, 1), date(2025, 10, 8)))
    assert {d.kind for d in oct_days} == {"holiday"}
    assert CalendarDay.objects.get(date=date(2025, 10, 6)).name == "中秋节"


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 2, 12), False),  # 春节 Monday
        (date(2024, 2, 18), True),  # 春节调休 Sunday
        (date(2024, 2, 19), True),
        (date(2024, 10, 7), False),  # 国庆 Monday
        (date(2024, 10, 12), True),  # 国庆调休 Saturday
        (date(2024, 10, 13), False),  # ordinary Sunday
        (date(2025, 10, 6), False),  # 中秋 inside 国庆
        (date(2026, 1, 4), True),  # 元旦调休 Sunday
        (date(2026, 3, 4), True),
    ],
)
def test_is_working_day(day, working):
    assert calendar.is_working_day(day) is working


def test_is_holiday_distinguishes_holidays_from_weekends():
    assert calendar.is_holiday(date(2024, 10, 1))
    assert not calendar.is_holiday(date(2024, 10, 13))  # a plain Sunday is a rest day, not a holiday
    assert not calendar.is_holiday(date(2024, 10, 12))


def test_next_working_day_and_add_working_days():
    assert calendar.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)
    assert calendar.next_working_day(date(2025, 10, 9), include_start=True) == date(2025, 10, 9)
    assert calendar.next_working_day(date(2025, 10, 9)) == date(2025, 10, 10)
    # Friday 2025-09-26 + 1 working day is the adjusted Sunday 2025-09-28.
    assert calendar.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    # Over 国庆 2024: Monday 09-30 + 2 → Tuesday 10-08 is the first, Wednesday 10-09 the second.
    assert calendar.add_working_days(date(2024, 9, 30), 2) == date(2024, 10, 9)
    # The adjusted Saturday 10-12 counts: Thursday 10-10 + 2 → Saturday 10-12.
    assert calendar.add_working_days(date(2024, 10, 10), 2) == date(2024, 10, 12)
    assert calendar.add_working_days(date(2024, 10, 10), 0) == date(2024, 10, 10)


def test_unknown_year_is_weekends_only_and_flagged():
    assert calendar.year_known(2026)
    assert not calendar.year_known(2027)
    assert calendar.is_working_day(date(2027, 1, 1))  # a Friday; really 元旦, but not entered yet
    assert not calendar.is_working_day(date(2027, 1, 2))
    view = calendar.CalendarView()
    view.add_working_days(date(2026, 12, 30), 3)
    assert view.unknown_years == [2027]
    assert "2027 年节假日安排尚未录入" in calendar.unknown_year_warning(view.unknown_years)


def test_parse_notice_reads_ranges_lists_and_adjusted_workdays():
    holidays, workdays = calendar.parse_notice(NOTICE_2027)
    assert holidays[:3] == [(date(2027, 1, 1), "元旦"), (date(2027, 1, 2), "元旦"), (date(2027, 1, 3), "元旦")]
    assert len([d for d, n in holidays if n == "春节"]) == 8
    assert workdays == [(date(2027, 1, 31), "春节"), (date(2027, 2, 20), "春节")]
    _h, w = calendar.parse_notice("调休 2027-02-07，2027-02-20")
    assert w == [(date(2027, 2, 7), "调休"), (date(2027, 2, 20), "调休")]


def test_parse_notice_reports_every_bad_line_by_number():
    text = "元旦 2027-01-01~2027-01-03\n春节 2027-02-30\n2027-03-01\n清明 2027-04-05~2027-04-03\n端午 6月1日"
    with pytest.raises(ValidationError) as exc:
        calendar.parse_notice(text)
    messages = exc.value.message_dict["text"]
    assert len(messages) == 4
    assert messages[0].startswith("第 2 行") and "不存在" in messages[0]
    assert messages[1].startswith("第 3 行")
    assert messages[2].startswith("第 4 行")
    assert messages[3].startswith("第 5 行") and "6月1日" in messages[3]


def test_format_notice_round_trips():
    text = calendar.format_notice(2024)
    assert "春节 2024-02-10~2024-02-17" in text
    holidays, workdays = calendar.parse_notice(text)
    info = calendar.year_info(2024)
    assert dict(holidays) == info.holidays
    assert dict(workdays) == info.workdays


def test_enter_year_saves_audits_and_invalidates_cache(django_user_model):
    assert calendar.is_working_day(date(2027, 2, 8))  # cached as weekends-only
    holidays, workdays = calendar.parse_notice(NOTICE_2027)
    before = AuditEntry.objects.count()
    row = calendar.enter_year(year=2027, holidays=holidays, workdays=workdays, source="国办发明电〔2026〕1号", by=None)
    assert row.days.count() == len(holidays) + len(workdays)
    assert calendar.year_known(2027)
    assert not calendar.is_working_day(date(2027, 2, 8))
    assert calendar.is_working_day(date(2027, 2, 20))
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.event_type == AuditEvent.CALENDAR_YEAR_SAVED
    assert ["2027-01-31", "春节"] in entry.after["workdays"]


def test_enter_year_refuses_an_existing_year_unless_replacing():
    with pytest.raises(ConflictError):
        calendar.enter_year(year=2026, holidays=[(date(2026, 1, 1), "元旦")], workdays=[], source="x", by=None)
    assert CalendarDay.objects.filter(year__year=2026).count() > 30  # untouched
    calendar.enter_year(
        year=2026, holidays=[(date(2026, 1, 1), "元旦")], workdays=[], source="更正", by=None, replace=True
    )
    assert CalendarDay.objects.filter(year__year=2026).count() == 1
    assert calendar.is_working_day(date(2026, 10, 8))
    assert AuditEntry.objects.order_by("-seq").first().before["holidays"][0] == ["2026-01-01", "元旦"]


@pytest.mark.parametrize(
    ("holidays", "workdays", "field"),
    [
        ([(date(2028, 1, 1), "元旦")], [], "holidays"),  # outside the year
        ([(date(2027, 1, 1), "元旦")], [(date(2027, 1, 1), "元旦")], "workdays"),  # both
        ([(date(2027, 1, 1), "元旦"), (date(2027, 1, 1), "元旦")], [], "holidays"),  # twice
        ([(date(2027, 1, 1), "")], [], "holidays"),  # no name
        ([], [(date(2027, 2, 7), "春节")], "holidays"),  # no holiday at all
    ],
)
def test_enter_year_validates(holidays, workdays, field):
    with pytest.raises(ValidationError) as exc:
        calendar.enter_year(year=2027, holidays=holidays, workdays=workdays, source="x", by=None)
    assert field in exc.value.message_dict
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture
def calendar_admin(make_user):
    from pingan.orgs.models import ObjectPermission, Role

    role = Role.objects.create(code="calendar_keeper", name="节假日维护")
    perm = ObjectPermission.objects.create(
        name="core.enter_calendar", object_types=["core.calendaryear"], actions=["view", "add"]
    )
    perm.roles.add(role)
    return make_user("calendar_keeper", username="calendar_keeper")


def test_api_get_year_known_and_unknown(client, make_user):
    client.force_login(make_user(None))
    body = client.get("/api/v1/core/calendar/2024").json()
    assert body["known"] is True and body["warning"] == ""
    assert {"date": "2024-02-18", "kind": "workday", "name": "春节"} in body["days"]
    body = client.get("/api/v1/core/calendar/2027").json()
    assert body == {"year": 2027, "known": False, "source": "", "days": [], "warning": body["warning"]}
    assert "2027" in body["warning"]
    assert client.get("/api/v1/core/calendar/1900").status_code == 422


def test_api_enter_year_requires_permission(client, make_user):
    client.force_login(make_user("mediator"))
    response = client.post(
        "/api/v1/core/calendar/years",
        {"year": 2027, "source": "x", "text": "元旦 2027-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_api_enter_year_from_text_and_lists(client, calendar_admin):
    client.force_login(calendar_admin)
    response = client.post(
        "/api/v1/core/calendar/years",
        {"year": 2027, "source": "国办发明电〔2026〕1号", "text": NOTICE_2027},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["known"] is True
    again = client.post(
        "/api/v1/core/calendar/years",
        {"year": 2027, "source": "x", "holidays": [{"date": "2027-01-01", "name": "元旦"}]},
        content_type="application/json",
    )
    assert again.status_code == 409
    replaced = client.post(
        "/api/v1/core/calendar/years",
        {"year": 2027, "source": "更正", "holidays": [{"date": "2027-01-01", "name": "元旦"}], "replace": True},
        content_type="application/json",
    )
    assert replaced.status_code == 201
    assert len(replaced.json()["days"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2027, "source": "x", "text": "元旦 2027-01-01", "colour": "red"}, "colour"),
        ({"year": 2027, "source": "x", "holidays": [{"date": "2027-02-30", "name": "元旦"}]}, "holidays.0.date"),
        ({"year": 2027, "source": "x", "text": "元旦 2027-13-01"}, "text"),
        ({"year": 2027, "source": "x", "text": "元旦 2028-01-01"}, "holidays"),
        ({"year": 99999, "source": "x", "text": "元旦 2027-01-01"}, "year"),
    ],
)
def test_api_enter_year_bad_input_is_field_level_422(client, calendar_admin, body, field):
    client.force_login(calendar_admin)
    response = client.post("/api/v1/core/calendar/years", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not CalendarYear.objects.filter(year=2027).exists()


# --- admin -------------------------------------------------------------------------------------


def test_admin_form_enters_a_year_and_shows_line_errors(client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.org", "x-Pass-2026-long")
    client.force_login(admin_user)
    url = "/admin/core/calendaryear/add/"
    bad = client.post(url, {"year": 2027, "source": "国办发明电", "text": "元旦 2027-01-01\n春节 2027-02-31"})
    assert bad.status_code == 200
    assert "第 2 行" in bad.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    ok = client.post(url, {"year": 2027, "source": "国办发明电", "text": NOTICE_2027})
    assert ok.status_code == 302, ok.content.decode()[:2000]
    assert calendar.year_known(2027)
    assert AuditEntry.objects.filter(event_type=AuditEvent.CALENDAR_YEAR_SAVED, object_id=str(
        CalendarYear.objects.get(year=2027).pk)).exists()
