"""The outbox: events written in the same transaction as the change that caused them, handled
later by the worker, exactly once (healthchecks' Flip + sendalerts).

    publish("disputes.dispute.accept", {"object_id": "42"})     # inside the service's atomic()

    @handles("disputes.dispute")                                  # in <app>/handlers.py
    def on_dispute_event(event: OutboxEvent) -> None: ...

`drain()` claims available rows — PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so drainers on
several hosts take disjoint batches; SQLite: a compare-and-set on the `claimed_at` value it read.
Each claimed event then runs its handlers and is marked processed **in one transaction**, and
the mark is itself a compare-and-set on this drainer's claim token: if the claim was taken over
(this drainer stalled past the claim timeout and another reclaimed the row), the mark matches no
row, the transaction rolls back and the handlers' database writes vanish with it. Database
effects therefore happen exactly once even when workers die; effects outside the database must
be deferred with `transaction.on_commit` in the handler (they then happen at most once per
committed run).

A failing handler rolls back, the row records `attempts` and `last_error`, and becomes available
again after an exponential backoff; after PINGAN_OUTBOX_MAX_ATTEMPTS it is given up: marked
processed with `last_error` kept (the admin's "已放弃" filter lists them).
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxEvent

logger = logging.getLogger("pingan.outbox")

Handler = Callable[[OutboxEvent], None]
_handlers: list[tuple[str, Handler]] = []


def max_attempts() -> int:
    return int(getattr(settings, "PINGAN_OUTBOX_MAX_ATTEMPTS", 8))


def claim_timeout() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "PINGAN_OUTBOX_CLAIM_TIMEOUT_SECONDS", 300)))


def backoff(attempts: int) -> timedelta:
    """Delay before retry number `attempts` + 1: base · 2^(attempts-1), capped at one day."""
    base = float(getattr(settings, "PINGAN_OUTBOX_BACKOFF_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 86400))


def publish(topic: str, payload: dict[str, Any] | None = None, *, delay: timedelta | None = None) -> OutboxEvent:
    """Write an event. Call inside the caller's transaction so the event exists if and only if
    the change that caused it commits. Put ids in the payload, never whole records."""
    now = timezone.now()
    return OutboxEvent.objects.create(
        topic=topic, payload=payload or {}, created_at=now, available_at=now + (delay or timedelta())
    )


def handles(prefix: str) -> Callable[[Handler], Handler]:
    """Register a handler for topics equal to `prefix` or under it ("a.b" gets "a.b.c")."""

    def decorator(func: Handler) -> Handler:
        if (prefix, func) not in _handlers:
            _handlers.append((prefix, func))
        return func

    return decorator


def unregister_handler(func: Handler) -> None:
    _handlers[:] = [(p, f) for p, f in _handlers if f is not func]


def handlers_for(topic: str) -> list[Handler]:
    return [f for p, f in _handlers if topic == p or topic.startswith(p + ".") or p == ""]


@dataclass
class DrainResult:
    claimed: int = 0
    processed: int = 0
    failed: int = 0
    gave_up: int = 0
    lost: int = 0  # claims taken over by another drainer before we finished


def _claimable(now) -> Q:
    return Q(processed_at__isnull=True, available_at__lte=now) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_timeout())
    )


def candidates(batch: int, now=None) -> list[tuple[int, Any]]:
    """(id, claimed_at) of up to `batch` claimable rows, as a drainer reads them before claiming."""
    now = now or timezone.now()
    qs = OutboxEvent.objects.filter(_claimable(now)).order_by("available_at", "id")
    return list(qs.values_list("id", "claimed_at")[:batch])


def cas_claim(pk: int, seen_claimed_at, token: str, now=None) -> bool:
    """Claim one row if its `claimed_at` is still what we read (None, or a stale claim)."""
    return bool(
        OutboxEvent.objects.filter(pk=pk, processed_at__isnull=True, claimed_at=seen_claimed_at).update(
            claimed_at=now or timezone.now(), claimed_by=token
        )
    )


def _claim(batch: int, token: str) -> list[OutboxEvent]:
    now = timezone.now()
    if connection.vendor == "postgresql":
        with transaction.atomic():
            qs = OutboxEvent.objects.filter(_claimable(now)).order_by("available_at", "id")
            ids = list(qs.select_for_update(skip_locked=True, of=("self",)).values_list("id", flat=True)[:batch])
            if ids:
                OutboxEvent.objects.filter(id__in=ids).update(claimed_at=now, claimed_by=token)
    else:
        # SQLite has one writer at a time; the compare-and-set on the claimed_at value we read
        # makes sure two drainers that read the same candidate cannot both claim it.
        ids = [pk for pk, seen in candidates(batch, now) if cas_claim(pk, seen, token, now)]
    return list(OutboxEvent.objects.filter(id__in=ids, claimed_by=token).order_by("available_at", "id"))


class _ClaimLost(Exception):
    pass


def _process(event: OutboxEvent, token: str, result: DrainResult) -> None:
    try:
        with transaction.atomic():
            for handler in handlers_for(event.topic):
                handler(event)
            done = OutboxEvent.objects.filter(pk=event.pk, claimed_by=token, processed_at__isnull=True).update(
                processed_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
            if done != 1:
                raise _ClaimLost
        result.processed += 1
    except _ClaimLost:
        result.lost += 1
        logger.warning("outbox event %s was reclaimed by another worker; our run rolled back", event.pk)
    except Exception as exc:  # noqa: BLE001 - any handler failure is recorded and retried
        attempts = event.attempts + 1
        error = "".join(traceback.format_exception(exc))[-4000:]
        gave_up = attempts >= max_attempts()
        now = timezone.now()
        fields: dict[str, Any] = {"attempts": attempts, "last_error": error, "claimed_at": None, "claimed_by": ""}
        if gave_up:
            fields["processed_at"] = now
        else:
            fields["available_at"] = now + backoff(attempts)
        OutboxEvent.objects.filter(pk=event.pk, claimed_by=token, processed_at__isnull=True).update(**fields)
        if gave_up:
            result.gave_up += 1
            logger.error("outbox event %s (%s) gave up after %s attempts", event.pk, event.topic, attempts)
        else:
            result.failed += 1
            logger.warning("outbox event %s (%s) failed, attempt %s: %s", event.pk, event.topic, attempts, exc)


def drain(*, batch: int = 100, worker_name: str = "") -> DrainResult:
    """Claim up to `batch` available events and handle them. Safe to run from any number of
    processes or threads at once."""
    token = f"{(worker_name or 'drain')[:60]}/{uuid.uuid4().hex[:16]}"
    result = DrainResult()
    events = _claim(batch, token)
    result.claimed = len(events)
    for event in events:
        _process(event, token, result)
    return result


def pending_count() -> int:
    return OutboxEvent.objects.filter(processed_at__isnull=True).count()
