"""The audit log: append-only and hash-chained.

Every service write calls `record(...)` inside its transaction, so the entry and the change it
describes commit or roll back together. Every view of sensitive personal data calls
`record_view(...)`. Event types are one IntEnum with a number range per app (zulip's
AuditLogEventType); values are never reused.

Using `record_view` — call it where the sensitive value is *shown*, not where it is read for a
computation, and name the fields that were revealed::

    # selectors.py / views.py, after restrict() has let the user see the record
    person = get_for(Supervisee.objects.all(), user=request.user, pk=pk)
    if show_full_id_number:
        record_view(actor=request.user, obj=person, fields=["id_number"], reason=form.reason)

Lists show masked values (`pingan.core.idnumber.mask_id_number`) and need no entry; an export of
many people records one `AuditEvent.EXPORTED` entry with the filter used, not one per row.

How the chain works: each entry stores `prev_hash` (the previous entry's `hash`, or GENESIS) and
`hash` = sha256 of the canonical JSON of its own fields (`entry_payload`). Appends are serialised
(PostgreSQL: a transaction-scoped advisory lock; SQLite: BEGIN IMMEDIATE takes the write lock), so
sequence numbers have no gaps. `pingan verify-audit` (`verify_chain`) recomputes every hash and
link and reports changed, deleted and reordered entries. Database triggers
(core/audit_guard.py, migration 0003) refuse UPDATE, DELETE and TRUNCATE outright. The chain has
no secret key: someone who can both disable the triggers and rewrite every later hash can forge a
consistent tail, so keep the `last seq/hash` that verify-audit prints somewhere else (a daily
e-mail, a paper log) and check it later with `pingan verify-audit --anchor SEQ:HASH`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from enum import IntEnum, unique
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from . import context

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 712_204  # any constant; identifies "the audit chain" among advisory locks


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
    DISPUTE_GRADED = 201
    DISPUTE_ROUTED = 202
    DISPUTE_MEDIATION = 203
    DISPUTE_AGREEMENT = 204
    DISPUTE_REFERRED = 205
    DISPUTE_FOLLOWED_UP = 206
    COURT_CHANGED = 300
    PROCURATORATE_CHANGED = 400
    POLICING_CHANGED = 500
    CORRECTIONS_CHANGED = 600
    STATISTICS_EXPORTED = 700
    STATISTICS_FIGURE_SAVED = 701


# --- canonical form -------------------------------------------------------------------------


def _normalise(value: Any) -> Any:
    """Make JSON values compare equal after a trip through either database.

    PostgreSQL's jsonb stores numbers as exact decimals, so 1.0 comes back as 1.0 but 1e20 comes
    back as the integer 100000000000000000000; SQLite keeps the JSON text. Integral floats are
    therefore hashed as the integer their decimal text denotes; NaN/±Infinity (which jsonb
    refuses) become strings.
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer():
            return int(Decimal(repr(value)))
        return value
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def json_safe(value: Any) -> Any:
    """The value as it will read back from a JSON column (dates → ISO text, tuples → lists…)."""
    if value is None:
        return None
    return _normalise(json.loads(json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)))


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _format_at(at) -> str | None:
    # Both databases keep microseconds; hash the UTC instant so the display zone never matters.
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if at else None


def entry_payload(entry, *, seq: int | None = None) -> dict[str, Any]:
    """The fields covered by the hash, in a form that survives a database round trip."""
    return {
        "seq": entry.seq if seq is None else seq,
        "at": _format_at(entry.at),
        "actor": entry.actor_id,
        "actor_repr": entry.actor_repr,
        "event_type": int(entry.event_type),
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": _normalise(entry.before),
        "after": _normalise(entry.after),
        "reason": entry.reason,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
    }


def compute_hash(entry, *, seq: int | None = None) -> str:
    return hashlib.sha256(canonical(entry_payload(entry, seq=seq)).encode()).hexdigest()


def _normalise_ip(ip: str | None) -> str | None:
    # PostgreSQL's inet prints the compressed form ("2001:db8::1"); hash what will read back.
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


# --- writing --------------------------------------------------------------------------------


def _lock_chain() -> None:
    """Serialise appends so two writers never chain onto the same predecessor."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
    # SQLite: transactions begin IMMEDIATE (settings), so the writer already holds the lock.


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
    describes commit or roll back together. `before`/`after` must be JSON-able (dates, decimals
    and UUIDs are turned into text)."""
    from .models import AuditEntry

    ctx = context.current()
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    actor_obj = actor if (actor is not None and getattr(actor, "pk", None)) else None
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        prev_seq, prev_hash = last if last else (0, GENESIS)
        # Every value is cut to its column's size here, so what is hashed is what is stored.
        entry = AuditEntry(
            seq=prev_seq + 1,
            at=timezone.now(),
            actor=actor_obj,
            actor_repr=(str(actor_obj) if actor_obj else (str(actor) if actor else "system"))[:150],
            event_type=int(event_type),
            action=action[:80],
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            object_repr=object_repr[:200],
            before=json_safe(before),
            after=json_safe(after),
            reason=reason,
            ip=_normalise_ip(ctx.ip),
            user_agent=ctx.user_agent[:300],
            request_id=ctx.request_id[:64],
            prev_hash=prev_hash,
        )
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


# --- verifying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    kind: str  # "changed" | "deleted" | "reordered" | "broken_link" | "anchor"
    seq: int
    detail: str


@dataclass
class ChainReport:
    count: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _iter_entries(batch_size: int) -> Iterator[Any]:
    from .models import AuditEntry

    last = None
    while True:
        qs = AuditEntry.objects.order_by("seq")
        if last is not None:
            qs = qs.filter(seq__gt=last)
        batch = list(qs[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def _written_seq(entry, depth: int = 32) -> int | None:
    """The sequence number an entry was written with, found by following `prev_hash` back to an
    intact entry (or GENESIS). None when the content itself was altered."""
    from .models import AuditEntry

    if hmac.compare_digest(compute_hash(entry), entry.hash):
        return entry.seq
    if depth <= 0:
        return None
    if entry.prev_hash == GENESIS:
        candidate = 1
    else:
        pred = AuditEntry.objects.filter(hash=entry.prev_hash).first()
        pred_seq = _written_seq(pred, depth - 1) if pred is not None else None
        if pred_seq is None:
            return None
        candidate = pred_seq + 1
    return candidate if hmac.compare_digest(compute_hash(entry, seq=candidate), entry.hash) else None


def verify_chain(*, batch_size: int = 2000, anchors: dict[int, str] | None = None) -> ChainReport:
    """Walk the whole chain in `seq` order and list every problem found."""
    from .models import AuditEntry

    report = ChainReport()
    prev = None  # (seq, hash, intact)
    for entry in _iter_entries(batch_size):
        report.count += 1
        intact = hmac.compare_digest(compute_hash(entry), entry.hash)
        expected_seq = prev[0] + 1 if prev else 1
        gap = entry.seq != expected_seq
        if gap:
            missing = (
                f"#{expected_seq}" if entry.seq - expected_seq == 1 else f"#{expected_seq}–#{entry.seq - 1}"
            )
            report.problems.append(Problem("deleted", expected_seq, f"missing entries {missing}"))
        if not intact:
            written = _written_seq(entry)
            if written is not None and written != entry.seq:
                report.problems.append(
                    Problem("reordered", entry.seq, f"entry written as #{written} now stands at #{entry.seq}")
                )
            else:
                report.problems.append(
                    Problem("changed", entry.seq, "stored hash does not match the entry's content")
                )
        expected_prev = prev[1] if prev else GENESIS
        # A broken link is only news when both sides are intact and nothing is missing between
        # them: then the predecessor was rewritten with a recomputed hash (or a row was inserted).
        if not gap and intact and (prev is None or prev[2]) and entry.prev_hash != expected_prev:
            report.problems.append(
                Problem(
                    "broken_link",
                    entry.seq,
                    f"prev_hash does not match #{expected_seq - 1}'s hash: that entry was rewritten"
                    " with a recomputed hash, or this one was inserted",
                )
            )
        prev = (entry.seq, entry.hash, intact)
        report.last_seq, report.last_hash = entry.seq, entry.hash
    for seq, expected_hash in sorted((anchors or {}).items()):
        stored = AuditEntry.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if stored is None:
            report.problems.append(Problem("anchor", seq, "anchored entry no longer exists (log truncated?)"))
        elif stored != expected_hash:
            report.problems.append(
                Problem("anchor", seq, "hash differs from the anchor recorded earlier (chain rewritten?)")
            )
    return report
