"""Ingestion against real processes: `pingan serve` (the OsmAnd group-commit path) and
`pingan worker` run as subprocesses on the test database (PostgreSQL: the test database itself;
SQLite: the in-memory test database copied to a file), so restarts, locks and kills are real.

- 200 only when committed; duplicates idempotent over HTTP;
- database unavailable (PostgreSQL: connections refused and killed; SQLite: locked past the
  busy timeout) → 503 with Retry-After, never 500, and nothing stored; the retry then stores;
- the per-device rate limit holds across two server processes;
- a worker SIGKILLed mid-job: a second worker finishes, every breach gets exactly one alert.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from pingan.core.models import Setting
from pingan.corrections import services
from pingan.corrections.models import Alert, GeofenceBreach, LocationFix
from pingan.corrections.parsing import RawFix

from .conftest import INSIDE, PANZHOU

REPO = Path(__file__).resolve().parents[2]
URL = "/api/v1/corrections/osmand"


def _reseed() -> None:
    """A transactional test elsewhere may have flushed what the data migrations loaded."""
    from tests.core.seed import ensure_core_seed

    ensure_core_seed()
    if Setting.objects.filter(key="corrections.geofence.debounce_fixes").exists():
        return
    for name in sorted(p.stem for p in (REPO / "pingan/corrections/migrations").glob("0*.py")):
        module = importlib.import_module(f"pingan.corrections.migrations.{name}")
        for op in module.Migration.operations:
            if hasattr(op, "code"):
                op.code(apps, None)


class LiveDB:
    """The test database as other processes see it, and raw reads from it."""

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp_path / "live.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            # WAL as `pingan migrate` leaves a real database (switching needs the file to itself).
            target.execute("PRAGMA journal_mode=WAL")
            target.close()
            self.url = f"sqlite:///{self.path}"
        else:
            s = connection.settings_dict
            self.url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        self.data_dir = tmp_path

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.url, "PINGAN_DATA_DIR": str(self.data_dir), "DEBUG": "0",
                "PYTHONUNBUFFERED": "1", **extra}

    def scalar(self, sql: str, params: tuple = ()) -> int:
        if self.vendor == "sqlite":
            with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as c:
                return c.execute(sql.replace("%s", "?"), params).fetchone()[0]
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(live: LiveDB, *, threads: int = 8):
    port = _free_port()
    log = open(live.data_dir / f"serve-{port}.log", "wb")  # noqa: SIM115  (read when a test fails)
    proc = subprocess.Popen([sys.executable, "-m", "pingan", "serve", "--port", str(port), "--threads", str(threads)],
                            env=live.env(), cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{URL}", timeout=2)
            except urllib.error.HTTPError:
                break  # 400 "id missing": the server answers
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def call(base: str, path: str, *, method: str = "GET", body: bytes | None = None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=60) as r:  # noqa: S310
            return r.status, r.headers, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read() or b"null")


def fix_query(device, ts: dt.datetime, where=INSIDE) -> str:
    return f"{URL}?id={device.identifier}&lat={where[0]}&lon={where[1]}&timestamp={int(ts.timestamp())}&accuracy=10"


def stored(live: LiveDB) -> int:
    return live.scalar(f"SELECT COUNT(*) FROM {LocationFix._meta.db_table}")  # noqa: S608


@pytest.fixture
def people(district, make_supervisee):
    _reseed()

    def make(n: int, *, rate: int = 1000, kind: str = "osmand"):
        return [make_supervisee(kind=kind, rate=rate, name=f"测试{i}") for i in range(n)]

    return make


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_committed_once_and_duplicates_answered(people, tmp_path):
    devices = [d for _s, d, _t in people(5)]
    live = LiveDB(tmp_path)
    base_t = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=30)
    paths = [fix_query(d, base_t + dt.timedelta(seconds=k)) for d in devices for k in range(12)]
    answers: list = [None] * len(paths)
    with server(live) as base:
        def send(i: int) -> None:
            answers[i] = call(base, paths[i])

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(paths))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [a[0] for a in answers] == [200] * len(paths)
        assert all(a[2] == {"stored": 1, "duplicates": 0} for a in answers)
        assert stored(live) == len(paths)
        # The same fixes again (a client retrying after a lost answer): 200, nothing new.
        again = [call(base, p) for p in paths[:5]]
        assert [a[:1] + a[2:] for a in again] == [(200, {"stored": 0, "duplicates": 1})] * 5
        assert stored(live) == len(paths)
        status, _h, body = call(base, f"{URL}?id=nobody&lat=26.5&lon=104.9")
        assert status == 400 and body["errors"]["id"][0]["code"] == "unknown_device"
        status, _h, body = call(base, f"{URL}?id={devices[0].identifier}&lat=95&lon=104.9")
        assert status == 400 and body["errors"]["lat"][0]["code"] == "out_of_range"
    assert stored(live) == len(paths)


@pytest.mark.django_db(transaction=True)
def test_rate_limit_is_shared_by_two_server_processes(people, tmp_path):
    (_s, device, _t), = people(1, rate=6)
    live = LiveDB(tmp_path)
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    with server(live) as a, server(live) as b:
        codes = [call(base, fix_query(device, t0 + dt.timedelta(seconds=k)))[0]
                 for k, base in enumerate([a, b] * 5)]
    # Within one minute: the first six requests pass whichever process they reach, the rest 429.
    # (Should the minute turn during the test, the counts start again: allow for that.)
    if codes.count(200) == 6:
        assert codes == [200] * 6 + [429] * 4
    else:
        assert codes.count(200) <= 12 and 429 in codes
    assert stored(live) == codes.count(200)


def _app_batch(base: str, token: str, when: dt.datetime):
    body = json.dumps([{"time": when.isoformat(), "lat": INSIDE[0], "lon": INSIDE[1]}]).encode()
    return call(base, "/api/v1/corrections/locations", method="POST", body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


@contextlib.contextmanager
def database_down(live: LiveDB):
    """PostgreSQL: refuse new connections to the database and kill the open ones (as a restart
    does); SQLite: hold the write lock longer than the server's busy timeout."""
    if live.vendor == "postgresql":
        import psycopg

        name = connection.settings_dict["NAME"]
        admin = psycopg.connect(live.url.rsplit("/", 1)[0] + "/postgres", autocommit=True)
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        # Every connection but this test's own (its transaction-less session stays usable).
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                      [name, connection.connection.info.backend_pid])
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin.close()
    else:
        holder = sqlite3.connect(live.path, timeout=1, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()


@pytest.mark.django_db(transaction=True)
def test_database_unavailable_answers_503_with_retry_after_and_stores_nothing(people, tmp_path):
    (_s, osmand_dev, _t), = people(1)
    (_s2, _app_dev, token), = people(1, kind="app")
    live = LiveDB(tmp_path)
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    with server(live) as base:
        assert call(base, fix_query(osmand_dev, t0))[0] == 200  # warm: the device is cached
        assert _app_batch(base, token, t0)[0] == 200
        with database_down(live):
            status, headers, body = call(base, fix_query(osmand_dev, t0 + dt.timedelta(seconds=1)))
            assert status == 503, body
            assert headers.get("Retry-After") and body["errors"]["__all__"][0]["code"] == "unavailable"
            status, headers, body = _app_batch(base, token, t0 + dt.timedelta(seconds=1))
            assert status == 503, body
            assert headers.get("Retry-After")
        assert stored(live) == 2
        # The clients retry once the database is back: stored, once.
        deadline = time.monotonic() + 30
        while (status := call(base, fix_query(osmand_dev, t0 + dt.timedelta(seconds=1)))[0]) == 503:
            assert time.monotonic() < deadline
            time.sleep(0.5)
        assert status == 200
        assert _app_batch(base, token, t0 + dt.timedelta(seconds=1))[0] == 200
    assert stored(live) == 4


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_job_then_another_finishes_every_breach_once(people, tmp_path):
    made = people(40, kind="app")
    now = timezone.now().replace(microsecond=0)
    for _s, device, _t in made:  # each person: three fixes outside, one breach, one outbox event
        services.ingest_fixes(device=device, source="app", now=now, fixes=[
            RawFix(recorded_at=now - dt.timedelta(minutes=5 - k), lat=PANZHOU[0], lon=PANZHOU[1], accuracy=10)
            for k in range(3)])
    breaches = GeofenceBreach.objects.filter(kind="left_area").count()
    assert breaches == 40
    live = LiveDB(tmp_path)
    env = live.env(PINGAN_OUTBOX_CLAIM_TIMEOUT_SECONDS="2")
    first = subprocess.Popen([sys.executable, "-m", "pingan", "worker", "--batch", "5", "--interval", "0.1"],
                             env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    alerts = f"SELECT COUNT(*) FROM {Alert._meta.db_table}"  # noqa: S608
    deadline = time.monotonic() + 60
    while live.scalar(alerts) == 0:
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_by_first = live.scalar(alerts)
    assert done_by_first < 40, "the first worker finished before it could be killed"
    time.sleep(2.5)  # its claims expire
    second = subprocess.run([sys.executable, "-m", "pingan", "worker", "--once", "--batch", "1000"],
                            env=env, cwd=REPO, capture_output=True, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    assert live.scalar(alerts) == 40
    table = Alert._meta.db_table
    assert live.scalar(f"SELECT COUNT(DISTINCT breach_id) FROM {table}") == 40  # noqa: S608
    assert live.scalar("SELECT COUNT(*) FROM core_outboxevent WHERE processed_at IS NULL "
                       "AND topic = %s", ("corrections.breaches_raised",)) == 0
