"""`pingan verify-audit` against a tampered table: each kind of tampering is caught and named."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from pingan.core import audit_guard
from pingan.core.audit import AuditEvent, compute_hash, record, verify_chain
from pingan.core.models import AuditEntry

COLUMNS = [
    "at", "actor_id", "actor_repr", "event_type", "action", "object_type", "object_id", "object_repr",
    "before", "after", "reason", "ip", "user_agent", "request_id", "prev_hash", "hash",
]  # fmt: skip


def _chain(n: int = 6) -> list[AuditEntry]:
    return [
        record(actor=None, event_type=AuditEvent.SETTING_CHANGED, action="set", object_id=str(i),
               after={"value": i})
        for i in range(n)
    ]  # fmt: skip


def _tamper(sql: str, params: list | None = None) -> None:
    """Raw SQL with the append-only triggers lifted, as an intruder with table rights could."""
    with audit_guard.suspended(connection), connection.cursor() as cur:
        cur.execute(sql, params or [])


def _verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", "--batch-size", "2", stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_intact_chain_exits_zero_with_a_summary():
    entries = _chain()
    code, out, _ = _verify()
    assert code == 0
    assert f"{len(entries)} entries" in out
    assert f"last seq {entries[-1].seq}" in out and entries[-1].hash in out


@pytest.mark.django_db
def test_empty_log_is_intact():
    code, out, _ = _verify()
    assert code == 0 and "0 entries" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "forged"), ("reason", "后来补写"), ("object_id", "999"), ("ip", "10.0.0.1")],
)
def test_changed_field_is_reported(column, value):
    entries = _chain()
    target = entries[2].seq
    _tamper(f"UPDATE core_auditentry SET {column} = %s WHERE seq = %s", [value, target])  # noqa: S608
    code, _, err = _verify()
    assert code == 1
    assert f"#{target}\tchanged" in err
    assert "BROKEN: 1 problem" in err


@pytest.mark.django_db
def test_changed_json_is_reported():
    entries = _chain()
    _tamper("UPDATE core_auditentry SET after = %s WHERE seq = %s", ['{"value": 100}', entries[1].seq])
    report = verify_chain()
    assert [(p.kind, p.seq) for p in report.problems] == [("changed", entries[1].seq)]


@pytest.mark.django_db
def test_deleted_row_is_reported():
    entries = _chain()
    _tamper("DELETE FROM core_auditentry WHERE seq = %s", [entries[3].seq])
    code, _, err = _verify()
    assert code == 1
    assert f"#{entries[3].seq}\tdeleted" in err
    assert verify_chain().problems[0].kind == "deleted"
    assert len(verify_chain().problems) == 1


@pytest.mark.django_db
def test_deleted_first_rows_are_reported():
    _chain()
    _tamper("DELETE FROM core_auditentry WHERE seq <= 2")
    report = verify_chain()
    assert [(p.kind, p.seq, p.detail) for p in report.problems] == [("deleted", 1, "missing entries #1–#2")]


@pytest.mark.django_db
def test_swapped_rows_are_reported_as_reordered():
    entries = _chain()
    a, b = entries[2].seq, entries[3].seq
    # Swap the primary keys through a free value: row a becomes b and b becomes a.
    _tamper("UPDATE core_auditentry SET seq = -1 WHERE seq = %s", [a])
    _tamper("UPDATE core_auditentry SET seq = %s WHERE seq = %s", [a, b])
    _tamper("UPDATE core_auditentry SET seq = %s WHERE seq = -1", [b])
    code, _, err = _verify()
    assert code == 1
    assert f"#{a}\treordered" in err and f"entry written as #{b} now stands at #{a}" in err
    assert f"#{b}\treordered" in err and f"entry written as #{a} now stands at #{b}" in err
    assert {p.kind for p in verify_chain().problems} == {"reordered"}


@pytest.mark.django_db
def test_rewritten_row_with_recomputed_hash_breaks_the_next_link():
    """An intruder who knows the algorithm fixes the hash of the row they changed."""
    entries = _chain()
    target = AuditEntry.objects.get(seq=entries[2].seq)
    target.reason = "伪造"
    new_hash = compute_hash(target)
    _tamper("UPDATE core_auditentry SET reason = %s, hash = %s WHERE seq = %s", ["伪造", new_hash, target.seq])
    report = verify_chain()
    assert [(p.kind, p.seq) for p in report.problems] == [("broken_link", entries[3].seq)]


@pytest.mark.django_db
def test_anchor_catches_truncated_tail_and_rewritten_history():
    entries = _chain()
    anchor = f"{entries[-1].seq}:{entries[-1].hash}"
    out = io.StringIO()
    call_command("verify_audit", "--anchor", anchor, stdout=out)
    _tamper("DELETE FROM core_auditentry WHERE seq = %s", [entries[-1].seq])
    assert verify_chain().ok  # a cut tail leaves a consistent chain…
    with pytest.raises(CommandError):  # …which only the anchor reveals
        call_command("verify_audit", "--anchor", anchor, stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="SEQ:HASH"):
        call_command("verify_audit", "--anchor", "nonsense", stdout=io.StringIO())


@pytest.mark.django_db
def test_several_problems_are_all_listed():
    entries = _chain(8)
    _tamper("UPDATE core_auditentry SET action = 'x' WHERE seq = %s", [entries[1].seq])
    _tamper("DELETE FROM core_auditentry WHERE seq = %s", [entries[5].seq])
    report = verify_chain(batch_size=3)
    assert [(p.kind, p.seq) for p in report.problems] == [
        ("changed", entries[1].seq),
        ("deleted", entries[5].seq),
    ]
    assert report.count == 7


@pytest.mark.django_db(transaction=True)
def test_flush_between_transactional_tests_passes_the_guard():
    """Django's flush (used after every transaction=True test) runs through core's override."""
    _chain(2)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
    assert audit_guard.is_installed(connection)
