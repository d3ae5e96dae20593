"""Justice-office evaluation: check-in completion, verification timeliness, false-alarm ratio and
overdue items per office from the records, ranked; who sees which rows; a fixed number of
queries whatever the number of offices; the page, the API and the Excel export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from pingan.core.models import AuditEntry
from pingan.corrections import alerts, checkins, evaluation, search
from pingan.corrections.checkins_windows import windows_on
from pingan.corrections.models import Alert, SearchTask
from pingan.corrections.supervision_seed import load_supervision_data
from pingan.orgs.models import Agency, Role, User

from .test_checkins import SHANGHAI, encodings, enrolled, photo, seeded  # noqa: F401  (fixtures)


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def world(seeded, enrolled):  # noqa: F811
    """Yesterday: office A's person passed all three check-ins and had two alerts verified (one
    false alarm on time, one violation late); office B's person checked in never, has an alert
    open past its deadline and a search past its result deadline."""
    Role.objects.get_or_create(code="district_leader", defaults={"name": "区领导"})
    load_supervision_data()
    day = timezone.localtime(timezone.now(), SHANGHAI).date() - dt.timedelta(days=1)
    a, device_a, _ta = enrolled(name="考核甲")
    b, _db, _tb = enrolled(name="考核乙", office="office_b")
    for w in windows_on(day):
        assert checkins.submit_checkin(device=device_a, photo=photo("obama2"),
                                       now=w.start + dt.timedelta(minutes=5)).result == "matched"

    def alert(person, hour: int, *, verify: str | None = None, late: bool = False, due_hours: int = 24) -> Alert:
        x = alerts.raise_alert(supervisee=person, kind="silence", occurred_at=at(day, hour) - dt.timedelta(hours=25),
                               evidence={}, source="geofence")
        if verify:
            alerts.verify_alert(alert=x, outcome=verify, by=seeded["staff_a"], reason="核查说明")
        raised = at(day, hour)
        due = raised + dt.timedelta(hours=due_hours)
        Alert.objects.filter(pk=x.pk).update(raised_at=raised, verify_due=due,
                                             **({"verified_at": due + dt.timedelta(hours=1 if late else -20)}
                                                if verify else {}))
        return x

    alert(a, 9, verify="false_alarm")
    alert(a, 10, verify="violation", late=True)
    alert(b, 11, due_hours=1)
    task = search.open_search(supervisee=b, by=seeded["staff_b"], reason="失联")
    SearchTask.objects.filter(pk=task.pk).update(result_due=timezone.now() - dt.timedelta(hours=1))
    return {**seeded, "day": day}


def _row(rows, office) -> evaluation.OfficeRow:
    return next(r for r in rows if r.office_id == office.pk)


@pytest.mark.django_db
def test_figures_score_and_rank_from_records(world):
    rows = evaluation.evaluate_offices(since=world["day"], until=world["day"])
    a, b = _row(rows, world["office_a"]), _row(rows, world["office_b"])
    assert (a.checkins_due, a.checkins_passed, a.checkin_completion) == (3, 3, 1.0)
    assert (a.verifications_due, a.verified_on_time, a.verification_timeliness) == (2, 1, 0.5)
    assert (a.verified, a.false_alarms, a.false_alarm_ratio, a.overdue) == (2, 1, 0.5, 0)
    assert (b.checkins_due, b.checkins_passed, b.checkin_completion) == (3, 0, 0.0)
    assert (b.verifications_due, b.verified_on_time, b.verification_timeliness) == (1, 0, 0.0)
    assert (b.verified, b.false_alarm_ratio, b.overdue_alerts, b.overdue_searches, b.overdue) == (0, None, 1, 1, 2)
    # weights 40/40/20, 2 points off per overdue item
    assert (a.score, b.score) == (70.0, 16.0)
    assert (a.rank, b.rank) == (1, 2)
    # Another period holds none of it: nothing owed is full marks, so the offices tie.
    earlier = world["day"] - dt.timedelta(days=30)
    quiet = evaluation.evaluate_offices(since=earlier, until=earlier)
    assert _row(quiet, world["office_a"]).checkins_due == 0
    assert _row(quiet, world["office_a"]).rank == 1 and _row(quiet, world["office_b"]).overdue == 2


@pytest.mark.django_db
def test_queries_do_not_grow_with_offices(world, make_supervisee):
    with CaptureQueriesContext(connection) as few:
        evaluation.evaluate_offices(since=world["day"], until=world["day"])
    for i in range(4):
        office = Agency.objects.create(code=f"t-sfs-x{i}", name=f"新司法所{i}", kind="justice_office",
                                       jurisdiction=world["town_a"], parent=world["bureau"])
        person, _d, _t = make_supervisee(name=f"新人{i}")
        person.justice_office = office
        person.save(update_fields=["justice_office"])
    with CaptureQueriesContext(connection) as many:
        rows = evaluation.evaluate_offices(since=world["day"], until=world["day"])
    assert len(rows) == Agency.objects.filter(kind="justice_office").count()
    assert len(many) == len(few) <= 10  # offices, check-ins (people, faces, check-ins, windows), alerts, searches, settings


@pytest.mark.django_db
def test_who_sees_which_rows(world):
    day = world["day"].isoformat()
    url = f"/api/v1/corrections/evaluation?since={day}&until={day}"
    own = login(world["staff_b"]).get(url).json()
    assert [(r["office"], r["rank"]) for r in own["rows"]] == [("勺米司法所", 2)]
    assert own["offices_total"] == Agency.objects.filter(kind="justice_office").count()
    bureau = login(world["officer"]).get(url).json()
    assert {r["office"] for r in bureau["rows"]} == {"蟠龙司法所", "勺米司法所"}
    leader = User.objects.create_user(username="leader", password="x-long-password")
    leader.roles.add(Role.objects.get(code="district_leader"))
    assert len(login(leader).get(url).json()["rows"]) == own["offices_total"]
    outsider = User.objects.create_user(username="nobody", password="x-long-password")
    assert login(outsider).get(url).status_code == 403
    assert login(outsider).get("/corrections/evaluation/").status_code == 403
    reversed_ = login(world["officer"]).get(f"/api/v1/corrections/evaluation?since={day}&until=2000-01-01")
    assert reversed_.status_code == 422
    far = login(world["officer"]).get("/api/v1/corrections/evaluation?since=9999-12-31&until=9999-12-31")
    assert far.status_code == 422
    too_long = login(world["officer"]).get(f"/api/v1/corrections/evaluation?since=2020-01-01&until={day}")
    assert too_long.status_code == 422 and too_long.json()["errors"]["until"][0]["code"] == "too_long"


@pytest.mark.django_db
def test_page_and_excel_export(world):
    day = world["day"].isoformat()
    officer = login(world["officer"])
    page = officer.get(f"/corrections/evaluation/?since={day}&until={day}")
    html = page.content.decode()
    assert page.status_code == 200 and "蟠龙司法所" in html and "第 1 / " in html and "70.0" in html
    bad = officer.get(f"/corrections/evaluation/?since={day}&until=2000-01-01")
    assert bad.status_code == 422 and "截止日期不能早于起始日期" in bad.content.decode()
    own = login(world["staff_a"]).get(f"/corrections/evaluation/?since={day}&until={day}").content.decode()
    assert "蟠龙司法所" in own and "勺米司法所" not in own
    for url in (f"/corrections/evaluation.xlsx?since={day}&until={day}",
                f"/api/v1/corrections/evaluation.xlsx?since={day}&until={day}"):
        resp = officer.get(url)
        assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
        ws = load_workbook(io.BytesIO(resp.content)).active
        values = [[c.value for c in row] for row in ws.iter_rows()]
        assert values[0][:2] == ["排名", "司法所"] and day in values[1][0]
        by_office = {v[1]: v for v in values[2:]}
        assert by_office["蟠龙司法所"][0] == 1 and by_office["蟠龙司法所"][4] == 1.0
        assert by_office["勺米司法所"][13] == 2 and by_office["勺米司法所"][14] == 16.0
    assert AuditEntry.objects.filter(action="evaluation_exported").count() == 2


@pytest.mark.django_db
def test_menu_for_staff_and_home_panel_for_district_leaders(world):
    assert "/corrections/evaluation/" in login(world["staff_a"]).get("/").content.decode()
    leader = User.objects.create_user(username="leader2", password="x-long-password")
    leader.roles.add(Role.objects.get(code="district_leader"))
    home = login(leader).get("/")
    assert home.status_code == 200 and "/corrections/evaluation/" in home.content.decode()


@pytest.mark.django_db
def test_completion_of_counts_like_the_window_by_window_rule(seeded, enrolled):  # noqa: F811
    """completion_of counts whole-period people in the database and the others window by window;
    both must agree with the rule itself (owes() for each closed window, a distinct matching
    check-in in it): duplicates count once, an open window not at all, a mid-period enrolment
    only from then on."""
    from pingan.corrections.checkins_selectors import completion_of
    from pingan.corrections.checkins_windows import owes
    from pingan.corrections.models import CheckIn, FaceEnrolment, Supervisee

    now = timezone.now()
    today = timezone.localtime(now, SHANGHAI).date()
    since = today - dt.timedelta(days=3)
    whole, device_w, _t = enrolled(name="全期", ago=dt.timedelta(days=10))
    late, device_l, _t2 = enrolled(name="中途", office="office_b", ago=dt.timedelta(days=10))
    FaceEnrolment.objects.filter(supervisee=late).update(enrolled_at=at(today - dt.timedelta(days=1), 11))

    def check_in(person, device, w, n=1):
        for k in range(n):
            CheckIn.objects.create(supervisee=person, device=device, submitted_at=w.start + dt.timedelta(minutes=k),
                                   window_date=w.date, window_index=w.index, result="matched", distance=0.3,
                                   threshold=0.5, photo_sha256="0" * 64)

    for d in range(4):
        for w in windows_on(since + dt.timedelta(days=d)):
            check_in(whole, device_w, w, n=2 if w.index == 0 else 1)  # a retry after a match counts once
            check_in(late, device_l, w)
    got = completion_of(Supervisee.objects.all(), since=since, until=today, now=now)

    spans = {s: list(FaceEnrolment.objects.filter(supervisee_id=s).values_list("enrolled_at", "revoked_at"))
             for s in (whole.pk, late.pk)}
    hits = set(CheckIn.objects.filter(result="matched").values_list("supervisee_id", "window_date", "window_index"))
    due = passed = 0
    for d in range(4):
        for w in windows_on(since + dt.timedelta(days=d)):
            for p in (whole, late):
                if w.end <= now and owes(reported_at=p.reported_at, ended_at=None, enrolments=spans[p.pk], window=w):
                    due += 1
                    passed += (p.pk, w.date, w.index) in hits
    assert (got.due, got.passed) == (due, passed)
    assert got.by_office[seeded["office_a"].pk][1] == got.by_office[seeded["office_a"].pk][2] > 0
    assert 0 < got.by_office[seeded["office_b"].pk][1] < got.by_office[seeded["office_a"].pk][1]
