"""Reads of face check-in and roll calls, through orgs.permissions.restrict (a 司法所 sees its own
people). Nothing here ever returns a face encoding or a photo."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import CharField, Count, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from pingan.core.settings_store import get_setting
from pingan.orgs.permissions import get_for, restrict

from .checkins_windows import Window, local_zone, owes, windows_on
from .models import Device, Supervisee
from .models_checkins import CheckIn, FaceEnrolment, RollCall, RollCallTarget


def _state(window: Window, now: datetime, done: bool, due: bool) -> str:
    if done:
        return "done"
    if now < window.start:
        return "upcoming"
    if now < window.end:
        return "open"
    return "missed" if due else "not_due"


def device_today(*, device: Device, now: datetime | None = None) -> dict:
    """What the app shows: today's windows with their state, and roll calls awaiting an answer."""
    now = now or timezone.now()
    supervisee = device.supervisee
    day = timezone.localtime(now, local_zone()).date()
    windows = windows_on(day)
    done = set(CheckIn.objects.filter(supervisee=supervisee, window_date=day, result=CheckIn.Result.MATCHED)
               .values_list("window_index", flat=True))
    spans = list(FaceEnrolment.objects.filter(supervisee=supervisee).values_list("enrolled_at", "revoked_at"))
    rows = [
        {"index": w.index, "label": w.label, "start": w.start, "end": w.end,
         "state": _state(w, now, w.index in done, owes(reported_at=supervisee.reported_at,
                                                       ended_at=supervisee.ended_at, enrolments=spans, window=w))}
        for w in windows
    ]
    targets = RollCallTarget.objects.filter(
        supervisee=supervisee, roll_call__started_at__lte=now, roll_call__deadline__gt=now, missed_at__isnull=True
    ).select_related("roll_call", "check_in").order_by("roll_call__deadline")
    calls = [
        {"target_id": t.pk, "roll_call_id": t.roll_call_id, "deadline": t.roll_call.deadline,
         "answered": t.check_in is not None and t.check_in.result == CheckIn.Result.MATCHED}
        for t in targets
    ]
    return {"date": day, "enrolled": any(r is None for _e, r in spans), "windows": rows, "roll_calls": calls}


def checkin_list(*, user, supervisee_id: int | None = None) -> QuerySet[CheckIn]:
    qs = restrict(CheckIn.objects.all(), user, "view").select_related("supervisee")
    if supervisee_id is not None:
        qs = qs.filter(supervisee_id=supervisee_id)
    return qs


def enrolment_list(*, user, supervisee_id: int) -> QuerySet[FaceEnrolment]:
    """Enrolment records (consent, dates) — the `encoding` column is deferred and never read."""
    return restrict(FaceEnrolment.objects.defer("encoding"), user, "view").filter(supervisee_id=supervisee_id)


def roll_call_list(*, user) -> QuerySet[RollCall]:
    return restrict(RollCall.objects.all(), user, "view").select_related("office", "started_by")


def roll_call_get(*, user, pk: int) -> tuple[RollCall, list[RollCallTarget]]:
    roll_call = get_for(RollCall.objects.select_related("office"), user=user, pk=pk)
    targets = list(restrict(roll_call.targets.all(), user, "view").select_related("supervisee", "check_in"))
    return roll_call, targets


@dataclass
class Completion:
    """Check-in completion: `due` windows (closed, owed), `passed` (a matching check-in in the
    window); `by_office` maps a justice office id to [name, due, passed]."""

    due: int = 0
    passed: int = 0
    by_office: dict[int, list] = field(default_factory=dict)

    @property
    def missed(self) -> int:
        return self.due - self.passed

    @property
    def rate(self) -> float | None:
        return self.passed / self.due if self.due else None


def checkin_completion(*, user, since: date, until: date, jurisdiction=None,
                       now: datetime | None = None) -> Completion:
    """Windows due vs passed for local dates since..until (inclusive), for the people the user may
    see, optionally only those whose justice office lies in `jurisdiction` (an orgs.Jurisdiction).
    A window counts once it has closed; who owes one is decided as the missed-window scan does."""
    people = restrict(Supervisee.objects.all(), user, "view")
    if jurisdiction is not None:
        people = people.filter(justice_office__jurisdiction__path__startswith=jurisdiction.path)
    return completion_of(people, since=since, until=until, now=now)


def completion_of(people: QuerySet[Supervisee], *, since: date, until: date,
                  now: datetime | None = None) -> Completion:
    """Check-in completion of the given people (already restricted by the caller, or every
    office's people for the office evaluation, which ranks all offices); four queries.

    Most people owe every window of the period (under supervision and enrolled throughout):
    their passed windows are counted by the database (distinct windows with a matching check-in),
    so a month of three windows a day for thousands of people never comes back row by row. Only
    people who started, ended or were (re-)enrolled inside the period are checked window by window."""
    now = now or timezone.now()
    persons = list(people.exclude(status=Supervisee.Status.REPORTED).select_related("justice_office")
                   .only("pk", "reported_at", "ended_at", "justice_office__name"))
    ids = [p.pk for p in persons]
    spans: dict[int, list] = {}
    for sid, enrolled, revoked in FaceEnrolment.objects.filter(supervisee_id__in=ids).values_list(
        "supervisee_id", "enrolled_at", "revoked_at"
    ):
        spans.setdefault(sid, []).append((enrolled, revoked))
    zone = local_zone()
    spec = get_setting("corrections.checkin.windows", list)
    windows: list[Window] = []
    # Only closed windows count, so days after today add nothing: stop there (an open-ended
    # `until` must not loop over centuries).
    day, last = since, min(until, now.astimezone(zone).date())
    while day <= last:
        windows.extend(w for w in windows_on(day, zone=zone, spec=spec) if w.end <= now)
        day += timedelta(days=1)
    out = Completion()
    enrolled_people = [p for p in persons if p.pk in spans]
    for person in enrolled_people:
        out.by_office.setdefault(person.justice_office_id, [person.justice_office.name, 0, 0])
    if not windows:
        return out
    first, final = windows[0], windows[-1]

    def owes_all(person) -> bool:
        return (person.reported_at <= first.start and (person.ended_at is None or person.ended_at >= final.end)
                and any(enrolled <= first.start and (revoked is None or revoked >= final.end)
                        for enrolled, revoked in spans[person.pk]))

    full = [p for p in enrolled_people if owes_all(p)]
    partial = [p for p in enrolled_people if not owes_all(p)]
    matched = CheckIn.objects.filter(result=CheckIn.Result.MATCHED, window_date__gte=since, window_date__lte=last)
    # The closed windows as a condition: every configured window before the last day, and the
    # last day's windows that have closed.
    closed_q = (Q(window_date__lt=final.date, window_index__in=range(len(spec)))
                | Q(window_date=final.date, window_index__in=[w.index for w in windows if w.date == final.date]))
    per_window = Concat(Cast("window_date", CharField()), Value("#"), Cast("window_index", CharField()))
    hits = dict(
        matched.filter(closed_q, supervisee_id__in=[p.pk for p in full]).values("supervisee_id")
        .annotate(n=Count(per_window, distinct=True)).values_list("supervisee_id", "n")
    ) if full else {}
    for person in full:
        office = out.by_office[person.justice_office_id]
        hit = hits.get(person.pk, 0)
        out.due += len(windows)
        out.passed += hit
        office[1] += len(windows)
        office[2] += hit
    passed = set(
        matched.filter(supervisee_id__in=[p.pk for p in partial])
        .values_list("supervisee_id", "window_date", "window_index").distinct()
    ) if partial else set()
    for person in partial:
        office = out.by_office[person.justice_office_id]
        for w in windows:
            if not owes(reported_at=person.reported_at, ended_at=person.ended_at, enrolments=spans[person.pk],
                        window=w):
                continue
            hit = (person.pk, w.date, w.index) in passed
            out.due += 1
            out.passed += hit
            office[1] += 1
            office[2] += hit
    return out


def office_today(*, user, now: datetime | None = None) -> list[dict]:
    """Today's board for staff: each visible person under supervision with the state of each
    window (done / open / upcoming / missed / not_due) and whether a face is enrolled."""
    now = now or timezone.now()
    day = timezone.localtime(now, local_zone()).date()
    windows = windows_on(day)
    people = list(restrict(Supervisee.objects.filter(status=Supervisee.Status.SUPERVISING), user, "view")
                  .select_related("justice_office"))
    ids = [p.pk for p in people]
    spans: dict[int, list] = {}
    for sid, enrolled, revoked in FaceEnrolment.objects.filter(supervisee_id__in=ids).values_list(
        "supervisee_id", "enrolled_at", "revoked_at"
    ):
        spans.setdefault(sid, []).append((enrolled, revoked))
    done = set(CheckIn.objects.filter(supervisee_id__in=ids, window_date=day, result=CheckIn.Result.MATCHED)
               .values_list("supervisee_id", "window_index"))
    rows = []
    for p in people:
        states = [
            _state(w, now, (p.pk, w.index) in done,
                   owes(reported_at=p.reported_at, ended_at=p.ended_at, enrolments=spans.get(p.pk, []), window=w))
            for w in windows
        ]
        rows.append({"id": p.pk, "name": p.name, "office": p.justice_office.name,
                     "enrolled": any(r is None for _e, r in spans.get(p.pk, [])), "windows": states})
    return rows
