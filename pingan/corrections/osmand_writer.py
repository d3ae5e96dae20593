"""Group commit for the OsmAnd endpoint: one writer thread per server process stores the fixes
of every request that arrived while it was busy, in one transaction, and only then answers
them. "200" therefore always means committed, and a commit (an fsync) is shared by many
requests instead of paid by each.

Each group: validate every fix (clock limits read once), count the requests against each
device's shared per-minute limit (ratelimit.take, in the same transaction), note which fixes are
already stored, then `store_batch` over all of them (geofence, debounce and alerts as for the app
batch). A database error fails the whole group with `Unavailable` (→ 503 + Retry-After): nothing
of it was committed, so the clients' retries lose nothing and store nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import config, ratelimit, services
from .models import Device, LocationFix
from .parsing import FixError, RawFix
from .store import store_batch

logger = logging.getLogger("pingan.corrections.osmand")


SETTINGS_SECONDS = 10.0  # thresholds are re-read at most this often by the writer


class Unavailable(Exception):
    """The database could not store the group; the client should retry."""


class RateLimited(Exception):
    pass


@dataclass
class Item:
    identifier: str
    fix: RawFix
    device_id: int = 0  # filled from the device cache, or by the writer's lookup
    supervisee_id: int = 0
    rate_limit_per_minute: int = 0


DEVICE_TTL = 30.0  # seconds a device stays cached (a deactivation takes effect within this)
_devices: dict[str, tuple[float, tuple[int, int, int] | None]] = {}


def cached_device(item: Item) -> bool:
    """Fill the item's device from this process's cache; False when the writer must look it up."""
    hit = _devices.get(item.identifier)
    if hit is None or hit[0] < time.monotonic():
        return False
    if hit[1] is not None:
        item.device_id, item.supervisee_id, item.rate_limit_per_minute = hit[1]
    return True


def _resolve(group: list[tuple[Item, Future]]) -> None:
    """One query for the group's devices not in the cache (request threads never touch the
    database, so they hold no connections); unknown ones are remembered briefly too."""
    missing = {i.identifier for i, _f in group if not i.device_id and not cached_device(i)}
    if missing:
        found = {ident: (pk, sup, rate) for ident, pk, sup, rate in Device.objects.filter(
            identifier__in=missing, active=True).values_list("identifier", "pk", "supervisee_id", "rate_limit_per_minute")}
        now = time.monotonic()
        if len(_devices) > 200_000:
            _devices.clear()
        for ident in missing:
            row = found.get(ident)
            _devices[ident] = (now + (DEVICE_TTL if row else 5.0), row)
        for item, _f in group:
            if not item.device_id and item.identifier in found:
                item.device_id, item.supervisee_id, item.rate_limit_per_minute = found[item.identifier]


class Writer:
    def __init__(self, *, max_group: int = 5000):
        self.max_group = max_group
        self._pending: list[tuple[Item, Future]] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, item: Item) -> Future:
        """Queue one request's fix; the future resolves to "stored" or "duplicate", or raises
        FixError, RateLimited or Unavailable."""
        future: Future = Future()
        with self._cond:
            self._pending.append((item, future))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="osmand-writer", daemon=True)
                self._thread.start()
            self._cond.notify()
        return future

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                group = self._pending[: self.max_group]
                del self._pending[: self.max_group]
            try:
                self.commit(group)
            except Exception as exc:  # never let the writer die; answer the group
                logger.exception("osmand group failed")
                for _item, future in group:
                    if not future.done():
                        future.set_exception(exc)

    def commit(self, group: list[tuple[Item, Future]]) -> None:
        with config.remembered(SETTINGS_SECONDS):
            self._commit(group)

    def _commit(self, group: list[tuple[Item, Future]]) -> None:
        now = timezone.now()
        try:
            _prepare_connection()
            limits = services._limits(now)
            _resolve(group)
            ok: list[tuple[Item, Future]] = []
            for item, future in group:
                try:
                    if not item.device_id:
                        raise FixError(_("未知设备。"), code="unknown_device", field="id")
                    services.validate_fix(item.fix, limits=limits)
                except FixError as exc:
                    future.set_exception(exc)
                else:
                    ok.append((item, future))
            if not ok:
                return
            with transaction.atomic():
                allowed = ratelimit.take(Counter(i.device_id for i, _f in ok),
                                         {i.device_id: i.rate_limit_per_minute for i, _f in ok})
                kept: list[tuple[Item, Future]] = []
                refused: list[Future] = []
                for item, future in ok:
                    if allowed[item.device_id] > 0:
                        allowed[item.device_id] -= 1
                        kept.append((item, future))
                    else:
                        refused.append(future)
                outcome = _store(kept, now) if kept else []
        except DatabaseError as exc:
            logger.warning("osmand group of %d not stored: %s", len(group), exc)
            _drop_connection()
            for _item, future in group:
                if not future.done():
                    future.set_exception(Unavailable(str(exc)))
            return
        for future in refused:
            future.set_exception(RateLimited())
        for (_item, future), state in zip(kept, outcome, strict=True):
            future.set_result(state)


def _store(kept: list[tuple[Item, Future]], now) -> list[str]:
    """Store the group; "stored" or "duplicate" per request."""
    fixes = [i.fix for i, _f in kept]
    dev = np.array([i.device_id for i, _f in kept], dtype=np.int64)
    batch = services.build_batch_many(
        device_ids=dev, supervisee_ids=np.array([i.supervisee_id for i, _f in kept], dtype=np.int64),
        fixes=fixes, source=LocationFix.Source.OSMAND,
    )
    result = store_batch(batch, now=now)
    if result.stored == len(kept):
        return ["stored"] * len(kept)
    # Some were there already: ours are the rows received at this group's `now`.
    ours = set(
        LocationFix.objects.filter(device_id__in=set(dev.tolist()), recorded_at__in={f.recorded_at for f in fixes},
                                   received_at=now).values_list("device_id", "recorded_at")
    )
    states = []
    for item, fix in zip((i for i, _f in kept), fixes, strict=True):
        key = (item.device_id, fix.recorded_at)
        states.append("stored" if key in ours else "duplicate")
        ours.discard(key)  # a second request with the same fix in this group is its duplicate
    return states


def _prepare_connection() -> None:
    # A broken connection is closed by _drop_connection after the error it caused, so the next
    # group reconnects; no per-group liveness query.
    if connection.vendor == "sqlite":
        # The web server's SQLite default is synchronous=NORMAL (durable against a crash of the
        # process, not of the machine); "200 when stored" promises more, and group commit makes
        # the extra fsync cheap.
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=FULL")


def _drop_connection() -> None:
    try:
        connection.close()
    except DatabaseError:
        connection.connection = None


_writer: Writer | None = None
_writer_lock = threading.Lock()


def writer() -> Writer:
    global _writer
    with _writer_lock:
        if _writer is None:
            _writer = Writer()
        return _writer
