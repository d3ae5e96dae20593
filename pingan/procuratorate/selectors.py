"""Reads of the procuratorate app, always through orgs.permissions.restrict (an invisible record
is a 404, the same as a missing one). Statistics are computed from the records, never kept as
counters; a statistics app may reuse `statistics()`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import record_view
from pingan.core.deadlines import deadlines_for
from pingan.core.models import Deadline
from pingan.core.workflow import history
from pingan.orgs.models import Jurisdiction
from pingan.orgs.permissions import has_object_permission, restrict
from pingan.orgs.selectors import subtree_ids

from . import rollup
from .models import (
    EarlyInvolvement,
    Hearing,
    MinorCase,
    Offence,
    Recommendation,
    Suspect,
    VolunteerHours,
    VolunteerPlan,
)


def _missing() -> Http404:
    return Http404(_("记录不存在或无权查看。"))


def _one(qs: QuerySet, user, action: str, **lookup) -> Any:
    obj = restrict(qs, user, "view").filter(**lookup).first()
    if obj is None:
        raise _missing()
    if action != "view" and not has_object_permission(user, obj, action):
        raise PermissionDenied(_("无权执行此操作。"))
    return obj


def offence_list(*, active_only: bool = True) -> QuerySet[Offence]:
    qs = Offence.objects.all()
    return qs.filter(active=True) if active_only else qs


def jurisdiction_path(code: str | None) -> str | None:
    if not code:
        return None
    path = Jurisdiction.objects.filter(code=code).values_list("path", flat=True).first()
    if path is None:
        raise ValidationError({"jurisdiction": _("未知的区划代码：%(code)s") % {"code": code}})
    return path


def _check_period(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from and date_to and date_from > date_to:
        raise ValidationError({"date_to": _("结束日期不能早于开始日期。")})


# --- cases and suspects -------------------------------------------------------------------------


@dataclass
class CaseFilters:
    offence: str | None = None
    state: str | None = None  # any suspect in this state
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    jurisdiction: str | None = None
    q: str | None = None  # case number or suspect name


def case_list(*, user, filters: CaseFilters | None = None) -> QuerySet[MinorCase]:
    f = filters or CaseFilters()
    _check_period(f.date_from, f.date_to)
    qs = restrict(MinorCase.objects.all(), user, "view")
    if f.offence:
        qs = qs.filter(offence__code=f.offence)
    if f.date_from:
        qs = qs.filter(received_on__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(received_on__lte=f.date_to)
    path = jurisdiction_path(f.jurisdiction)
    if path:
        qs = qs.filter(jurisdiction_id__in=subtree_ids(path))
    if f.state:
        qs = qs.filter(pk__in=Suspect.objects.filter(state=f.state).values("case_id"))
    if f.q and f.q.strip():
        q = f.q.strip()
        qs = qs.filter(Q(number__contains=q) | Q(pk__in=Suspect.objects.filter(name__contains=q).values("case_id")))
    # A correlated subquery, not a JOIN + GROUP BY: it runs for the page's rows only.
    count = Suspect.objects.filter(case=OuterRef("pk")).order_by().values("case").annotate(n=Count("pk")).values("n")
    return (
        qs.select_related("offence", "police_agency", "prosecutor")
        .annotate(suspect_count=Coalesce(Subquery(count), 0))
        .order_by("-received_on", "-pk")
    )


def get_case(*, user, uuid: Any, action: str = "view") -> MinorCase:
    return _one(MinorCase.objects.select_related("offence", "procuratorate", "police_agency", "jurisdiction",
                                                 "prosecutor"), user, action, uuid=uuid)


def get_suspect(*, user, uuid: Any, action: str = "view") -> Suspect:
    return _one(Suspect.objects.select_related("case", "case__offence"), user, action, uuid=uuid)


def can(user, obj, action: str) -> bool:
    return has_object_permission(user, obj, action)


def suspects_of(*, user, case: MinorCase) -> QuerySet[Suspect]:
    return restrict(case.suspects.all(), user, "view").select_related("volunteer_plan").order_by("order", "pk")


def suspect_rows(*, user, case: MinorCase, reveal: bool = False) -> list[dict[str, Any]]:
    """Suspects for display: ID numbers masked unless `reveal` is asked for and allowed; each
    reveal is written to the audit log (one entry per suspect shown in clear)."""
    rows = []
    for s in suspects_of(user=user, case=case):
        clear = reveal and has_object_permission(user, s, "view_sensitive")
        if clear and s.id_number:
            record_view(actor=user, obj=s, fields=["id_number"])
        plan = getattr(s, "volunteer_plan", None)
        rows.append({"suspect": s, "id_number": s.id_number if clear else s.masked_id_number, "masked": not clear,
                     "plan": plan})
    return rows


def timeline(obj) -> list[dict[str, Any]]:
    """Transitions and deadlines of a record, oldest first (the detail pages' timeline)."""
    from pingan.core.workflow import workflow_for

    wf = workflow_for(obj)
    labels = {t.name: t.display for t in wf.transitions}
    items: list[dict[str, Any]] = []
    for t in history(obj):
        items.append({"at": t.at, "kind": "transition", "name": t.name, "label": labels.get(t.name, t.name),
                      "to": t.to_state, "to_label": wf.label(t.to_state), "by": t.by, "reason": t.reason,
                      "data": t.data})
    for d in deadlines_for(obj):
        items.append({"at": d.created_at, "kind": "deadline", "deadline": d})
    return sorted(items, key=lambda i: i["at"])


# --- volunteer service --------------------------------------------------------------------------


def confirmed_hours(plan: VolunteerPlan) -> Decimal:
    total = plan.hours.filter(confirmed_at__isnull=False).aggregate(s=Sum("hours"))["s"]
    return total or Decimal(0)


def plan_list(*, user, state: str | None = None) -> QuerySet[VolunteerPlan]:
    qs = restrict(VolunteerPlan.objects.all(), user, "view")
    if state:
        qs = qs.filter(state=state)
    hours = (VolunteerHours.objects.filter(plan=OuterRef("pk"), confirmed_at__isnull=False).order_by()
             .values("plan").annotate(s=Sum("hours")).values("s"))
    return (
        qs.select_related("suspect", "suspect__case", "partner")
        .annotate(confirmed=Subquery(hours))
        .order_by("-start_on", "-pk")
    )


def get_plan(*, user, uuid: Any, action: str = "view") -> VolunteerPlan:
    return _one(VolunteerPlan.objects.select_related("suspect", "suspect__case", "partner"), user, action, uuid=uuid)


def get_hours_entry(*, user, plan: VolunteerPlan, pk: int) -> VolunteerHours:
    entry = plan.hours.filter(pk=pk).select_related("plan").first()
    if entry is None:
        raise _missing()
    return entry


# --- recommendations, early involvement, hearings -----------------------------------------------


def recommendation_list(*, user, state: str | None = None) -> QuerySet[Recommendation]:
    qs = restrict(Recommendation.objects.all(), user, "view")
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("recipient", "case").order_by("-issued_on", "-pk")


def get_recommendation(*, user, uuid: Any, action: str = "view") -> Recommendation:
    return _one(Recommendation.objects.select_related("procuratorate", "recipient", "case"), user, action, uuid=uuid)


def early_list(*, user) -> QuerySet[EarlyInvolvement]:
    return restrict(EarlyInvolvement.objects.all(), user, "view").select_related("offence", "police_agency").order_by(
        "-started_on", "-pk")


def get_early(*, user, uuid: Any, action: str = "view") -> EarlyInvolvement:
    return _one(EarlyInvolvement.objects.select_related("offence", "police_agency"), user, action, uuid=uuid)


def get_hearing(*, user, uuid: Any, action: str = "view") -> Hearing:
    return _one(Hearing.objects.select_related("suspect", "suspect__case"), user, action, uuid=uuid)


# --- work queues ----------------------------------------------------------------------------------


def _deadline_rows(*, user, model, within: dt.timedelta, now: dt.datetime) -> QuerySet[Deadline]:
    visible = restrict(model.objects.all(), user, "view").annotate(sid=Cast("pk", CharField())).values("sid")
    return Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(model), status=Deadline.Status.RUNNING,
        due__lte=now + within, object_id__in=visible,
    ).order_by("due", "pk")


def queue(*, user, within_days: int = 3, limit: int = 100) -> list[dict[str, Any]]:
    """Suspects' and recommendations' running deadlines due within `within_days` (overdue first)."""
    now = timezone.now()
    within = dt.timedelta(days=within_days)
    items: list[dict[str, Any]] = []
    rows = list(_deadline_rows(user=user, model=Suspect, within=within, now=now)[:limit])
    suspects = Suspect.objects.select_related("case", "case__offence").in_bulk([int(d.object_id) for d in rows])
    for d in rows:
        s = suspects.get(int(d.object_id))
        if s is not None:
            items.append({"deadline": d, "suspect": s, "case": s.case, "overdue": d.due < now})
    rows = list(_deadline_rows(user=user, model=Recommendation, within=within, now=now)[:limit])
    recs = Recommendation.objects.select_related("recipient").in_bulk([int(d.object_id) for d in rows])
    for d in rows:
        r = recs.get(int(d.object_id))
        if r is not None:
            items.append({"deadline": d, "recommendation": r, "overdue": d.due < now})
    # Recommendations past their reply date but not implemented ("follow it up to the end").
    return sorted(items, key=lambda i: i["deadline"].due)


def unimplemented_recommendations(*, user) -> QuerySet[Recommendation]:
    return recommendation_list(user=user).filter(state__in=("issued", "replied", "escalated"),
                                                 reply_due__lt=timezone.localdate())


# --- statistics -----------------------------------------------------------------------------------


def statistics(*, user, date_from: dt.date, date_to: dt.date, jurisdiction: str | None = None) -> dict[str, Any]:
    """The procuratorate's figures for a period (and a jurisdiction subtree where it applies):
    persons are counted by the case's received date, decisions by their decision date. Counted
    from the records through the daily-count cache (rollup.py): the cache for days no write has
    touched since the worker recounted them, the records themselves for the others."""
    _check_period(date_from, date_to)
    path = jurisdiction_path(jurisdiction)
    period = (date_from, date_to)
    subtree = subtree_ids(path) if path else None
    # suspects and volunteer plans carry the case's jurisdiction (copied)
    in_subtree = Q(jurisdiction_id__in=subtree) if path else Q()

    t = rollup.tally(user=user, period=period, asks={
        "suspect": rollup.Ask(where=in_subtree, figures={
            "persons": ("received", {}),
            "guilty_pleas": ("received", {"guilty_plea": True}),
            "arrest_requested": ("arrest_requested", {}),
            "arrest_approved": ("arrest_decided", {"arrest_decision": "approved"}),
            "arrest_not_approved": ("arrest_decided", {"arrest_decision": "not_approved"}),
            "prosecuted": ("prosecution_decided", {"prosecution_decision": "prosecute"}),
            "relative_non_prosecuted": ("prosecution_decided", {"prosecution_decision": "relative"}),
            "other_non_prosecuted": ("prosecution_decided", {"prosecution_decision": "other"}),
        }),
        "plan": rollup.Ask(where=in_subtree, figures={
            "participants": ("consent", {}),
            "passed": ("consent", {"state": "passed"}),
            "failed": ("consent", {"state": "failed"}),
            "in_progress": ("consent", {"state": "active"}),
            "passed_not_prosecuted": ("consent", {"state": "passed", "not_prosecuted": True}),
        }),
        "recommendation": rollup.Ask(where=Q(recipient__jurisdiction_id__in=subtree) if path else Q(), figures={
            "issued": ("issued", {}),
            "escalated": ("issued", {"state": "escalated"}),
            "replied": ("replied", {}),
            "implemented": ("implemented", {}),
        }),
        "early": rollup.Ask(where=in_subtree, by="offence", figures={"started": ("started", {})}),
    })
    s, v, r = t["suspect"], t["plan"], t["recommendation"]
    s["non_prosecuted"] = s["relative_non_prosecuted"] + s["other_non_prosecuted"]
    per_offence = t["early"]["started"]
    by_offence = {code: per_offence[pk] for pk, code in Offence.objects.values_list("pk", "code")
                  if per_offence.get(pk)}
    return {
        "date_from": date_from,
        "date_to": date_to,
        "jurisdiction": jurisdiction or None,
        "minor_cases": s,
        "volunteer_service": v,
        "recommendations": r,
        "early_involvement": {"total": sum(by_offence.values()), "by_offence": by_offence},
    }
