"""API schemas of /api/v1/procuratorate/. Inputs refuse unknown fields (StrictSchema)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pingan.core.schemas import StrictSchema


class OffenceOut(Schema):
    code: str
    name: str
    article: str
    max_term_months: int
    is_minor: bool


class SuspectIn(StrictSchema):
    name: str = Field(..., max_length=50)
    id_number: str = Field("", max_length=30)
    guilty_plea: bool = False
    guilty_plea_on: dt.date | None = None
    first_offender: bool = False
    occasional: bool = False
    negligent: bool = False
    relation: Literal["none", "neighbours", "family", "acquaintance", "colleague", "other"] = "none"


class CaseIn(StrictSchema):
    number: str = Field(..., max_length=100)
    offence: str = Field(..., description="罪名编码，见 /offences")
    police_agency: str = Field(..., description="移送机关编码")
    jurisdiction: str | None = Field(None, description="案发地区划代码；留空为移送机关所在区划")
    received_on: dt.date
    request: Literal["arrest", "prosecution"]
    fast_track: bool = False
    summary: str = ""
    suspects: list[SuspectIn] = Field(..., min_length=1, max_length=50)


class SuspectOut(Schema):
    uuid: UUID
    name: str
    id_number: str
    masked: bool
    state: str
    state_label: str
    guilty_plea: bool
    guilty_plea_on: dt.date | None
    first_offender: bool
    occasional: bool
    negligent: bool
    relation: str
    arrest_requested_on: dt.date | None
    arrest_decision: str
    arrest_decided_on: dt.date | None
    prosecution_received_on: dt.date | None
    prosecution_decision: str
    prosecution_decided_on: dt.date | None
    hearing_required: bool
    volunteer_plan: UUID | None


class CaseListOut(Schema):
    uuid: UUID
    number: str
    offence: str = Field(..., alias="offence.code")
    received_on: dt.date
    police_agency: str = Field(..., alias="police_agency.code")
    suspect_count: int


class CaseOut(Schema):
    uuid: UUID
    number: str
    offence: str
    offence_name: str
    received_on: dt.date
    police_agency: str
    jurisdiction: str
    fast_track: bool
    summary: str
    suspects: list[SuspectOut]


class CaseFilterIn(Schema):
    offence: str | None = None
    state: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    jurisdiction: str | None = None
    q: str | None = Field(None, max_length=100)


class ArrestDecisionIn(StrictSchema):
    decision: Literal["approved", "not_approved"]
    decided_on: dt.date
    grounds: str = ""


class TransferIn(StrictSchema):
    received_on: dt.date


class ProsecutionDecisionIn(StrictSchema):
    decision: Literal["prosecute", "relative", "other"]
    decided_on: dt.date
    grounds: str = ""


class PlanIn(StrictSchema):
    partner: str = Field(..., description="协作单位编码")
    service_type: Literal["traffic_duty", "road_patrol", "elder_care", "environment", "other"]
    consent_on: dt.date
    start_on: dt.date
    end_on: dt.date
    planned_hours: Decimal = Field(..., gt=0, le=1000)


class PlanOut(Schema):
    uuid: UUID
    suspect_name: str = Field(..., alias="suspect.name")
    case_number: str = Field(..., alias="suspect.case.number")
    partner: str = Field(..., alias="partner.code")
    service_type: str
    start_on: dt.date
    end_on: dt.date
    planned_hours: Decimal
    confirmed_hours: Decimal
    state: str

    @staticmethod
    def resolve_confirmed_hours(obj) -> Decimal:
        return getattr(obj, "confirmed", None) or Decimal(0)


class HoursIn(StrictSchema):
    served_on: dt.date
    hours: Decimal = Field(..., gt=0, le=24)
    activity: str = Field(..., min_length=1, max_length=200)


class HoursOut(Schema):
    id: int
    served_on: dt.date
    hours: Decimal
    activity: str
    confirmed: bool


class EvaluationIn(StrictSchema):
    passed: bool
    evaluated_on: dt.date
    notes: str = ""


class ParticipantIn(StrictSchema):
    name: str = Field(..., max_length=50)
    role: Literal["citizen", "supervisor", "deputy", "victim", "suspect", "counsel", "police", "other"]


class HearingIn(StrictSchema):
    decision: Literal["non_prosecution", "arrest", "other"]
    scheduled_at: dt.datetime
    place: str = Field(..., min_length=1, max_length=200)
    participants: list[ParticipantIn] = Field(..., min_length=1, max_length=50)


class OpinionIn(StrictSchema):
    minutes: str = ""
    opinion: str


class HearingOut(Schema):
    uuid: UUID
    decision: str
    scheduled_at: dt.datetime
    place: str
    opinion: str
    opinion_recorded_at: dt.datetime | None


class RecommendationIn(StrictSchema):
    recipient: str = Field(..., description="被建议单位编码")
    title: str = Field(..., min_length=1, max_length=200)
    problems: str = Field(..., min_length=1)
    measures: str = Field(..., min_length=1)
    issued_on: dt.date
    case: UUID | None = None
    number: str = Field("", max_length=100)


class ReplyIn(StrictSchema):
    replied_on: dt.date
    reply: str


class ImplementIn(StrictSchema):
    implemented_on: dt.date
    rectification_evidence: str


class FollowUpOut(Schema):
    step: int
    kind: str
    on: dt.date
    note: str


class RecommendationOut(Schema):
    uuid: UUID
    number: str
    title: str
    recipient: str = Field(..., alias="recipient.code")
    issued_on: dt.date
    reply_due: dt.date
    state: str
    followup_step: int
    replied_on: dt.date | None
    implemented_on: dt.date | None
    followups: list[FollowUpOut] = []

    @staticmethod
    def resolve_followups(obj) -> list:
        return list(obj.followups.all())


class EarlyIn(StrictSchema):
    number: str = Field(..., max_length=100)
    offence: str
    police_agency: str
    jurisdiction: str | None = None
    started_on: dt.date
    guidance: str = Field(..., min_length=1)
    outcome: Literal["pending", "arrest_requested", "transferred", "withdrawn", "other"] = "pending"
    outcome_note: str = ""


class EarlyOut(Schema):
    uuid: UUID
    number: str
    offence: str = Field(..., alias="offence.code")
    police_agency: str = Field(..., alias="police_agency.code")
    started_on: dt.date
    outcome: str


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class ImportOut(Schema):
    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    written: bool
    errors: list[ImportErrorOut]


class StatisticsIn(Schema):
    date_from: dt.date
    date_to: dt.date
    jurisdiction: str | None = None


class StatisticsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    jurisdiction: str | None
    minor_cases: dict[str, int]
    volunteer_service: dict[str, int]
    recommendations: dict[str, int]
    early_involvement: dict
