"""Reads of search tasks and monitoring decisions, through orgs.permissions.restrict (a 司法所
sees its own; the county bureau those of its offices; anything else is a 404)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from pingan.orgs.permissions import get_for, restrict

from .models import MonitoringDecision, SearchAttempt, SearchTask, Supervisee


def _with_attempts(qs: QuerySet[SearchTask]) -> QuerySet[SearchTask]:
    return qs.select_related("supervisee", "justice_office", "alert").prefetch_related(
        Prefetch("attempts", queryset=SearchAttempt.objects.order_by("searched_at", "pk")))


def search_list(*, user, state: str | None = None, supervisee: Supervisee | None = None) -> QuerySet[SearchTask]:
    qs = _with_attempts(restrict(SearchTask.objects.all(), user, "view"))
    if state == "running":
        qs = qs.filter(state__in=["open", "escalated"])
    elif state:
        qs = qs.filter(state=state)
    if supervisee is not None:
        qs = qs.filter(supervisee=supervisee)
    return qs


def search_get(*, user, pk: int, action: str = "view") -> SearchTask:
    return get_for(_with_attempts(SearchTask.objects.all()), user=user, pk=pk, action=action)


def monitoring_list(*, user, state: str | None = None,
                    supervisee: Supervisee | None = None) -> QuerySet[MonitoringDecision]:
    qs = restrict(MonitoringDecision.objects.all(), user, "view").select_related("supervisee", "device",
                                                                                 "justice_office")
    if state:
        qs = qs.filter(state=state)
    if supervisee is not None:
        qs = qs.filter(supervisee=supervisee)
    return qs


def monitoring_get(*, user, pk: int, action: str = "view") -> MonitoringDecision:
    return get_for(MonitoringDecision.objects.select_related("supervisee", "device"), user=user, pk=pk,
                   action=action)
