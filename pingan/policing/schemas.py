"""Input and output shapes of /api/v1/policing/. Inputs refuse unknown fields (StrictSchema);
places are division codes, people are usernames or uuids, never database ids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pingan.core.schemas import StrictSchema

GradeStr = Literal["blue", "yellow", "red"]


class HouseholdIn(StrictSchema):
    jurisdiction: str = Field(..., max_length=15)
    address: str = Field(..., min_length=1, max_length=300)
    head_name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field("", max_length=20)
    external_ref: str = Field("", max_length=100)


class HouseholdOut(Schema):
    uuid: UUID
    jurisdiction: str
    jurisdiction_name: str
    address: str
    head_name: str
    phone: str
    masked: bool = True


class AssignmentIn(StrictSchema):
    officer: str = Field(..., description="民（辅）警账号")
    jurisdiction: str | None = Field(None, max_length=15)
    household: UUID | None = None
    interval_days: int | None = Field(None, ge=1, le=3660)
    starts_on: dt.date | None = None
    note: str = Field("", max_length=200)


class AssignmentOut(Schema):
    id: int
    officer: str
    jurisdiction: str | None
    household: UUID | None
    interval_days: int | None
    starts_on: dt.date
    ends_on: dt.date | None


class HazardIn(StrictSchema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1)
    jurisdiction: str | None = Field(None, max_length=15, description="不填则取走访户或走访地点")
    household: UUID | None = None
    visit: UUID | None = None
    category: Literal["dispute", "public_order", "safety", "petition", "other"] = "dispute"
    people_involved: int = Field(1, ge=0, le=100_000)
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    found_at: dt.datetime | None = None
    external_ref: str = Field("", max_length=100)


class VisitHazardIn(StrictSchema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1)
    category: Literal["dispute", "public_order", "safety", "petition", "other"] = "dispute"
    people_involved: int = Field(1, ge=0, le=100_000)
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)


class VisitIn(StrictSchema):
    household: UUID | None = None
    jurisdiction: str | None = Field(None, max_length=15)
    visited_at: dt.datetime | None = None
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    people_met: str = Field("", max_length=300)
    notes: str = ""
    external_ref: str = Field("", max_length=100)
    hazards: list[VisitHazardIn] = Field(default_factory=list, max_length=20)


class VisitOut(Schema):
    uuid: UUID
    officer: str
    jurisdiction: str
    jurisdiction_name: str
    household: UUID | None
    visited_at: dt.datetime
    latitude: Decimal | None
    longitude: Decimal | None
    people_met: str
    notes: str
    hazards: list[UUID] = []


class HazardListOut(Schema):
    uuid: UUID
    external_ref: str
    title: str
    category: str
    grade: str | None
    state: str
    state_label: str
    outcome: str
    jurisdiction: str
    jurisdiction_name: str
    found_at: dt.datetime
    resolved_at: dt.datetime | None
    contact_name: str


class TimelineOut(Schema):
    at: dt.datetime
    label: str
    by: str | None
    note: str


class ActionOut(Schema):
    name: str
    label: str
    allowed: bool
    reasons: list[str]


class HazardOut(HazardListOut):
    description: str
    people_involved: int
    amount: Decimal
    contact_phone: str
    masked: bool
    grading: dict
    resolution: str
    dispute: UUID | None
    timeline: list[TimelineOut]
    actions: list[ActionOut]


class HazardFilterIn(Schema):
    state: str | None = None
    grade: GradeStr | None = None
    category: str | None = None
    outcome: str | None = None
    jurisdiction: str | None = Field(None, max_length=15)
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class TransitionIn(StrictSchema):
    name: Literal["link", "push", "control", "revisit", "publicise"]
    reason: str = Field("", max_length=1000)


class ResolveIn(StrictSchema):
    resolution: str = Field(..., min_length=1)
    resolved_at: dt.datetime | None = None


class PartyIn(StrictSchema):
    role: Literal["applicant", "respondent", "third_party"] = "applicant"
    kind: Literal["person", "organisation"] = "person"
    name: str = Field(..., min_length=1, max_length=100)
    id_number: str = Field("", max_length=18)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=300)


class ToDisputeIn(StrictSchema):
    category: str = Field(..., description="纠纷类别编码，见 /api/v1/disputes/categories")
    parties: list[PartyIn] = Field(default_factory=list, max_length=20)
    title: str | None = Field(None, max_length=200)
    facts: str | None = None


class LetterIn(StrictSchema):
    target_name: str = Field(..., min_length=1, max_length=200)
    letter_number: str = Field("", max_length=100)
    content: str = ""
    sent_at: dt.datetime | None = None
    external_ref: str = Field("", max_length=100)


class ReplyIn(StrictSchema):
    reply: str = Field(..., min_length=1)
    replied_at: dt.datetime | None = None
    close: bool = True


class RevisitIn(StrictSchema):
    satisfied: bool
    revisited_at: dt.datetime | None = None


class PushOut(Schema):
    uuid: UUID
    channel: str
    target_name: str
    letter_number: str
    jurisdiction: str
    hazard: UUID | None
    dispute: UUID | None
    sent_at: dt.datetime
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    revisited_at: dt.datetime | None
    satisfied: bool | None


class RiskPersonIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field("", max_length=18)
    phone: str = Field("", max_length=20)
    address: str = Field("", max_length=300)
    jurisdiction: str = Field(..., max_length=15)
    risk_level: GradeStr
    reason: str = Field(..., min_length=1)
    officer: str | None = Field(None, description="责任民（辅）警账号")
    hazard: UUID | None = None


class RiskPersonOut(Schema):
    uuid: UUID
    name: str
    id_number: str
    phone: str
    jurisdiction: str
    risk_level: str
    next_review_on: dt.date
    overdue: bool
    masked: bool


class ReviewIn(StrictSchema):
    risk_level: GradeStr
    notes: str = ""
    reviewed_at: dt.datetime | None = None


class PeriodIn(Schema):
    jurisdiction: str | None = Field(None, max_length=15)
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class CoverageIn(PeriodIn):
    officer: str | None = None


class ImportResultOut(Schema):
    kind: str
    dry_run: bool
    rows: int
    created: int
    skipped: int
    written: bool
    errors: list[dict]
