"""Justice-office evaluation (司法所考核, issue 5 item 11): per office, for a period of local dates,
check-in completion, verification timeliness (share of the alerts whose verification fell due
that were verified by their deadline), the false-alarm ratio (false alarms / verified alerts),
and the items overdue now (open alerts past their verification deadline, searches past their
result deadline); a score from weights kept as data (`corrections.evaluation.weights`) and a
ranking of all offices.

Computed from records by a fixed handful of aggregate queries (offices, check-in completion's
three, one conditional aggregate over alerts, one over searches), whatever the number of
offices. Every office is ranked; who sees which rows is decided by `evaluation_for` through the
permission `view_corrections_evaluation` on orgs.agency (district leaders and the county bureau
all, an office its own row with its rank)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.calendar import MAX_YEAR
from pingan.core.settings_store import get_setting
from pingan.orgs.models import Agency
from pingan.orgs.permissions import can, restrict

from .checkins_selectors import completion_of
from .checkins_windows import local_zone
from .models import Alert, SearchTask, Supervisee

ACTION = "view_corrections_evaluation"
MAX_DAYS = 366


@dataclass
class OfficeRow:
    office_id: int
    office: str
    checkins_due: int = 0
    checkins_passed: int = 0
    checkin_completion: float | None = None
    verifications_due: int = 0
    verified_on_time: int = 0
    verification_timeliness: float | None = None
    verified: int = 0
    false_alarms: int = 0
    false_alarm_ratio: float | None = None
    overdue_alerts: int = 0
    overdue_searches: int = 0
    overdue: int = 0
    score: float = 0.0
    rank: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Evaluation:
    since: date
    until: date
    offices_total: int
    rows: list[OfficeRow]


def check_period(since: date, until: date) -> None:
    if since.year < 1970 or until.year > MAX_YEAR:
        raise ValidationError({"since": [ValidationError(_("日期超出范围。"), code="out_of_range")]})
    if until < since:
        raise ValidationError({"until": [ValidationError(_("截止日期不能早于起始日期。"), code="reversed")]})
    if (until - since).days + 1 > MAX_DAYS:
        raise ValidationError({"until": [ValidationError(_("考核期间最长 %(n)s 天。") % {"n": MAX_DAYS},
                                                         code="too_long")]})


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def evaluate_offices(*, since: date, until: date, now: datetime | None = None) -> list[OfficeRow]:
    """Every justice office's row, ranked (1 = best; equal scores share a rank)."""
    check_period(since, until)
    now = now or timezone.now()
    zone = local_zone()
    start = datetime.combine(since, time.min, tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
    rows = {pk: OfficeRow(pk, name) for pk, name in
            Agency.objects.filter(kind="justice_office").order_by("code").values_list("pk", "name")}

    completion = completion_of(Supervisee.objects.all(), since=since, until=until, now=now)
    for office_id, (_name, due, passed) in completion.by_office.items():
        if office_id in rows:
            rows[office_id].checkins_due, rows[office_id].checkins_passed = due, passed

    in_period = Q(raised_at__gte=start, raised_at__lt=end)
    overdue_now = Q(state=Alert.State.OPEN, verify_due__lt=now)
    closed = ~Q(state=Alert.State.OPEN)
    alerts = (
        Alert.objects.filter(in_period | overdue_now).values("justice_office")
        .annotate(
            due=Count("pk", filter=in_period & (closed | Q(verify_due__lt=now))),
            on_time=Count("pk", filter=in_period & closed & Q(verified_at__lte=F("verify_due"))),
            verified=Count("pk", filter=in_period & closed),
            false=Count("pk", filter=in_period & Q(state=Alert.State.FALSE_ALARM)),
            overdue=Count("pk", filter=overdue_now),
        )
    )
    for a in alerts:
        row = rows.get(a["justice_office"])
        if row is not None:
            row.verifications_due, row.verified_on_time = a["due"], a["on_time"]
            row.verified, row.false_alarms, row.overdue_alerts = a["verified"], a["false"], a["overdue"]
    searches = (SearchTask.objects.filter(state=SearchTask.State.OPEN, result_due__lt=now)
                .values("justice_office").annotate(n=Count("pk")))
    for s in searches:
        if s["justice_office"] in rows:
            rows[s["justice_office"]].overdue_searches = s["n"]

    weights = get_setting("corrections.evaluation.weights", dict)
    for row in rows.values():
        row.checkin_completion = _ratio(row.checkins_passed, row.checkins_due)
        row.verification_timeliness = _ratio(row.verified_on_time, row.verifications_due)
        row.false_alarm_ratio = _ratio(row.false_alarms, row.verified)
        row.overdue = row.overdue_alerts + row.overdue_searches
        # Nothing owed in a figure (no windows, no alerts) is full marks for it, not zero.
        row.score = round(
            float(weights["checkin_completion"]) * (1 if row.checkin_completion is None else row.checkin_completion)
            + float(weights["verification_timeliness"])
            * (1 if row.verification_timeliness is None else row.verification_timeliness)
            + float(weights["false_alarm"]) * (1 - (row.false_alarm_ratio or 0))
            - float(weights["overdue_penalty"]) * row.overdue,
            2,
        )
    ranked = sorted(rows.values(), key=lambda r: (-r.score, r.office))
    for i, row in enumerate(ranked):
        row.rank = ranked[i - 1].rank if i and row.score == ranked[i - 1].score else i + 1
    return ranked


def visible_offices(user) -> set[int]:
    """Ids of the offices whose rows the user may see; 403 without the permission (a county bureau
    with no offices under it yet has the permission and sees an empty ranking)."""
    if not can(user, ACTION, Agency):
        raise PermissionDenied(_("无权查看司法所考核。"))
    return set(restrict(Agency.objects.filter(kind="justice_office"), user, ACTION).values_list("pk", flat=True))


def evaluation_for(*, user, since: date, until: date, now: datetime | None = None) -> Evaluation:
    """The ranked rows this user may see (ranks among all offices); 403 without the permission."""
    visible = visible_offices(user)
    ranked = evaluate_offices(since=since, until=until, now=now)
    return Evaluation(since, until, len(ranked), [r for r in ranked if r.office_id in visible])


def default_period(today: date | None = None) -> tuple[date, date]:
    """This month so far."""
    today = today or timezone.localdate()
    return today.replace(day=1), today


HEADERS = ("排名", "司法所", "应签到次数", "按时签到次数", "签到完成率", "应核查告警", "按期核查", "按时核查率",
           "已核查告警", "误报", "误报率", "逾期未核查告警", "逾期未报告查找", "逾期事项合计", "得分")


def _cells(r: OfficeRow) -> list[Any]:
    return [r.rank, r.office, r.checkins_due, r.checkins_passed, r.checkin_completion, r.verifications_due,
            r.verified_on_time, r.verification_timeliness, r.verified, r.false_alarms, r.false_alarm_ratio,
            r.overdue_alerts, r.overdue_searches, r.overdue, r.score]


def workbook(ev: Evaluation) -> bytes:
    """The rows the user sees as .xlsx (core.spreadsheets), the period in the sheet's title row."""
    from pingan.core.spreadsheets import export_workbook

    title = _("司法所考核")
    note = [f"{title} {ev.since.isoformat()}—{ev.until.isoformat()}", _("共 %(n)s 个司法所参与排名")
            % {"n": ev.offices_total}]
    return export_workbook(title, [_(h) for h in HEADERS], [note, *(_cells(r) for r in ev.rows)])
