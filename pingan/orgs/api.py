from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import IntegerChoices
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate
from pydantic import Field

from pingan.core.pagination import PagePagination
from pingan.core.schemas import StrictSchema

from . import selectors
from .api_auth import scope_required
from .models import Agency, ApiToken, Jurisdiction, User
from .schemas import (
    DIVISION_CODE,
    AgencyOut,
    JurisdictionOut,
    MeOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from .services_tokens import create_token, revoke_token

router = Router(tags=["orgs"])

MAX_ID = 2**63 - 1  # the database's bigint; larger ids would overflow the query, not miss
_LEVELS: type[IntegerChoices] = Jurisdiction.Level


class JurisdictionFilter(StrictSchema):
    parent_code: str | None = Field(None, pattern=DIVISION_CODE)
    level: int | None = Field(None, ge=min(_LEVELS.values), le=max(_LEVELS.values))


class AgencyFilter(StrictSchema):
    kind: Agency.Kind | None = None
    jurisdiction_code: str | None = Field(None, pattern=DIVISION_CODE)


def _caller(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the API's auth ran first
    return user


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    user = _caller(request)
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "agency_id": user.agency_id,
        "roles": list(user.roles.values_list("code", flat=True)),
    }


@router.get("/jurisdictions", response=list[JurisdictionOut])
@paginate(PagePagination, page_size=100)
def jurisdictions(request: HttpRequest, filters: Query[JurisdictionFilter]):
    return selectors.jurisdiction_list(user=request.user, parent_code=filters.parent_code, level=filters.level)


@router.get("/agencies", response=list[AgencyOut])
@paginate(PagePagination, page_size=100)
def agencies(request: HttpRequest, filters: Query[AgencyFilter]):
    return selectors.agency_list(
        user=request.user,
        kind=filters.kind.value if filters.kind else None,
        jurisdiction_code=filters.jurisdiction_code,
    )


# --- the caller's own API tokens ---------------------------------------------------------------


@router.get("/tokens", response=list[TokenOut])
@paginate(PagePagination)
def token_list(request: HttpRequest):
    return ApiToken.objects.filter(user=_caller(request)).order_by("-created_at", "-pk")


@router.post("/tokens", response={201: TokenCreatedOut})
@scope_required("write")
def token_create(request: HttpRequest, payload: TokenIn):
    caller_scopes = getattr(request, "auth_scopes", None)
    # A token may only mint tokens with no more power than itself.
    if caller_scopes is not None and "admin" not in caller_scopes and not set(payload.scopes) <= caller_scopes:
        raise PermissionDenied(_("不能创建比当前令牌权限更大的令牌。"))
    user = _caller(request)
    row, plaintext = create_token(
        user=user, name=payload.name, scopes=list(payload.scopes), expires_at=payload.expires_at, by=user
    )
    out = TokenOut.from_orm(row).model_dump()
    return Status(201, {**out, "token": plaintext})


@router.delete("/tokens/{token_id}", response={204: None})
@scope_required("write")
def token_revoke(request: HttpRequest, token_id: int = Path(..., ge=1, le=MAX_ID)):
    user = _caller(request)
    row = ApiToken.objects.filter(user=user, pk=token_id).first()
    if row is None:
        raise Http404(_("记录不存在或无权查看。"))
    revoke_token(token=row, by=user)
    return Status(204, None)
