from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from pingan.core.schemas import StrictSchema
from pingan.disputes.schemas import CATEGORY_CODE, DIVISION_CODE, PartyIn


class CaseIn(StrictSchema):
    court: str = Field(..., max_length=64, description="受理法院或人民法庭的单位编码")
    filing_division: str = Field("", max_length=100)
    title: str = Field(..., min_length=1, max_length=200)
    facts: str = Field(..., min_length=1, max_length=20000)
    claim: str = Field(..., min_length=1, max_length=20000)
    category: str = Field(..., pattern=CATEGORY_CODE)
    jurisdiction: str = Field(..., pattern=DIVISION_CODE, description="纠纷发生地区划代码")
    amount: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    received_on: dt.date
    parties: list[PartyIn] = Field(..., min_length=1, max_length=200)


class DeadlineOut(Schema):
    kind: str
    label: str
    due: dt.datetime
    status: str
    provisional: bool
    warning: str
    overdue: bool


class CaseListOut(Schema):
    uuid: UUID
    number: str
    title: str
    state: str
    state_label: str
    court: str
    received_on: dt.date
    mediator: str | None
    outcome: str

    # Resolvers let the paginated list hand over the queryset (one page fetched, no N+1).
    @staticmethod
    def resolve_title(obj) -> str:
        return obj["title"] if isinstance(obj, dict) else obj.dispute.title

    @staticmethod
    def resolve_state_label(obj) -> str:
        from .workflow import state_label

        return obj["state_label"] if isinstance(obj, dict) else state_label(obj.state)

    @staticmethod
    def resolve_court(obj) -> str:
        return obj["court"] if isinstance(obj, dict) else obj.court.name

    @staticmethod
    def resolve_mediator(obj) -> str | None:
        if isinstance(obj, dict):
            return obj["mediator"]
        return str(obj.mediator) if obj.mediator else None


class ConfirmationOut(Schema):
    number: str
    applied_on: dt.date
    ruling: str
    ruling_reason: str
    ruled_on: dt.date | None


class CaseOut(CaseListOut):
    claim: str
    amount: Decimal
    dispute: UUID
    delegated_to: str | None
    series: UUID | None
    return_reason: str
    agreed_terms: str
    undisputed_facts: str
    disputed_matters: str
    agreement_effective_on: dt.date | None
    deadlines: list[DeadlineOut]
    confirmations: list[ConfirmationOut]
    allowed: list[str]


class NoteIn(StrictSchema):
    note: str = Field("", max_length=2000)


class ConsentIn(StrictSchema):
    party: int
    consents: bool
    note: str = Field("", max_length=300)


class DelegateIn(StrictSchema):
    organisation: str = Field(..., max_length=64, description="调解组织的单位编码")


class AssignIn(StrictSchema):
    mediator: str = Field(..., max_length=150, description="调解员用户名")
    chosen_by: Literal["parties", "court"] = "court"


class ReasonIn(StrictSchema):
    reason: str = Field(..., min_length=1, max_length=2000)


class ExtendIn(StrictSchema):
    days: int = Field(..., ge=1, le=365)
    parties: list[int] = Field(..., min_length=1)
    reason: str = Field(..., min_length=1, max_length=2000)


class PauseIn(StrictSchema):
    on: dt.date
    reason: str = Field("", max_length=2000)


class SucceedIn(StrictSchema):
    agreed_terms: str = Field(..., min_length=1, max_length=20000)
    agreement_effective_on: dt.date
    undisputed_facts: str = Field("", max_length=20000)


class FailIn(StrictSchema):
    reason: str = Field(..., min_length=1, max_length=2000)
    undisputed_facts: str = Field("", max_length=20000)
    disputed_matters: str = Field("", max_length=20000)
    agreed_terms: str = Field("", max_length=20000)


class ResolveIn(StrictSchema):
    outcome: Literal["performed", "reconciled", "withdrawn"]
    note: str = Field("", max_length=2000)


class ConfirmationIn(StrictSchema):
    applicants: list[int] = Field(..., min_length=1)
    applied_on: dt.date


class RulingIn(StrictSchema):
    confirmed: bool
    ruled_on: dt.date
    reason: str = Field("", max_length=2000)


class CommentIn(StrictSchema):
    text: str = Field(..., min_length=1, max_length=5000)


class CommentOut(Schema):
    author: str
    text: str
    created_at: dt.datetime


class MediatorOut(Schema):
    username: str
    name: str
    organisation: str
    place: str
    specialities: list[str]
    load: int
    reasons: list[str] = []


class SeriesIn(StrictSchema):
    name: str = Field(..., min_length=1, max_length=200, description="系列案名称")
    facts: str = Field("", max_length=20000, description="共同事实")
    cases: list[UUID] = Field(..., min_length=1, max_length=500, description="归入系列案的案件（同一法院，未结）")


class SeriesCasesIn(StrictSchema):
    cases: list[UUID] = Field(..., min_length=1, max_length=500, description="并入系列案的案件（同一法院，未结）")


class SeriesOut(Schema):
    uuid: UUID
    name: str
    court: str
    facts: str
    created_at: dt.datetime
    case_count: int
    open_count: int

    @staticmethod
    def resolve_court(obj) -> str:
        return obj["court"] if isinstance(obj, dict) else obj.court.name


class SeriesConfirmIn(StrictSchema):
    applied_on: dt.date | None = None
    ruled_on: dt.date | None = None


ImportOutcome = Literal["", "mediation_document", "judicial_confirmation", "performed", "reconciled", "withdrawn",
                        "returned"]
ImportReturnReason = Literal["", "refused", "failed", "timed_out", "rejected", "other"]


class CaseImportRowIn(StrictSchema):
    """One historical case of the court's ledger (诉前调解台账)."""

    ref: str = Field(..., min_length=1, max_length=100, description="台账编号：再次导入同一编号时更新，不重复登记")
    number: str = Field("", max_length=60, description="以往年度的诉前调解案号（可空）")
    title: str = Field(..., min_length=1, max_length=200)
    facts: str = Field(..., min_length=1, max_length=20000)
    claim: str = Field(..., min_length=1, max_length=20000)
    category: str = Field(..., pattern=CATEGORY_CODE)
    jurisdiction: str = Field(..., pattern=DIVISION_CODE, description="纠纷发生地区划代码")
    amount: Decimal = Field(Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    filing_division: str = Field("", max_length=100)
    received_on: dt.date
    parties: list[PartyIn] = Field(..., min_length=1, max_length=50)
    delegated_to: str = Field("", max_length=64, description="受委派调解组织的单位编码")
    delegated_on: dt.date | None = None
    outcome: ImportOutcome = ""
    outcome_on: dt.date | None = None
    return_reason: ImportReturnReason = ""


class CaseImportIn(StrictSchema):
    court: str = Field(..., max_length=64, description="受理法院或人民法庭的单位编码")
    dry_run: bool = Field(False, description="只预检，不写入")
    cases: list[CaseImportRowIn] = Field(..., min_length=1, max_length=10000)


class ImportRowErrorOut(Schema):
    index: int
    field: str
    message: str


class ImportResultOut(Schema):
    dry_run: bool
    created: int
    updated: int
    skipped: int
    errors: list[ImportRowErrorOut]
    actions: list[str]
