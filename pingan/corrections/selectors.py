"""Reads, always through orgs.permissions.restrict: a 司法所 sees its own people, the county
bureau those of its offices; anything else is a 404."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from pingan.core.audit import record_view
from pingan.orgs.permissions import get_for, restrict

from .models import GeofenceBreach, LocationFix, Supervisee


def supervisee_list(*, user, status: str | None = None) -> QuerySet[Supervisee]:
    qs = restrict(Supervisee.objects.all(), user, "view").select_related("justice_office", "residence", "last_seen")
    if status:
        qs = qs.filter(status=status)
    return qs


def supervisee_get(*, user, pk: int, action: str = "view") -> Supervisee:
    return get_for(Supervisee.objects.select_related("justice_office", "residence"), user=user, pk=pk, action=action)


def supervisee_id_number(*, user, pk: int, reason: str = "") -> str:
    """The unmasked ID number; every call is an audited view of sensitive data."""
    supervisee = supervisee_get(user=user, pk=pk)
    record_view(actor=user, obj=supervisee, fields=["id_number"], reason=reason)
    return supervisee.id_number


def supervisee_track(*, user, pk: int, since: datetime, until: datetime, reason: str = "") -> tuple[Supervisee, QuerySet[LocationFix]]:
    """A person's fixes in a period (the person's visibility decides; the view is audited)."""
    supervisee = supervisee_get(user=user, pk=pk)
    record_view(actor=user, obj=supervisee, fields=["track"], reason=reason or f"{since.isoformat()}/{until.isoformat()}")
    fixes = LocationFix.objects.filter(
        supervisee=supervisee, recorded_at__gte=since, recorded_at__lt=until
    ).order_by("recorded_at")
    return supervisee, fixes


def breach_list(*, user, kind: str | None = None, open_only: bool = False) -> QuerySet[GeofenceBreach]:
    visible = restrict(Supervisee.objects.all(), user, "view").values("pk")
    qs = GeofenceBreach.objects.filter(supervisee__in=visible).select_related("supervisee")
    if kind:
        qs = qs.filter(kind=kind)
    if open_only:
        qs = qs.filter(ended_at__isnull=True)
    return qs


def alert_list(*, user, state: str | None = None, kind: str | None = None):
    from .models import Alert

    qs = restrict(Alert.objects.all(), user, "view").select_related("supervisee", "justice_office")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def alert_get(*, user, pk: int, action: str = "view"):
    from .models import Alert

    return get_for(Alert.objects.select_related("supervisee", "justice_office", "breach"), user=user, pk=pk,
                   action=action)
