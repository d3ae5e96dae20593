"""Reads of the court app, always through orgs.permissions.restrict: a mediator sees only the
cases assigned to them, the court (clerks, judges) all of its own and its tribunals' cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.core import deadlines as dl
from pingan.core.models import Deadline
from pingan.core.settings_store import get_setting
from pingan.orgs.models import Agency
from pingan.orgs.permissions import has_object_permission, restrict

from .models import CaseSeries, CourtCase, MediatorProfile

S = CourtCase.State
MEDIATOR_OPEN_STATES = (S.MEDIATOR_ASSIGNED, S.IN_MEDIATION)
CLERK_STATES = (S.RECEIVED, S.CONSENT_PENDING, S.DELEGATED, S.SUCCEEDED, S.REJECTED, S.FAILED)
SUPERVISED_STATES = (S.MEDIATOR_ASSIGNED, S.IN_MEDIATION, S.SUCCEEDED, S.DOCUMENT_APPLIED, S.CONFIRMATION_APPLIED)


def _base(user, action: str = "view") -> QuerySet[CourtCase]:
    return restrict(CourtCase.objects.all(), user, action).select_related(
        "court", "delegated_to", "mediator", "series", "dispute", "dispute__category", "dispute__jurisdiction"
    )


def case_list(*, user, state: str | None = None, q: str | None = None) -> QuerySet[CourtCase]:
    qs = _base(user)
    if state:
        qs = qs.filter(state=state)
    if q and q.strip():
        term = q.strip()
        qs = qs.filter(Q(number__contains=term) | Q(dispute__search_text__contains=term.casefold()))
    return qs.order_by("-received_on", "-pk")


def get_case(*, user, uuid: Any, action: str = "view") -> CourtCase:
    """One case the user may see (else 404); 403 when visible but `action` is not allowed."""
    case = _base(user).filter(uuid=uuid).first()
    if case is None:
        raise Http404(_("记录不存在或无权查看。"))
    if action != "view" and not has_object_permission(user, case, action):
        raise PermissionDenied(_("无权执行此操作。"))
    return case


def get_series(*, user, uuid: Any) -> CaseSeries:
    series = restrict(CaseSeries.objects.all(), user, "view").filter(uuid=uuid).select_related("court").first()
    if series is None:
        raise Http404(_("记录不存在或无权查看。"))
    return series


SERIES_STATUSES = {"open": gettext_lazy("有未结案件"), "closed": gettext_lazy("全部已结")}


def series_list(*, user, q: str | None = None, status: str | None = None,
                court: int | None = None) -> QuerySet[CaseSeries]:
    """The series the user may see, newest first, each with its number of cases and of open ones
    (no outcome yet); `status` keeps the series with open cases or those all finished."""
    qs = restrict(CaseSeries.objects.all(), user, "view").select_related("court").annotate(
        case_count=Count("cases"), open_count=Count("cases", filter=Q(cases__outcome="")))
    if q and q.strip():
        qs = qs.filter(name__contains=q.strip())
    if court:
        qs = qs.filter(court_id=court)
    if status == "open":
        qs = qs.filter(open_count__gt=0)
    elif status == "closed":
        qs = qs.filter(open_count=0)
    return qs.order_by("-created_at", "-pk")


def series_courts(*, user) -> QuerySet[Agency]:
    """The courts of the series the user may see (the list's court filter)."""
    return Agency.objects.filter(pk__in=restrict(CaseSeries.objects.all(), user, "view").values("court")).order_by(
        "path")


def series_to_join(*, user) -> QuerySet[CaseSeries]:
    """Series the user may add cases to: those still under way (some case without outcome)."""
    return (restrict(CaseSeries.objects.all(), user, "change").filter(cases__outcome="").distinct()
            .select_related("court").order_by("-created_at", "-pk"))


def series_cases(*, user, series: CaseSeries) -> QuerySet[CourtCase]:
    return _base(user).filter(series=series).order_by("pk")


def clerk_queue(*, user) -> QuerySet[CourtCase]:
    """What waits for the clerk: screening, consents, mediator designation (including cases a
    mediator declined or let time out), applications after success, rejected confirmations."""
    return restrict(CourtCase.objects.filter(state__in=CLERK_STATES), user, "change").select_related(
        "court", "delegated_to", "dispute", "dispute__category"
    ).order_by("received_on", "pk")


def mediator_queue(*, user) -> QuerySet[CourtCase]:
    return _base(user, "mediate").filter(mediator=user, state__in=(*MEDIATOR_OPEN_STATES, S.SUCCEEDED)).order_by("pk")


def supervision_queue(*, user) -> QuerySet[CourtCase]:
    """The supervising judge's view: delegated cases under way, with their comment counts."""
    return (
        restrict(CourtCase.objects.filter(state__in=SUPERVISED_STATES), user, "comment")
        .select_related("delegated_to", "mediator", "dispute", "dispute__category")
        .annotate(comment_count=Count("comments"))
        .order_by("pk")
    )


@dataclass
class DeadlineView:
    kind: str
    label: str
    due: datetime
    status: str
    provisional: bool
    warning: str
    overdue: bool
    soon: bool


# Lazy: evaluated per request in the user's language, not once at import.
KIND_LABELS = {
    "court.choose_mediator": gettext_lazy("当事人选定调解员"),
    "court.mediator_accept": gettext_lazy("调解员确认接受"),
    "court.mediation_period": gettext_lazy("诉前调解期限"),
    "court.judicial_confirmation_apply": gettext_lazy("申请司法确认"),
    "court.special_procedure": gettext_lazy("司法确认审查"),
}


def _view(d: Deadline, now: datetime, soon: timedelta) -> DeadlineView:
    running = d.status == Deadline.Status.RUNNING
    return DeadlineView(
        kind=d.kind, label=str(KIND_LABELS.get(d.kind, d.kind)), due=d.due, status=d.status,
        provisional=d.provisional, warning=dl.warning_for(d) if d.provisional else "",
        overdue=running and d.due < now, soon=running and now <= d.due <= now + soon,
    )


def open_deadlines(cases: list[CourtCase], *, now: datetime | None = None) -> dict[int, list[DeadlineView]]:
    """Open deadlines of many cases in one query (queues), keyed by case id."""
    now = now or timezone.now()
    soon = timedelta(days=get_setting("court.deadline_warning_days", int))
    ct = ContentType.objects.get_for_model(CourtCase)
    out: dict[int, list[DeadlineView]] = {c.pk: [] for c in cases}
    rows = Deadline.objects.filter(
        content_type=ct, object_id__in=[str(c.pk) for c in cases], status__in=dl.OPEN_STATUSES
    ).order_by("due", "pk")
    for d in rows:
        out[int(d.object_id)].append(_view(d, now, soon))
    return out


def case_deadlines(case: CourtCase, *, now: datetime | None = None) -> list[DeadlineView]:
    """Every deadline of the case and of its confirmation applications (the case is visible)."""
    now = now or timezone.now()
    soon = timedelta(days=get_setting("court.deadline_warning_days", int))
    rows = list(dl.deadlines_for(case))
    for jc in case.confirmations.all():
        rows.extend(dl.deadlines_for(jc))
    return [_view(d, now, soon) for d in sorted(rows, key=lambda d: (d.created_at, d.pk))]


# --- roster ---------------------------------------------------------------------------------


def roster(*, user, active_only: bool = True) -> QuerySet[MediatorProfile]:
    """Roster with each mediator's current load (cases assigned or in mediation)."""
    qs = restrict(MediatorProfile.objects.all(), user, "view")
    if active_only:
        qs = qs.filter(active=True)
    return (
        qs.select_related("user", "organisation", "place")
        .prefetch_related("specialities")
        .annotate(load=Count("user__court_cases", filter=Q(user__court_cases__state__in=MEDIATOR_OPEN_STATES)))
        .order_by("organisation__path", "user__full_name", "pk")
    )


def _township(path: str) -> str:
    # path = "<district>/<township>/<village>/…": the township is the second code.
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) > 1 else ""


@dataclass
class Recommendation:
    profile: MediatorProfile
    speciality: bool
    same_township: bool
    load: int
    reasons: list[str]


def recommend_mediators(*, user, case: CourtCase, limit: int = 5) -> list[Recommendation]:
    """Rank the roster for a case: speciality match first, then the same township as the
    dispute's place, then the lowest current load (then name, for a stable order). Only
    mediators of the delegated organisation (and its sub-organisations) when it is set."""
    qs = roster(user=user)
    if case.delegated_to_id:
        qs = qs.filter(organisation__path__startswith=case.delegated_to.path)  # type: ignore[union-attr]
    category_id = case.dispute.category_id
    township = _township(case.dispute.jurisdiction.path)
    recs = []
    for p in qs:
        speciality = any(c.pk == category_id for c in p.specialities.all())
        same = bool(township) and _township(p.place.path) == township
        reasons = []
        if speciality:
            reasons.append(_("擅长%(c)s") % {"c": case.dispute.category.label})
        if same:
            reasons.append(_("驻点同乡镇"))
        load = int(getattr(p, "load", 0))  # annotated by roster()
        reasons.append(_("在办 %(n)s 件") % {"n": load})
        recs.append(Recommendation(p, speciality, same, load, reasons))
    recs.sort(key=lambda r: (not r.speciality, not r.same_township, r.load, r.profile.user.full_name, r.profile.pk))
    return recs[:limit]
