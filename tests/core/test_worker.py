"""`pingan worker`: enqueued tasks, the outbox, periodic jobs and the heartbeat /healthz reads."""

from __future__ import annotations

import os
import signal
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from pingan.core import outbox
from pingan.core import tasks as periodic
from pingan.core.models import OutboxEvent, Setting, WorkerHeartbeat


@task()
def note_task(key: str, value: int) -> int:
    Setting.objects.create(key=key, value=value)
    return value * 2


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_on_commit_runs_under_worker_once():
    with transaction.atomic():
        Setting.objects.create(key="cause", value=1)
        transaction.on_commit(lambda: note_task.enqueue("task.ran", 21))
        assert not DBTaskResult.objects.exists()  # nothing enqueued before the commit
    result = DBTaskResult.objects.get()
    assert result.status == "READY"
    call_command("worker", "--once", "--name", "test-worker")
    result.refresh_from_db()
    assert result.status == "SUCCESSFUL", result.traceback
    assert result.return_value == 42
    assert Setting.objects.get(key="task.ran").value == 21
    assert result.worker_ids == ["test-worker"]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_enqueues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: note_task.enqueue("never", 1))
        raise RuntimeError
    call_command("worker", "--once")
    assert not DBTaskResult.objects.exists()
    assert not Setting.objects.filter(key="never").exists()


@pytest.mark.django_db
def test_worker_once_drains_the_outbox_and_runs_due_jobs():
    seen: list[int] = []
    runs: list[str] = []

    @outbox.handles("tests.worker")
    def handler(event):
        seen.append(event.payload["n"])

    @periodic.periodic(every=timedelta(hours=1), name="tests.scan")
    def scan():
        runs.append("scan")

    @periodic.periodic(every=timedelta(hours=1), name="tests.broken")
    def broken():
        raise RuntimeError("a broken scan must not stop the worker")

    try:
        for n in range(3):
            outbox.publish("tests.worker", {"n": n})
        call_command("worker", "--once")
        assert seen == [0, 1, 2]
        assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
        assert runs == ["scan"]
        call_command("worker", "--once")
        assert runs == ["scan"]  # not due again within the hour
        # Domain apps register their own scans; this test owns the tests.* ones.
        ran = periodic.run_due(timezone.now() + timedelta(hours=2))
        assert [n for n in ran if n.startswith("tests.")] == ["tests.scan", "tests.broken"]
        assert runs == ["scan", "scan"]
    finally:
        outbox.unregister_handler(handler)
        periodic.unregister_periodic("tests.scan")
        periodic.unregister_periodic("tests.broken")


@pytest.mark.django_db
def test_heartbeat_makes_healthz_healthy(client, settings):
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["checks"]["worker"] == "never seen"
    call_command("worker", "--once", "--name", "hb")
    beat = WorkerHeartbeat.objects.get(name="hb")
    assert beat.pid == os.getpid()
    r = client.get("/healthz")
    assert r.status_code == 200, r.content
    assert r.json()["checks"] == {"database": "ok", "worker": "ok"}
    # a worker that stopped beating is reported stale
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=settings.PINGAN_WORKER_STALE_SECONDS + 5))
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json()["checks"]["worker"].startswith("stale")
    WorkerHeartbeat.objects.create(name="gone", pid=1, host="old", seen_at=timezone.now() - timedelta(days=2))
    call_command("worker", "--once", "--name", "hb")
    assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["hb"]  # upserted; day-old rows pruned
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_sigterm_stops_the_loop_cleanly():
    """The worker loops until SIGTERM, finishes its pass, beats once more and restores handlers."""
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    started = timezone.now()
    try:
        call_command("worker", "--interval", "0.1", "--name", "looping")
    finally:
        timer.cancel()
    assert signal.getsignal(signal.SIGTERM) is before
    assert (timezone.now() - started).total_seconds() < 10
    assert WorkerHeartbeat.objects.get(name="looping").seen_at >= started
