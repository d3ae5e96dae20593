"""The audit log: append-only and hash-chained.

Every service write calls `record(...)` inside its transaction; every view of sensitive personal
data calls `record_view(...)`. Event types are one IntEnum with a number range per app (zulip's
AuditLogEventType); values are never reused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from enum import IntEnum, unique
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from . import context

GENESIS = "0" * 64


@unique
class AuditEvent(IntEnum):
    # core 0xx
    RULESET_SAVED = 10
    CALENDAR_YEAR_SAVED = 20
    CASE_NUMBER_ISSUED = 30
    TRANSITION = 40
    DEADLINE_CHANGED = 50
    SETTING_CHANGED = 60
    BACKUP_RESTORED = 70
    KEYS_ROTATED = 80
    SENSITIVE_VIEWED = 90
    EXPORTED = 91
    # orgs 05x-09x (users, roles, permissions, tokens)
    USER_CREATED = 100
    USER_CHANGED = 101
    USER_LOGGED_IN = 102
    USER_LOGIN_FAILED = 103
    USER_LOCKED_OUT = 104
    ROLE_CHANGED = 110
    PERMISSION_CHANGED = 111
    TOKEN_CREATED = 120
    TOKEN_REVOKED = 121
    ORG_CHANGED = 130
    JURISDICTION_CHANGED = 131
    # disputes 2xx, court 3xx, procuratorate 4xx, policing 5xx, corrections 6xx, statistics 7xx
    DISPUTE_CHANGED = 200
    COURT_CHANGED = 300
    PROCURATORATE_CHANGED = 400
    POLICING_CHANGED = 500
    CORRECTIONS_CHANGED = 600
    STATISTICS_EXPORTED = 700


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_payload(entry) -> dict[str, Any]:
    """The fields covered by the hash, in a form that survives a database round trip."""
    at = entry.at
    return {
        "seq": entry.seq,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if at else None,
        "actor": entry.actor_id,
        "actor_repr": entry.actor_repr,
        "event_type": int(entry.event_type),
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
    }


def compute_hash(entry) -> str:
    return hashlib.sha256(canonical(entry_payload(entry)).encode()).hexdigest()


def _lock_chain() -> None:
    """Serialise appends so two writers never chain onto the same predecessor."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [712_204])
    # SQLite: transactions begin IMMEDIATE (settings), so the writer already holds the lock.


def _json_safe(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def record(
    *,
    actor,
    event_type: AuditEvent,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
):
    """Append one entry. Call inside the service's transaction so the entry and the change it
    describes commit or roll back together."""
    from .models import AuditEntry

    ctx = context.current()
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        prev_seq, prev_hash = last if last else (0, GENESIS)
        actor_obj = actor if (actor is not None and getattr(actor, "pk", None)) else None
        entry = AuditEntry(
            seq=prev_seq + 1,
            at=timezone.now(),
            actor=actor_obj,
            actor_repr=(str(actor_obj)[:150] if actor_obj else (str(actor)[:150] if actor else "system")),
            event_type=int(event_type),
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            before=_json_safe(before),
            after=_json_safe(after),
            reason=reason,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
            request_id=ctx.request_id,
            prev_hash=prev_hash,
        )
        # Round-trip the timestamp precision the database keeps (microseconds) before hashing.
        entry.at = entry.at.replace(microsecond=entry.at.microsecond)
        entry.hash = compute_hash(entry)
        entry.save(force_insert=True)
    return entry


def record_view(*, actor, obj: Model, fields: list[str], reason: str = ""):
    """A view of sensitive personal data (ID number unmasked, location track, face image…)."""
    return record(
        actor=actor,
        event_type=AuditEvent.SENSITIVE_VIEWED,
        action="view_sensitive",
        obj=obj,
        after={"fields": fields},
        reason=reason,
    )
