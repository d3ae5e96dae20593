from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[dict[str, str]]]


class IngestOut(Schema):
    received: int
    stored: int
    duplicates: int
    rejected: int
    errors: dict[str, list[dict[str, str]]]


class OsmandOut(Schema):
    stored: int
    duplicates: int


class SuperviseeOut(Schema):
    id: int
    name: str
    masked_id_number: str
    sentence_type: str
    level: str
    status: str
    justice_office: str
    residence: str
    start_date: date
    end_date: date
    last_fix_at: datetime | None = None
    inside: bool | None = None


class IdNumberOut(Schema):
    id: int
    id_number: str


class FixOut(Schema):
    id: int
    recorded_at: datetime
    lat: float
    lon: float
    accuracy: float | None
    speed: float | None
    zone: int | None
    mock: bool


class TrackOut(Schema):
    supervisee: int
    fixes: list[FixOut]


class BreachOut(Schema):
    id: int
    supervisee_id: int
    kind: str
    started_at: datetime
    detected_at: datetime
    ended_at: datetime | None
    evidence_fix_ids: list[int]
