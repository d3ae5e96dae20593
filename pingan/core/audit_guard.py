"""Database triggers that make core_auditentry append-only, and the one controlled way around them.

Installed by migration core 0003 on both databases. The hash chain already *detects* a changed
row; the triggers *refuse* the change, so a mistaken `AuditEntry.objects.filter(...).delete()` or
an ad-hoc SQL session cannot touch the log. Operations that legitimately replace the whole
database (`pingan restore`, `pingan flush`, the test runner's flush between transactional tests)
wrap their work in `suspended()`, which lifts the guard inside their own transaction only: if the
transaction fails the guard is back, and other connections never see it lifted.

PostgreSQL: `ALTER TABLE … DISABLE TRIGGER` is transactional and needs only table ownership (the
role that ran the migrations), unlike `session_replication_role`, which needs a superuser and would
also switch off foreign-key checks. SQLite has no way to disable a trigger, so the triggers are
dropped and recreated; SQLite DDL is transactional too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

TABLE = "core_auditentry"
MESSAGE = "core_auditentry is append-only (审计记录只能追加，不能修改或删除)"

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION core_auditentry_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
            MESSAGE = '{MESSAGE}: ' || TG_OP || ' refused';
    END
    $$;
    """,
    f"""
    CREATE TRIGGER core_auditentry_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse();
    """,
    f"""
    CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_refuse();
    """,
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS core_auditentry_no_update_delete ON {TABLE};",
    f"DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON {TABLE};",
    "DROP FUNCTION IF EXISTS core_auditentry_refuse();",
]
POSTGRES_TRIGGERS = ["core_auditentry_no_update_delete", "core_auditentry_no_truncate"]

SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END;
    """,
    f"""
    CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END;
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete;",
]


def install_sql(vendor: str) -> list[str]:
    return {"postgresql": POSTGRES_INSTALL, "sqlite": SQLITE_INSTALL}.get(vendor, [])


def remove_sql(vendor: str) -> list[str]:
    return {"postgresql": POSTGRES_REMOVE, "sqlite": SQLITE_REMOVE}.get(vendor, [])


def install(connection) -> None:
    with connection.cursor() as cur:
        for sql in install_sql(connection.vendor):
            cur.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cur:
        for sql in remove_sql(connection.vendor):
            cur.execute(sql)


def is_installed(connection) -> bool:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = ANY(%s)"
                " AND tgenabled <> 'D'",
                [TABLE, POSTGRES_TRIGGERS],
            )
            return cur.fetchone()[0] == len(POSTGRES_TRIGGERS)
        if connection.vendor == "sqlite":
            cur.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
            return cur.fetchone()[0] == len(SQLITE_INSTALL)
    return False


def _alter_triggers(cur, verb: str) -> None:
    # PostgreSQL refuses ALTER TABLE while deferred foreign-key checks on the table are pending
    # (rows inserted earlier in this transaction): run them now, then defer again, which is how
    # Django declares its foreign keys (DEFERRABLE INITIALLY DEFERRED).
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name in POSTGRES_TRIGGERS:
        cur.execute(f"ALTER TABLE {TABLE} {verb} TRIGGER {name}")
    cur.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def suspended(connection) -> Iterator[None]:
    """Lift the guard for the enclosed block, inside one transaction (started here if needed)."""
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                _alter_triggers(cur, "DISABLE")
            else:
                for sql in remove_sql(connection.vendor):
                    cur.execute(sql)
        yield
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                _alter_triggers(cur, "ENABLE")
            else:
                for sql in install_sql(connection.vendor):
                    cur.execute(sql)
