from __future__ import annotations

from ninja import Schema


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
