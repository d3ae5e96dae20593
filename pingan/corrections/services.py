"""Every write of the corrections app: supervisees, devices, location ingestion, silence scan."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    F,
    FloatField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.crypto import blind_index
from pingan.core.errors import ApplicationError
from pingan.core.idnumber import normalize_id_number, validate_id_number
from pingan.orgs.api_auth import hash_secret

from . import config, events
from .geo import gcj02_to_wgs84
from .models import Device, GeofenceBreach, LocationFix, Supervisee, SuperviseeLastSeen
from .parsing import FixError, RawFix, check_position
from .store import FixBatch, StoreResult, store_batch

# --- supervisees -------------------------------------------------------------------------------

_AUDITED = ("name", "sentence_type", "court", "judgment_number", "start_date", "end_date", "offence",
            "level", "justice_office_id", "residence_id", "status")


def _snapshot(s: Supervisee) -> dict:
    return {f: getattr(s, f) for f in _AUDITED}


def register_supervisee(*, by, id_number: str, **fields) -> Supervisee:
    """报到登记. The ID number is validated, encrypted and indexed; the audit entry holds no
    plaintext ID number."""
    validate_id_number(id_number)
    number = normalize_id_number(id_number)
    supervisee = Supervisee(id_number=number, id_number_hash=blind_index(number), **fields)
    supervisee.full_clean(exclude=["id_number_hash"])
    with transaction.atomic():
        if Supervisee.objects.filter(id_number_hash=supervisee.id_number_hash).exclude(status="ended").exists():
            raise ApplicationError(_("此人已在矫，不能重复登记。"), code="duplicate", field="id_number")
        supervisee.save(force_insert=True)
        # The silence scan's row: no fix yet, silent since reporting in (see SuperviseeLastSeen).
        SuperviseeLastSeen.objects.create(supervisee=supervisee, silent_since=supervisee.reported_at)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="supervisee_registered",
               obj=supervisee, after=_snapshot(supervisee))
    return supervisee


def start_supervision(*, supervisee: Supervisee, by) -> Supervisee:
    with transaction.atomic():
        changed = Supervisee.objects.filter(pk=supervisee.pk, status=Supervisee.Status.REPORTED).update(
            status=Supervisee.Status.SUPERVISING
        )
        if not changed:
            raise ApplicationError(_("只有已报到的对象才能开始矫正。"), code="invalid_state", field="status")
        supervisee.refresh_from_db()
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="supervision_started", obj=supervisee,
               before={"status": "reported"}, after={"status": supervisee.status})
    return supervisee


def end_supervision(*, supervisee: Supervisee, by, reason: str, at: datetime | None = None) -> Supervisee:
    if reason not in Supervisee.EndReason.values:
        raise ApplicationError(_("解矫原因无效。"), code="invalid", field="reason")
    at = at or timezone.now()
    with transaction.atomic():
        before = supervisee.status
        changed = Supervisee.objects.filter(pk=supervisee.pk).exclude(status=Supervisee.Status.ENDED).update(
            status=Supervisee.Status.ENDED, end_reason=reason, ended_at=at
        )
        if not changed:
            raise ApplicationError(_("该对象已解矫。"), code="invalid_state", field="status")
        Device.objects.filter(supervisee=supervisee).update(active=False)
        supervisee.refresh_from_db()
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="supervision_ended", obj=supervisee,
               before={"status": before}, after={"status": "ended", "end_reason": reason})
    return supervisee


# --- devices -----------------------------------------------------------------------------------

def add_device(*, supervisee: Supervisee, by, kind: str = Device.Kind.APP, identifier: str = "",
               rate_limit_per_minute: int = 120) -> tuple[Device, str]:
    """Returns the device and its bearer token (shown once; only an HMAC is stored). OsmAnd
    clients authenticate by `identifier` alone, so it defaults to 24 random characters."""
    token = "dev_" + secrets.token_urlsafe(32)
    device = Device(
        supervisee=supervisee, kind=kind, identifier=identifier or secrets.token_hex(12),
        token_hash=hash_secret(token), rate_limit_per_minute=rate_limit_per_minute,
    )
    device.full_clean()
    with transaction.atomic():
        device.save(force_insert=True)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="device_added", obj=device,
               object_repr=f"{device.kind}:{device.identifier[:4]}…", after={"supervisee": supervisee.pk, "kind": kind})
    return device, token


def device_for_token(token: str) -> Device | None:
    return Device.objects.select_related("supervisee").filter(token_hash=hash_secret(token), active=True).first()


def device_for_identifier(identifier: str) -> Device:
    device = Device.objects.filter(identifier=identifier, active=True).first()
    if device is None:
        raise ApplicationError(_("未知设备。"), code="unknown_device", field="id")
    return device


# --- ingestion ---------------------------------------------------------------------------------

def _limits(now: datetime) -> dict:
    values = config.many("corrections.ingest.max_future_seconds", "corrections.ingest.max_age_days")
    return {
        "now": now,
        "max_future": timedelta(seconds=float(values["corrections.ingest.max_future_seconds"])),
        "max_age": timedelta(days=float(values["corrections.ingest.max_age_days"])),
    }


def build_batch(*, device: Device, fixes: list[RawFix], source: str) -> FixBatch:
    n = len(fixes)
    return build_batch_many(device_ids=np.full(n, device.pk, dtype=np.int64),
                            supervisee_ids=np.full(n, device.supervisee_id, dtype=np.int64), fixes=fixes, source=source)


def build_batch_many(*, device_ids: np.ndarray, supervisee_ids: np.ndarray, fixes: list[RawFix], source: str) -> FixBatch:
    """Fixes of many devices (the OsmAnd writer's group of requests) as one FixBatch."""

    def floats(name: str) -> np.ndarray:
        return np.array([getattr(f, name) if getattr(f, name) is not None else np.nan for f in fixes], dtype=np.float64)

    lat, lon = floats("lat"), floats("lon")
    crs = np.array([f.crs for f in fixes], dtype=object)
    gcj = crs == "gcj02"
    if gcj.any():
        lat[gcj], lon[gcj] = gcj02_to_wgs84(lat[gcj], lon[gcj])
    return FixBatch(
        device_id=device_ids,
        supervisee_id=supervisee_ids,
        t_us=np.array([int(f.recorded_at.timestamp()) * 1_000_000 + f.recorded_at.microsecond for f in fixes],
                      dtype=np.int64),
        lat=lat, lon=lon, crs=crs,
        accuracy=floats("accuracy"), speed=floats("speed"), heading=floats("heading"),
        altitude=floats("altitude"), battery=floats("battery"),
        charging=np.array([-1 if f.charging is None else int(f.charging) for f in fixes], dtype=np.int8),
        mock=np.array([f.mock for f in fixes], dtype=bool),
        valid=np.array([f.valid for f in fixes], dtype=bool),
        source=source,
        extra=[f.extra for f in fixes] if any(f.extra for f in fixes) else None,
    )


def ingest_fixes(*, device: Device, fixes: list[RawFix], source: str, now: datetime | None = None) -> StoreResult:
    """Store already-parsed fixes of one device. Rejected fixes raise FixError before anything
    is written, so callers validate first (see `validate_fix`)."""
    now = now or timezone.now()
    if not fixes:
        return StoreResult()
    return store_batch(build_batch(device=device, fixes=fixes, source=source), now=now)


def validate_fix(fix: RawFix, *, limits: dict) -> RawFix:
    return check_position(fix, now=limits["now"], max_future=limits["max_future"], max_age=limits["max_age"])


def ingest_app_batch(*, device: Device, items: list, now: datetime | None = None) -> dict:
    """The app's batch: valid items are stored, invalid ones are reported per index."""
    from .parsing import parse_app_item

    now = now or timezone.now()
    max_batch = int(config.get("corrections.ingest.max_batch"))
    if len(items) > max_batch:
        raise ApplicationError(_("一次最多上报 %(n)s 个定位点。") % {"n": max_batch}, code="too_many", field="__all__")
    limits = _limits(now)
    good: list[RawFix] = []
    errors: dict[str, list[dict[str, str]]] = {}
    for i, item in enumerate(items):
        try:
            good.append(validate_fix(parse_app_item(item), limits=limits))
        except FixError as exc:
            errors.setdefault(f"{i}.{exc.field or '__all__'}", []).append({"code": exc.code, "message": exc.message})
    rejected = len(items) - len(good)
    if items and not good:
        raise ApplicationError(_("全部定位点无效。"), code="all_rejected", field="__all__", extra={"errors": errors})
    result = ingest_fixes(device=device, fixes=good, source=LocationFix.Source.APP, now=now)
    return {"received": len(items), "stored": result.stored, "duplicates": result.duplicates,
            "rejected": rejected, "errors": errors}


def ingest_osmand(*, device: Device, fix: RawFix, now: datetime | None = None) -> StoreResult:
    now = now or timezone.now()
    return ingest_fixes(device=device, fixes=[validate_fix(fix, limits=_limits(now))],
                        source=LocationFix.Source.OSMAND, now=now)


# --- silence -----------------------------------------------------------------------------------

def scan_silence(*, now: datetime | None = None) -> list[int]:
    """Raise one `silence` breach per silent spell: a person not yet released whose newest fix
    (or, with none, their reporting time) is older than their level's threshold. The spell is
    identified by its start, which the unique constraint (supervisee, kind, started_at) keeps
    single, so re-running the scan — even concurrently — raises nothing twice.

    Set-based and index-led, for a million people: every open person has a last-seen row from
    registration on, whose `silent_since` is that start, so the candidates are one range read of
    its index (older than the loosest threshold), not an anti-join over everyone."""
    now = now or timezone.now()
    hours = config.get("corrections.silence.hours_by_level")
    cutoffs = {level: now - timedelta(hours=float(h)) for level, h in hours.items()}
    default = now - timedelta(hours=24)
    loosest = max([*cutoffs.values(), default])
    cutoff = Case(*[When(supervisee__level=level, then=Value(at)) for level, at in cutoffs.items()],
                  default=Value(default), output_field=DateTimeField())
    candidates = list(
        SuperviseeLastSeen.objects.filter(silent_since__lt=loosest)
        .exclude(supervisee__status=Supervisee.Status.ENDED)
        .annotate(cutoff=cutoff)
        .filter(silent_since__lt=F("cutoff"))
        .annotate(battery=Case(When(last_fix_at=F("silent_since"), then=Subquery(
            LocationFix.objects.filter(supervisee=OuterRef("supervisee_id"), recorded_at=OuterRef("last_fix_at"))
            .values("battery")[:1]
        )), default=Value(None, output_field=FloatField())))
        .order_by()
        .values_list("supervisee_id", "silent_since", "battery")
    )
    # Spells already alerted are dropped here with one indexed query rather than a correlated
    # NOT EXISTS, whose plan PostgreSQL gets wrong when the breach table's statistics are stale.
    raised: set[tuple[int, datetime]] = set()
    for i in range(0, len(candidates), 10_000):
        raised.update(GeofenceBreach.objects.filter(
            kind=GeofenceBreach.Kind.SILENCE, supervisee_id__in=[c[0] for c in candidates[i:i + 10_000]]
        ).values_list("supervisee_id", "started_at"))
    silent = [c for c in candidates if (c[0], c[1]) not in raised]
    # A phone whose last fix reported an almost empty battery went quiet because it died or was
    # switched off: the breach says so, and its alert is "battery_dead / phone off".
    low = float(config.get("corrections.battery.low_percent"))
    rows = [
        (pk, since, json.dumps({"hours": round((now - since).total_seconds() / 3600, 1),
                                **({"battery": battery, "battery_low": True} if battery is not None and battery <= low
                                   else {})}))
        for pk, since, battery in silent
    ]
    if not rows:
        return []
    with transaction.atomic():
        ids = _insert_silences(rows, now=now)
        events.breaches_raised(ids)
    return ids


def _insert_silences(rows: list[tuple[int, datetime, str]], *, now: datetime) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new breaches' ids, none for a spell a
    concurrent scan raised first. Plain SQL: the ORM's bulk_create cost ~0.2 ms a row in Python
    (model instances, per-field preparation), most of a first scan over a million people."""
    table = GeofenceBreach._meta.db_table  # identifiers from the model, never from input
    cols = "supervisee_id, kind, started_at, detected_at, evidence_fix_ids, detail"
    conflict = "ON CONFLICT (supervisee_id, kind, started_at) DO NOTHING RETURNING id"
    kind = GeofenceBreach.Kind.SILENCE.value
    ids: list[int] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"INSERT INTO {table} ({cols}) SELECT s, %s, st, %s, '[]'::jsonb, d::jsonb "  # noqa: S608
                f"FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[]) AS u(s, st, d) {conflict}",
                [kind, now, *(list(column) for column in zip(*rows, strict=True))],
            )
            return [r[0] for r in cur.fetchall()]
        adapt = connection.ops.adapt_datetimefield_value
        detected = adapt(now)
        for i in range(0, len(rows), 500):  # 500 × 6 parameters: under SQLite's limit
            chunk = rows[i:i + 500]
            cur.execute(
                f"INSERT INTO {table} ({cols}) VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(chunk))} "  # noqa: S608
                f"{conflict}",
                [v for pk, since, detail in chunk for v in (pk, kind, adapt(since), detected, "[]", detail)],
            )
            ids += [r[0] for r in cur.fetchall()]
    return ids
