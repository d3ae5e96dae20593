from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pingan.core.schemas import StrictSchema

from .models import Grade, Party, Source

DIVISION_CODE = r"^[0-9]{1,15}$"
CATEGORY_CODE = r"^[a-z0-9_-]{1,40}$"

PartyRole = Literal["applicant", "respondent", "third_party"]
PartyKind = Literal["person", "organisation"]
assert set(PartyRole.__args__) == set(Party.Role.values)  # type: ignore[attr-defined]
assert set(PartyKind.__args__) == set(Party.Kind.values)  # type: ignore[attr-defined]
# Sources a client may claim through the API (web form and Excel import have their own paths).
ApiSource = Literal["api", "court", "police", "hotline", "visit", "petition", "other"]
assert set(ApiSource.__args__) <= set(Source.values)  # type: ignore[attr-defined]
GradeName = Literal["blue", "yellow", "red"]
assert set(GradeName.__args__) == set(Grade.values)  # type: ignore[attr-defined]


class PartyIn(StrictSchema):
    role: PartyRole
    kind: PartyKind = "person"
    name: str = Field(..., min_length=1, max_length=100)
    id_number: str = Field("", max_length=30)
    credit_code: str = Field("", max_length=18)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=300)
    birth_date: dt.date | None = None
    age: int | None = Field(None, ge=0, le=150)


class DisputeIn(StrictSchema):
    title: str = Field(..., min_length=1, max_length=200)
    facts: str = Field(..., min_length=1, max_length=20000)
    category: str = Field(..., pattern=CATEGORY_CODE, description="类别编码，见 /disputes/categories")
    amount: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    jurisdiction: str = Field(..., pattern=DIVISION_CODE, description="发生地的区划代码")
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    source: ApiSource = "api"
    external_ref: str = Field("", max_length=100, pattern=r"^[^\x00]*$")
    received_at: dt.datetime | None = None
    parties: list[PartyIn] = Field(..., min_length=1, max_length=200)


class DisputeFilterIn(StrictSchema):
    state: str | None = Field(None, max_length=30, pattern=r"^[a-z_]+$")
    grade: GradeName | None = None
    category: str | None = Field(None, pattern=CATEGORY_CODE)
    jurisdiction: str | None = Field(None, pattern=DIVISION_CODE)
    source: str | None = Field(None, max_length=20, pattern=r"^[a-z_]+$")
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    q: str | None = Field(None, max_length=100, pattern=r"^[^\x00]*$")


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str


class DisputeListOut(Schema):
    uuid: UUID
    number: str
    title: str
    category: str = Field(..., alias="category.code")
    category_name: str = Field(..., alias="category.name")
    jurisdiction: str = Field(..., alias="jurisdiction.code")
    jurisdiction_name: str = Field(..., alias="jurisdiction.name")
    amount: Decimal
    source: str
    external_ref: str
    state: str
    grade: str | None
    received_at: dt.datetime


class PartyOut(Schema):
    role: str
    kind: str
    name: str
    id_number: str
    credit_code: str
    phone: str
    address: str
    birth_date: dt.date | None
    age: int | None
    masked: bool


class DisputeOut(Schema):
    uuid: UUID
    number: str
    title: str
    category: str
    category_name: str
    jurisdiction: str
    jurisdiction_name: str
    amount: Decimal
    source: str
    external_ref: str
    state: str
    grade: str | None
    received_at: dt.datetime
    facts: str
    latitude: Decimal | None
    longitude: Decimal | None
    handling_agency: str | None
    duplicate_of: UUID | None
    possible_duplicates: list[UUID]
    parties: list[PartyOut]
