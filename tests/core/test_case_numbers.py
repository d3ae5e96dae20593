"""Case numbers: format from data, one sequence per court + type + year, gap-free, and no
duplicates when many writers issue at once (threads with their own connections; PostgreSQL locks
the counter row, SQLite queues writers at BEGIN IMMEDIATE)."""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction

from pingan.core.audit import AuditEvent
from pingan.core.case_numbers import issue_case_number
from pingan.core.errors import ApplicationError
from pingan.core.models import AuditEntry, CaseNumberCounter, CaseNumberFormat, IssuedCaseNumber
from tests.core.seed import ensure_core_seed

COURT = "黔0204"


@pytest.fixture(autouse=True)
def seeded(db):
    ensure_core_seed()


def test_seeded_formats():
    types = set(CaseNumberFormat.objects.filter(court_code=COURT).values_list("case_type", flat=True))
    assert types == {"民诉前调", "民特", "民初"}


def test_format_and_sequence_per_court_type_and_year():
    CaseNumberCounter.objects.create(
        format=CaseNumberFormat.objects.get(court_code=COURT, case_type="民诉前调"), year=2022, last_value=122
    )
    assert issue_case_number(court_code=COURT, case_type="民诉前调", year=2022) == "（2022）黔0204民诉前调123号"
    assert issue_case_number(court_code=COURT, case_type="民诉前调", year=2022) == "（2022）黔0204民诉前调124号"
    # Another type and another year each start their own sequence at 1.
    assert issue_case_number(court_code=COURT, case_type="民特", year=2022) == "（2022）黔0204民特1号"
    assert issue_case_number(court_code=COURT, case_type="民诉前调", year=2023) == "（2023）黔0204民诉前调1号"
    assert issue_case_number(court_code=COURT, case_type="民初", year=2023) == "（2023）黔0204民初1号"
    entry = AuditEntry.objects.filter(event_type=AuditEvent.CASE_NUMBER_ISSUED).order_by("-seq").first()
    assert entry.after["number"] == "（2023）黔0204民初1号"


def test_default_year_is_this_year_in_china():
    from django.utils import timezone

    number = issue_case_number(court_code=COURT, case_type="民特")
    assert number == f"（{timezone.localdate().year}）黔0204民特1号"


def test_target_is_recorded(django_user_model):
    user = django_user_model.objects.create_user("case_target", password="x-Pass-2026-long")
    number = issue_case_number(court_code=COURT, case_type="民初", year=2024, target=user)
    issued = IssuedCaseNumber.objects.get(number=number)
    assert issued.object_id == str(user.pk)
    assert issued.content_type.model == "user"


def test_unknown_or_inactive_format_is_refused():
    with pytest.raises(ApplicationError):
        issue_case_number(court_code=COURT, case_type="刑初", year=2024)
    CaseNumberFormat.objects.filter(case_type="民初").update(is_active=False)
    with pytest.raises(ApplicationError):
        issue_case_number(court_code=COURT, case_type="民初", year=2024)
    assert not IssuedCaseNumber.objects.exists()


def test_a_rolled_back_case_leaves_no_gap():
    class Boom(Exception):
        pass

    issue_case_number(court_code=COURT, case_type="民特", year=2024)
    with pytest.raises(Boom), transaction.atomic():
        issue_case_number(court_code=COURT, case_type="民特", year=2024)
        raise Boom
    assert issue_case_number(court_code=COURT, case_type="民特", year=2024) == "（2024）黔0204民特2号"


def _in_thread(fn):
    """Run `fn` in a fresh thread (so on a fresh connection) and return its result."""
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            out["error"] = exc
        finally:
            connections.close_all()

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


@contextmanager
def database_for_threads():
    """Where the writer threads connect. PostgreSQL: the test database as it is. SQLite: the test
    database lives in shared-cache memory, where a lock fails at once ("database table is
    locked") instead of waiting out busy_timeout; pingan runs on a WAL file, so copy the test
    database to a file and point new connections at it (Django clones SQLite test databases for
    parallel runs the same way)."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "case_numbers.sqlite3")
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        original = connections.settings["default"]
        connections.settings["default"] = {**original, "NAME": path}
        try:
            yield
        finally:
            connections.settings["default"] = original


# No serialized_rollback: restoring the serialized database at set-up collides with content types
# re-created by an earlier flush (order-dependent IntegrityError); tests that need seed data re-seed.
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_distinct_gap_free_numbers():
    ensure_core_seed()
    threads_n, per_thread = 6, 8
    barrier = threading.Barrier(threads_n)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(i: int) -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                # Half the writers race to create the year's counter row as well.
                year = 2030 if i % 2 else 2031
                number = issue_case_number(court_code=COURT, case_type="民诉前调", year=year)
                with lock:
                    results.append(number)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connections.close_all()  # each thread had its own connection

    def stored():
        out = {}
        for year in (2030, 2031):
            seqs = IssuedCaseNumber.objects.filter(year=year, format__case_type="民诉前调").values_list("seq", flat=True)
            counter = CaseNumberCounter.objects.get(year=year, format__case_type="民诉前调")
            out[year] = (sorted(seqs), counter.last_value)
        return out

    with database_for_threads():
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [], f"{connection.vendor}: {errors!r}"
        per_year = threads_n * per_thread // 2
        assert len(results) == len(set(results)) == threads_n * per_thread
        assert _in_thread(stored) == {
            2030: (list(range(1, per_year + 1)), per_year),
            2031: (list(range(1, per_year + 1)), per_year),
        }
