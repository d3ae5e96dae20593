"""Periodic jobs run by `pingan worker` (scans such as deadline reminders).

    @periodic(every=timedelta(minutes=10))
    def remind_deadlines() -> None: ...

Register them in a module the app imports at start-up (e.g. `<app>/tasks.py`, imported from
AppConfig.ready()). Each worker process keeps its own schedule, so with several workers a job may
run more than once per period: jobs must be idempotent (mark what they did, e.g. `reminded_at`).
On PostgreSQL an advisory lock keeps two workers from running the same job at the same moment.
A failing job is logged and retried at its next period; it never stops the worker.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

logger = logging.getLogger("pingan.worker")


@dataclass
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[[], object]
    last_run: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.last_run is None or now - self.last_run >= self.every


_jobs: dict[str, PeriodicJob] = {}


def periodic(*, every: timedelta, name: str | None = None) -> Callable[[Callable[[], object]], Callable[[], object]]:
    if every <= timedelta(0):
        raise ValueError("every must be positive")

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        key = name or f"{func.__module__}.{func.__qualname__}"
        _jobs[key] = PeriodicJob(key, every, func)
        return func

    return decorator


def unregister_periodic(name: str) -> None:
    _jobs.pop(name, None)


def periodic_jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def _try_lock(key: int) -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite deployments run one worker
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
        return bool(cur.fetchone()[0])


def _unlock(key: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [key])


def run_due(now: datetime | None = None) -> list[str]:
    """Run every job whose period has passed; returns the names that ran (failed ones too)."""
    now = now or timezone.now()
    ran = []
    for job in list(_jobs.values()):
        if not job.due(now):
            continue
        lock_key = zlib.crc32(job.name.encode()) + 712_000_000_000
        if not _try_lock(lock_key):
            continue
        job.last_run = now
        try:
            job.func()
        except Exception:  # noqa: BLE001 - one broken job must not stop the worker
            logger.exception("periodic job %s failed", job.name)
        finally:
            _unlock(lock_key)
        ran.append(job.name)
    return ran
