"""`pingan worker`: the one background process.

Each pass (a) runs the enqueued django-tasks jobs (django_tasks_db's Worker, in batch mode),
(b) drains the outbox, (c) runs due periodic jobs (core/tasks.py), and (d) upserts this worker's
WorkerHeartbeat row, which /healthz reads. `--once` does a single pass and exits. SIGTERM/SIGINT
finish the current pass and exit cleanly. Run several on PostgreSQL to share the load: tasks and
outbox rows are claimed with SKIP LOCKED / compare-and-set, so none runs twice.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone

from pingan.core import outbox
from pingan.core import tasks as periodic
from pingan.core.models import WorkerHeartbeat

logger = logging.getLogger("pingan.worker")


def beat(name: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={"pid": os.getpid(), "host": socket.gethostname()[:100], "seen_at": now},
        create_defaults={"pid": os.getpid(), "host": socket.gethostname()[:100], "seen_at": now, "started_at": now},
    )
    # Workers that are gone for a day are history, not a health signal; keep the table small.
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()


def _close_old_connections() -> None:
    # Drop broken or expired connections between passes, as Django does between requests; never
    # inside a transaction someone else opened (a test, or a caller of call_command).
    if not connection.in_atomic_block:
        close_old_connections()


class Command(BaseCommand):
    help = "运行后台任务进程：任务队列、事件发件箱、周期任务与心跳。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只运行一轮后退出")
        parser.add_argument("--interval", type=float, default=1.0, help="空闲时两轮之间的秒数")
        parser.add_argument("--batch", type=int, default=100, help="每轮最多处理的任务数和事件数")
        parser.add_argument("--name", default="", help="工作进程名（默认 主机名:进程号）")
        parser.add_argument("--queue-name", default="*", help="处理的任务队列，逗号分隔；* 表示全部")
        parser.add_argument("--heartbeat", type=float, default=5.0, help="心跳间隔秒数")

    def handle(self, *args, once=False, interval=1.0, batch=100, name="", queue_name="*", heartbeat=5.0, **options):
        self.stopping = False
        self.name = (name or f"{socket.gethostname()}:{os.getpid()}")[:100]
        self.queue_names = [q for q in queue_name.split(",") if q] or ["*"]
        self.batch = max(1, batch)
        previous = self._install_signals()
        last_beat = None
        try:
            while True:
                _close_old_connections()
                if last_beat is None or time.monotonic() - last_beat >= heartbeat:
                    beat(self.name)
                    last_beat = time.monotonic()
                try:
                    busy = self.run_pass()
                except Exception:
                    if once:
                        raise
                    logger.exception("worker pass failed; retrying")
                    busy = False
                if once or self.stopping:
                    beat(self.name)
                    break
                self._sleep(0 if busy else interval)
        finally:
            self._restore_signals(previous)
            _close_old_connections()
        logger.info("worker %s stopped", self.name)

    def run_pass(self) -> bool:
        """One round of everything; True when there may be more work waiting right now."""
        ran_tasks = self.run_tasks()
        drained = outbox.drain(batch=self.batch, worker_name=self.name)
        periodic.run_due()
        return ran_tasks >= self.batch or drained.claimed >= self.batch

    def run_tasks(self) -> int:
        from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
        from django_tasks_db.management.commands.db_worker import Worker
        from django_tasks_db.models import DBTaskResult

        ready = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS)
        if "*" not in self.queue_names:
            ready = ready.filter(queue_name__in=self.queue_names)
        if not ready.exists():
            return 0  # a cheap read instead of the Worker's exclusive transaction
        worker = Worker(
            queue_names=self.queue_names,
            interval=0,
            batch=True,  # run what is ready, then return to our loop
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=self.batch,
            worker_id=self.name[:64],
            excluded_queue_names=[],
        )
        worker.run()
        return worker._run_tasks

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def _stop(self, signum, frame) -> None:
        logger.info("worker %s received %s; finishing the current pass", self.name, signal.strsignal(signum))
        self.stopping = True

    def _install_signals(self):
        if threading.current_thread() is not threading.main_thread():
            return None
        return {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _restore_signals(self, previous) -> None:
        for sig, handler in (previous or {}).items():
            signal.signal(sig, handler)

