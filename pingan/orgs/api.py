from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from . import selectors
from .models import User
from .schemas import AgencyOut, JurisdictionOut, MeOut

router = Router(tags=["orgs"])


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    user = request.user
    assert isinstance(user, User)
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "agency_id": user.agency_id,
        "roles": list(user.roles.values_list("code", flat=True)),
    }


@router.get("/jurisdictions", response=list[JurisdictionOut])
@paginate(PageNumberPagination, page_size=100)
def jurisdictions(request: HttpRequest, parent_code: str | None = None, level: int | None = None):
    return selectors.jurisdiction_list(user=request.user, parent_code=parent_code, level=level)


@router.get("/agencies", response=list[AgencyOut])
@paginate(PageNumberPagination, page_size=100)
def agencies(request: HttpRequest, kind: str | None = None, jurisdiction_code: str | None = None):
    return selectors.agency_list(user=request.user, kind=kind, jurisdiction_code=jurisdiction_code)
