"""Reads of the org chart, always through restrict()."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Agency, Jurisdiction, User
from .permissions import restrict


def jurisdiction_list(*, user, parent_code: str | None = None, level: int | None = None) -> QuerySet[Jurisdiction]:
    qs = restrict(Jurisdiction.objects.all(), user, "view")
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("path")


def agency_list(*, user, kind: str | None = None, jurisdiction_code: str | None = None) -> QuerySet[Agency]:
    qs = restrict(Agency.objects.select_related("jurisdiction", "parent"), user, "view")
    if kind:
        qs = qs.filter(kind=kind)
    if jurisdiction_code:
        qs = qs.filter(jurisdiction__code=jurisdiction_code)
    return qs.order_by("path")


def user_list(*, user, agency_code: str | None = None, role_code: str | None = None) -> QuerySet[User]:
    qs = restrict(User.objects.select_related("agency").prefetch_related("roles"), user, "view")
    if agency_code:
        qs = qs.filter(agency__code=agency_code)
    if role_code:
        qs = qs.filter(roles__code=role_code)
    return qs.order_by("username")


def subtree_ids(path: str) -> QuerySet:
    """The ids of the jurisdictions at and under `path`, as a subquery. Filter records with
    `jurisdiction_id__in=subtree_ids(path)` (their own indexed column against the small table's
    path-prefix match) rather than `jurisdiction__path__startswith`, which joins the jurisdiction
    table for every record."""
    return Jurisdiction.objects.filter(path__startswith=path).values("pk")
