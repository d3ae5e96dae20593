"""The audit log's write path: what is hashed is what reads back, and the database refuses edits."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from pingan.core import audit_guard, context
from pingan.core.audit import GENESIS, AuditEvent, compute_hash, record, record_view, verify_chain
from pingan.core.models import AuditEntry
from pingan.orgs.models import User


def _reread(entry: AuditEntry) -> AuditEntry:
    return AuditEntry.objects.get(seq=entry.seq)


@pytest.mark.django_db
def test_entries_chain_from_genesis():
    first = record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action="a")
    second = record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action="b")
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert second.seq == first.seq + 1
    assert first.actor_repr == "system"


@pytest.mark.django_db
def test_awkward_values_hash_the_same_after_a_database_round_trip():
    """Floats that jsonb rewrites, dates, decimals, UUIDs, non-ASCII and nested structures."""
    user = User.objects.create(username="clerk", full_name="张三")
    token = context.set_current(
        context.RequestContext(request_id="r" * 80, ip="2001:0db8:0000::0001", user_agent="UA" * 200)
    )
    try:
        entry = record(
            actor=user,
            event_type=AuditEvent.USER_CHANGED,
            action="x" * 120,
            obj=user,
            before={"n": 1.0, "big": 1e20, "huge": 1.5e300, "tiny": 1.5e-7, "nan": float("nan"), "k": (1, 2)},
            after={
                "when": dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC),
                "day": dt.date(2024, 2, 29),
                "amount": decimal.Decimal("12.30"),
                "id": uuid.UUID(int=5),
                "名字": "水城区 \u00e9 \U0001f600",
                "nested": [{"b": 2, "a": [None, True, 0.5]}],
                3: "int key",
            },
            reason="多行\n理由",
        )
    finally:
        context.reset(token)
    stored = _reread(entry)
    assert stored.ip == "2001:db8::1"
    assert len(stored.action) == 80 and len(stored.request_id) == 64
    assert stored.at == entry.at  # microseconds survive
    assert compute_hash(stored) == stored.hash == entry.hash
    assert verify_chain().ok


@pytest.mark.django_db
def test_record_view_names_the_fields():
    user = User.objects.create(username="viewer")
    entry = record_view(actor=user, obj=user, fields=["id_number"], reason="核对身份")
    stored = _reread(entry)
    assert stored.event_type == AuditEvent.SENSITIVE_VIEWED
    assert stored.after == {"fields": ["id_number"]}
    assert stored.object_type == "orgs.user" and stored.object_id == str(user.pk)


@pytest.mark.django_db
def test_entry_rolls_back_with_the_transaction_that_wrote_it():
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action="doomed")
        raise RuntimeError
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_triggers_are_installed():
    assert audit_guard.is_installed(connection)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditentry SET action = 'forged'",
        "UPDATE core_auditentry SET seq = seq + 1000",
        "DELETE FROM core_auditentry",
    ],
)
def test_database_refuses_update_and_delete(sql):
    entry = record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action="kept")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    assert _reread(entry).action == "kept"


@pytest.mark.django_db
def test_orm_update_and_delete_are_refused_too():
    entry = record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action="kept")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=entry.seq).update(reason="edited")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=entry.seq).delete()
    assert AuditEntry.objects.filter(seq=entry.seq, reason="").exists()


@pytest.mark.django_db
def test_truncate_refused_on_postgresql_and_delete_on_sqlite():
    record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action="kept")
    # SQLite has no TRUNCATE; its equivalent is an unqualified DELETE, which the trigger refuses.
    sql = "TRUNCATE core_auditentry" if connection.vendor == "postgresql" else "DELETE FROM core_auditentry"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else "pending trigger events" comes first
        cur.execute(sql)
    assert AuditEntry.objects.exists()


@pytest.mark.django_db
def test_suspended_guard_comes_back_and_failure_restores_it():
    record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action="x")
    with pytest.raises(RuntimeError), audit_guard.suspended(connection):
        assert not audit_guard.is_installed(connection)
        raise RuntimeError
    assert audit_guard.is_installed(connection)
    with audit_guard.suspended(connection), connection.cursor() as cur:
        cur.execute("UPDATE core_auditentry SET reason = 'allowed while suspended'")
    assert audit_guard.is_installed(connection)
    assert AuditEntry.objects.filter(reason="allowed while suspended").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    """Writers in several threads (each its own connection) append without gaps or forks.

    PostgreSQL: the threads run at once and the advisory lock serialises them. SQLite: appends are
    serialised by BEGIN IMMEDIATE on a database file, but the test database is in memory with a
    shared cache, which answers "table is locked" instead of waiting; so there the threads take
    turns, and the test checks that the IMMEDIATE mode is configured."""
    from django.db import connections

    concurrent = connection.vendor == "postgresql"
    if not concurrent:
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                with transaction.atomic():
                    record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action=f"w{n}-{i}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
        if not concurrent:
            t.join()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain()
    assert report.ok, report.problems
    assert report.count == 20
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 21))


@pytest.mark.django_db
def test_admin_lists_entries_read_only_for_permitted_users(client):
    from pingan.orgs.models import ObjectPermission, Role

    entry = record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action="shown")
    auditor = User.objects.create(username="auditor", is_staff=True)
    role = Role.objects.create(code="test-auditor", name="审计员")
    perm = ObjectPermission.objects.create(name="test-view-audit", object_types=["core.auditentry"], actions=["view"])
    perm.roles.add(role)
    auditor.roles.add(role)
    outsider = User.objects.create(username="outsider", is_staff=True)

    client.force_login(auditor)
    listing = client.get("/admin/core/auditentry/?event_type=60")
    assert listing.status_code == 200 and "shown" in listing.content.decode()
    assert client.get(f"/admin/core/auditentry/{entry.seq}/change/").status_code == 200
    assert client.get("/admin/core/auditentry/add/").status_code == 403
    assert client.post(f"/admin/core/auditentry/{entry.seq}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(seq=entry.seq).exists()

    client.force_login(outsider)
    assert client.get("/admin/core/auditentry/").status_code == 403
