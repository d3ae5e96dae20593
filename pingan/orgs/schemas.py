from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from pingan.core.schemas import StrictSchema

from .api_auth import SCOPES

ScopeName = Literal["read", "write", "admin", "devices"]
assert set(ScopeName.__args__) == set(SCOPES)  # type: ignore[attr-defined]

# Division codes are digits; agency codes are slugs. Patterns keep junk (NUL bytes, huge strings)
# out of the database query and give the client a field-level 422 instead.
DIVISION_CODE = r"^[0-9]{1,15}$"


class JurisdictionOut(Schema):
    id: int
    code: str
    name: str
    level: int
    kind: str
    parent_id: int | None
    is_active: bool
    is_demo: bool


class AgencyOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    tier: str
    jurisdiction_id: int
    parent_id: int | None


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    agency_id: int | None
    roles: list[str]


class TokenIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=100)
    scopes: list[ScopeName] = Field(..., min_length=1)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="完整令牌，仅在创建时显示一次")
