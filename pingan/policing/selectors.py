"""Reads of policing records, always through orgs.permissions.restrict (missing and forbidden are
the same 404). Personal data is masked in lists; a reveal on a detail page is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import record_view
from pingan.core.settings_store import get_setting
from pingan.core.workflow import allowed_transitions, history
from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import has_object_permission, restrict
from pingan.orgs.selectors import subtree_ids

from .models import (
    Assignment,
    CommitteeRole,
    Hazard,
    Household,
    OverdueFlag,
    Push,
    RiskPerson,
    Visit,
)
from .workflow import HAZARD, OPEN_STATES


def jurisdiction_path(code: str | None, field: str = "jurisdiction") -> str | None:
    if not code:
        return None
    path = Jurisdiction.objects.filter(code=code).values_list("path", flat=True).first()
    if path is None:
        raise ValidationError({field: _("未知的区划代码：%(code)s") % {"code": code}})
    return path


def in_subtree(path: str) -> Q:
    """Records placed in the jurisdiction subtree at `path` (by their own indexed jurisdiction_id)."""
    return Q(jurisdiction_id__in=subtree_ids(path))


def _period(qs: QuerySet, field: str, date_from: dt.date | None, date_to: dt.date | None) -> QuerySet:
    if date_from and date_to and date_from > date_to:
        raise ValidationError({"date_to": _("结束日期不能早于开始日期。")})
    if date_from:
        qs = qs.filter(**{f"{field}__gte": _start(date_from)})
    if date_to:
        qs = qs.filter(**{f"{field}__lt": _start(date_to + dt.timedelta(days=1))})
    return qs


def _start(day: dt.date) -> dt.datetime:
    # Periods are calendar days in Asia/Shanghai; compare with aware datetimes so indexes are used.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _not_found() -> Http404:
    return Http404(_("记录不存在或无权查看。"))


# --- lists ------------------------------------------------------------------------------------


@dataclass
class HazardFilters:
    state: str | None = None
    grade: str | None = None
    category: str | None = None
    outcome: str | None = None
    jurisdiction: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


# The lists fetch the page's jurisdictions in a second query instead of joining them: with
# planner statistics (ANALYZE, as a maintained database has) SQLite drives the join from the
# small jurisdiction table and sorts every row for the page (hazards p1: 24 → 500 ms at 100k).
def hazard_list(*, user, filters: HazardFilters | None = None) -> QuerySet[Hazard]:
    f = filters or HazardFilters()
    qs = restrict(Hazard.objects.all(), user, "view")
    for key in ("state", "grade", "category", "outcome"):
        value = getattr(f, key)
        if value:
            qs = qs.filter(**{key: value})
    path = jurisdiction_path(f.jurisdiction)
    if path:
        qs = qs.filter(in_subtree(path))
    qs = _period(qs, "found_at", f.date_from, f.date_to)
    return qs.select_related("agency", "found_by").prefetch_related("jurisdiction").order_by("-found_at", "-pk")


@dataclass
class VisitFilters:
    officer: int | None = None
    jurisdiction: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def visit_list(*, user, filters: VisitFilters | None = None) -> QuerySet[Visit]:
    f = filters or VisitFilters()
    qs = restrict(Visit.objects.all(), user, "view")
    if f.officer:
        qs = qs.filter(officer_id=f.officer)
    path = jurisdiction_path(f.jurisdiction)
    if path:
        qs = qs.filter(in_subtree(path))
    qs = _period(qs, "visited_at", f.date_from, f.date_to)
    return qs.select_related("officer", "household").prefetch_related("jurisdiction").order_by("-visited_at", "-pk")


def push_list(*, user, channel: str | None = None, jurisdiction: str | None = None,
              date_from: dt.date | None = None, date_to: dt.date | None = None,
              awaiting_reply: bool = False) -> QuerySet[Push]:
    qs = restrict(Push.objects.all(), user, "view")
    if channel:
        qs = qs.filter(channel=channel)
    if awaiting_reply:
        qs = qs.filter(channel=Push.Channel.LETTER, replied_at__isnull=True)
    path = jurisdiction_path(jurisdiction)
    if path:
        qs = qs.filter(in_subtree(path))
    qs = _period(qs, "sent_at", date_from, date_to)
    return qs.select_related("agency", "hazard", "dispute").prefetch_related("jurisdiction").order_by("-sent_at", "-pk")


def risk_person_list(*, user, jurisdiction: str | None = None, due_by: dt.date | None = None,
                     active: bool = True) -> QuerySet[RiskPerson]:
    qs = restrict(RiskPerson.objects.all(), user, "view").filter(is_active=active)
    path = jurisdiction_path(jurisdiction)
    if path:
        qs = qs.filter(in_subtree(path))
    if due_by:
        qs = qs.filter(next_review_on__lte=due_by)
    return qs.select_related("jurisdiction", "officer").order_by("next_review_on", "pk")


def household_list(*, user, jurisdiction: str | None = None) -> QuerySet[Household]:
    qs = restrict(Household.objects.all(), user, "view")
    path = jurisdiction_path(jurisdiction)
    if path:
        qs = qs.filter(in_subtree(path))
    return qs.select_related("jurisdiction").order_by("jurisdiction__path", "pk")


def committee_roles_of(*, user, person) -> QuerySet[CommitteeRole]:
    """一村一警 memberships of `person` that `user` may see (shown on officer pages)."""
    return (restrict(CommitteeRole.objects.all(), user, "view")
            .filter(user=person, ends_on__isnull=True).select_related("committee"))


# --- detail -----------------------------------------------------------------------------------


def get_hazard(*, user, uuid: Any, action: str = "view") -> Hazard:
    hazard = (restrict(Hazard.objects.all(), user, "view")
              .select_related("jurisdiction", "agency", "found_by", "household", "visit", "dispute")
              .filter(uuid=uuid).first())
    if hazard is None:
        raise _not_found()
    if action != "view" and not has_object_permission(user, hazard, action):
        raise PermissionDenied(_("无权执行此操作。"))
    return hazard


def get_push(*, user, uuid: Any, action: str = "view") -> Push:
    push = restrict(Push.objects.all(), user, "view").select_related("hazard", "jurisdiction").filter(uuid=uuid).first()
    if push is None:
        raise _not_found()
    if action != "view" and not has_object_permission(user, push, action):
        raise PermissionDenied(_("无权执行此操作。"))
    return push


def get_risk_person(*, user, uuid: Any, action: str = "view") -> RiskPerson:
    person = (restrict(RiskPerson.objects.all(), user, "view").select_related("jurisdiction", "officer", "agency")
              .filter(uuid=uuid).first())
    if person is None:
        raise _not_found()
    if action != "view" and not has_object_permission(user, person, action):
        raise PermissionDenied(_("无权执行此操作。"))
    return person


def get_household(*, user, uuid: Any) -> Household:
    household = restrict(Household.objects.all(), user, "view").select_related("jurisdiction").filter(uuid=uuid).first()
    if household is None:
        raise _not_found()
    return household


def hazard_contact(*, user, hazard: Hazard, reveal: bool = False) -> dict[str, Any]:
    """The hazard's contact person, masked unless revealed by someone allowed (audited)."""
    clear = reveal and has_object_permission(user, hazard, "view_sensitive")
    if clear and (hazard.contact_name or hazard.contact_phone):
        record_view(actor=user, obj=hazard, fields=["contact_name", "contact_phone"])
    return {
        "name": hazard.contact_name if clear else hazard.masked_contact_name,
        "phone": hazard.contact_phone if clear else hazard.masked_contact_phone,
        "masked": not clear,
    }


def risk_person_identity(*, user, person: RiskPerson, reveal: bool = False,
                         also_shown: tuple[str, ...] = ()) -> dict[str, Any]:
    """Name, ID number and phone, masked unless revealed by someone allowed. One audit entry
    names every personal field shown in clear: the identity when revealed, plus `also_shown`
    (the detail page shows address and reason in clear, so every view of it is audited)."""
    clear = reveal and has_object_permission(user, person, "view_sensitive")
    shown = [*(("name", "id_number", "phone") if clear else ()), *also_shown]
    if shown:
        record_view(actor=user, obj=person, fields=shown)
    return {
        "name": person.name if clear else person.masked_name,
        "id_number": (person.id_number if clear else person.masked_id_number) or "",
        "phone": person.phone if clear else person.masked_phone,
        "masked": not clear,
    }


def household_identity(*, user, household: Household, reveal: bool = False) -> dict[str, Any]:
    clear = reveal and has_object_permission(user, household, "view_sensitive")
    if clear:
        record_view(actor=user, obj=household, fields=["head_name", "phone"])
    return {
        "head_name": household.head_name if clear else household.masked_head_name,
        "phone": household.phone if clear else household.masked_phone,
        "masked": not clear,
    }


def hazard_timeline(hazard: Hazard) -> list[dict[str, Any]]:
    """Found → each step of the seven-step method → pushes and replies, oldest first."""
    events: list[dict[str, Any]] = [{"at": hazard.found_at, "label": _("发现隐患"), "by": hazard.found_by,
                                     "note": hazard.title}]
    for t in history(hazard):
        events.append({"at": t.at, "label": HAZARD.label(t.to_state), "by": t.by, "note": t.reason})
    for p in hazard.pushes.all().select_related("sent_by"):
        events.append({"at": p.sent_at, "label": p.get_channel_display(), "by": p.sent_by, "note": p.target_name})
        if p.replied_at:
            events.append({"at": p.replied_at, "label": _("责任单位回复"), "by": None, "note": p.reply})
        if p.revisited_at:
            events.append({"at": p.revisited_at, "label": _("回访"), "by": None,
                           "note": _("满意") if p.satisfied else _("不满意")})
    return sorted(events, key=lambda e: e["at"])


def risk_schedule(person: RiskPerson, *, today: dt.date | None = None, ahead: int = 3) -> dict[str, Any]:
    """The review schedule: the next review date, the interval the current risk level sets
    (settings policing.risk_review_<level>_days) and the dates after it if each review keeps
    the level; overdue when the next date has passed."""
    from .services import review_interval_days

    today = today or timezone.localdate()
    interval = review_interval_days(person.risk_level)
    upcoming = [person.next_review_on + dt.timedelta(days=interval * k) for k in range(ahead)]
    return {"next_review_on": person.next_review_on, "interval_days": interval, "upcoming": upcoming,
            "overdue": person.is_active and person.next_review_on < today,
            "days_overdue": max((today - person.next_review_on).days, 0) if person.is_active else 0}


def risk_timeline(person: RiskPerson) -> list[dict[str, Any]]:
    """Listed → each review (level, notes, next date) → overdue flags raised and cleared, oldest first."""
    events: list[dict[str, Any]] = [{"at": person.created_at, "label": _("列管"), "by": None,
                                     "note": person.reason, "level": None}]
    for r in person.reviews.select_related("by").order_by("reviewed_at", "pk"):
        events.append({"at": r.reviewed_at, "label": _("评估"), "by": r.by, "level": r.get_risk_level_display(),
                       "note": _("%(notes)s（下次评估 %(next)s）") % {"notes": r.notes or "—", "next": r.next_review_on}})
    for f in OverdueFlag.objects.filter(kind=OverdueFlag.Kind.REVIEW, risk_person=person).order_by("flagged_at"):
        events.append({"at": f.flagged_at, "label": _("评估逾期"), "by": None, "level": None,
                       "note": _("应于 %(due)s 评估") % {"due": f.due_on}})
    return sorted(events, key=lambda e: e["at"])


def hazard_actions(*, user, hazard: Hazard):
    return allowed_transitions(hazard, user, workflow=HAZARD)


# --- coverage, queues and overdue ---------------------------------------------------------------


def _active(qs: QuerySet[Assignment], on: dt.date) -> QuerySet[Assignment]:
    return qs.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def covered_households_q(assignments: QuerySet[Assignment]) -> Q:
    """Households covered by these assignments: assigned directly, or in an assigned village
    group, or in a group of an assigned village (households sit at village or group level)."""
    jur_ids = assignments.filter(jurisdiction__isnull=False).values("jurisdiction_id")
    direct = assignments.filter(household__isnull=False).values("household_id")
    return Q(pk__in=direct) | Q(jurisdiction_id__in=jur_ids) | Q(jurisdiction__parent_id__in=jur_ids)


def households_of(*, officer, on: dt.date | None = None) -> QuerySet[Household]:
    on = on or timezone.localdate()
    return Household.objects.filter(covered_households_q(_active(Assignment.objects.filter(officer=officer), on)))


def default_interval_days() -> int:
    return get_setting("policing.visit_interval_days", int)


def _last_visit() -> Subquery:
    # Newest visit of the household: one probe of the (household, visited_at) index per row.
    return Subquery(Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_at").values("visited_at")[:1])


def _assignment_households(a: Assignment) -> QuerySet[Household]:
    """One assignment's households by indexed lookups (the household, or the village/group and
    its groups by id) rather than the general OR of subqueries."""
    if a.household_id:
        return Household.objects.filter(pk=a.household_id)
    ids: list[int] = [a.jurisdiction_id or 0,
                      *Jurisdiction.objects.filter(parent_id=a.jurisdiction_id).values_list("pk", flat=True)]
    return Household.objects.filter(jurisdiction_id__in=ids)


def households_due(*, officer, today: dt.date | None = None, within_days: int | None = None) -> list[dict[str, Any]]:
    """The officer's households whose next visit falls due within `within_days` (default: the
    due-soon setting) or is already overdue, most overdue first. Each household once, under the
    shortest interval of the assignments that cover it."""
    today = today or timezone.localdate()
    within = get_setting("policing.visit_due_soon_days", int) if within_days is None else within_days
    default = default_interval_days()
    best: dict[int, dict[str, Any]] = {}
    for a in _active(Assignment.objects.filter(officer=officer), today).select_related("jurisdiction"):
        interval = a.interval_days or default
        cutoff = _start(today - dt.timedelta(days=interval - within))
        scope = _assignment_households(a)
        # Never visited: due `interval` days after the assignment started.
        never_due = a.starts_on + dt.timedelta(days=interval - within) <= today
        stale = Q(last_visit__lt=cutoff) | Q(last_visit__isnull=True) if never_due else Q(last_visit__lt=cutoff)
        rows = (scope.annotate(last_visit=_last_visit())
                .filter(stale)
                .select_related("jurisdiction"))
        for h in rows:
            last = timezone.localtime(h.last_visit).date() if h.last_visit else None
            due_on = (last or a.starts_on) + dt.timedelta(days=interval)
            current = best.get(h.pk)
            if current is None or due_on < current["due_on"]:
                best[h.pk] = {"household": h, "last_visit": last, "due_on": due_on, "overdue": due_on < today,
                              "assignment": a}
    return sorted(best.values(), key=lambda r: (r["due_on"], r["household"].pk))


def officer_queue(*, user, today: dt.date | None = None) -> dict[str, Any]:
    """The officer's work queue: households due for a visit, open hazards, reviews due."""
    today = today or timezone.localdate()
    due = households_due(officer=user, today=today)
    hazards = (restrict(Hazard.objects.all(), user, "view")
               .filter(found_by=user, state__in=OPEN_STATES)
               .select_related("jurisdiction").order_by("found_at"))
    soon = today + dt.timedelta(days=get_setting("policing.visit_due_soon_days", int))
    reviews = risk_person_list(user=user, due_by=soon).filter(Q(officer=user) | Q(officer__isnull=True))
    return {"households_due": due, "hazards": list(hazards[:100]), "reviews": list(reviews[:100]),
            "committee_roles": list(committee_roles_of(user=user, person=user))}


def overdue_flags(*, user, kind: str | None = None) -> QuerySet[OverdueFlag]:
    """Open overdue flags in the user's scope (scoped on the flag's unit and place)."""
    qs = restrict(OverdueFlag.objects.all(), user, "view").filter(cleared_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("household", "risk_person", "jurisdiction", "assignment__officer").order_by("due_on", "pk")


def coverage(*, user, officer=None, jurisdiction: str | None = None, date_from: dt.date | None = None,
             date_to: dt.date | None = None) -> dict[str, Any]:
    """Households assigned and visited in the period, for one officer or a jurisdiction subtree."""
    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to - dt.timedelta(days=default_interval_days() - 1)
    assignments = restrict(Assignment.objects.all(), user, "view").filter(starts_on__lte=date_to).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=date_from))
    if officer is not None:
        assignments = assignments.filter(officer=officer)
    households = restrict(Household.objects.all(), user, "view").filter(covered_households_q(assignments))
    path = jurisdiction_path(jurisdiction)
    if path:
        households = households.filter(in_subtree(path))
    visits = _period(Visit.objects.filter(household__in=households.values("pk")), "visited_at", date_from, date_to)
    if officer is not None:
        visits = visits.filter(officer=officer)
    assigned = households.count()
    visited = visits.values("household_id").distinct().count()
    return {"date_from": date_from, "date_to": date_to, "households_assigned": assigned,
            "households_visited": visited, "coverage_rate": round(visited / assigned, 4) if assigned else None}


def coverage_by_village(*, user, jurisdiction: str | None = None, date_from: dt.date | None = None,
                        date_to: dt.date | None = None) -> list[dict[str, Any]]:
    """Coverage per village (a household in a group counts for the group's village)."""
    from django.db.models import Case, Count, F, When

    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to - dt.timedelta(days=default_interval_days() - 1)
    assignments = _active(restrict(Assignment.objects.all(), user, "view"), date_to)
    households = restrict(Household.objects.all(), user, "view").filter(covered_households_q(assignments))
    path = jurisdiction_path(jurisdiction)
    if path:
        households = households.filter(in_subtree(path))
    village = Case(When(jurisdiction__level=4, then=F("jurisdiction__parent_id")), default=F("jurisdiction_id"))
    visited_ids = _period(Visit.objects.filter(household__isnull=False), "visited_at", date_from, date_to).values("household_id")
    rows = (households.annotate(village=village).values("village")
            .annotate(assigned=Count("pk"), visited=Count("pk", filter=Q(pk__in=visited_ids))).order_by("village"))
    names = dict(Jurisdiction.objects.filter(pk__in=[r["village"] for r in rows]).values_list("pk", "name"))
    return [{"village": names.get(r["village"], ""), "village_id": r["village"], "households_assigned": r["assigned"],
             "households_visited": r["visited"],
             "coverage_rate": round(r["visited"] / r["assigned"], 4) if r["assigned"] else None} for r in rows]
