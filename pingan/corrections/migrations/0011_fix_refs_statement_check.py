"""PostgreSQL: the location fixes' references to their device and supervisee are checked once
per statement instead of once per row.

A foreign key makes PostgreSQL run one lookup-and-lock query per inserted row for each key: for a
1M-fix batch two million of them at commit, more than half of the batch's time
(benchmarks/locations.py). The same rule, checked set-based from the statement's transition
table (the distinct devices and supervisees of the inserted or updated rows must exist), costs a
small fraction of that. Deleting a device or supervisee that fixes still name is refused the same
way (and by the models' on_delete=PROTECT before any SQL). What a foreign key gives beyond this —
locking the parent row so that a concurrent transaction cannot delete it while a fix naming it
is being inserted — is not needed here: devices and supervisees are deactivated or ended, never
deleted, by the application.

SQLite keeps its foreign keys: it checks them cheaply, by index, within the statement.
"""

import django.db.models.deletion
from django.db import migrations, models

FIX = "corrections_locationfix"
PARENTS = (("device_id", "corrections_device"), ("supervisee_id", "corrections_supervisee"))

FORWARD = """
CREATE FUNCTION corrections_fix_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT device_id FROM new_fixes) n
             WHERE NOT EXISTS (SELECT 1 FROM corrections_device d WHERE d.id = n.device_id))
     OR EXISTS (SELECT 1 FROM (SELECT DISTINCT supervisee_id FROM new_fixes) n
                WHERE NOT EXISTS (SELECT 1 FROM corrections_supervisee s WHERE s.id = n.supervisee_id)) THEN
    RAISE EXCEPTION 'location fix names a device or supervisee that does not exist'
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER corrections_fix_refs_insert AFTER INSERT ON corrections_locationfix
  REFERENCING NEW TABLE AS new_fixes FOR EACH STATEMENT EXECUTE FUNCTION corrections_fix_refs_check();
CREATE TRIGGER corrections_fix_refs_update AFTER UPDATE ON corrections_locationfix
  REFERENCING NEW TABLE AS new_fixes FOR EACH STATEMENT EXECUTE FUNCTION corrections_fix_refs_check();

CREATE FUNCTION corrections_device_fixes_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM gone g WHERE EXISTS (SELECT 1 FROM corrections_locationfix f WHERE f.device_id = g.id)) THEN
    RAISE EXCEPTION 'device still has location fixes' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER corrections_device_fixes AFTER DELETE ON corrections_device
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION corrections_device_fixes_check();

CREATE FUNCTION corrections_supervisee_fixes_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM gone g WHERE EXISTS (SELECT 1 FROM corrections_locationfix f WHERE f.supervisee_id = g.id)) THEN
    RAISE EXCEPTION 'supervisee still has location fixes' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER corrections_supervisee_fixes AFTER DELETE ON corrections_supervisee
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION corrections_supervisee_fixes_check();
"""

BACKWARD = """
DROP TRIGGER corrections_supervisee_fixes ON corrections_supervisee;
DROP TRIGGER corrections_device_fixes ON corrections_device;
DROP TRIGGER corrections_fix_refs_update ON corrections_locationfix;
DROP TRIGGER corrections_fix_refs_insert ON corrections_locationfix;
DROP FUNCTION corrections_supervisee_fixes_check();
DROP FUNCTION corrections_device_fixes_check();
DROP FUNCTION corrections_fix_refs_check();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for column, _parent in PARENTS:
            cur.execute(
                "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
                "AND a.attnum = ANY(c.conkey) WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND a.attname = %s",
                [FIX, column],
            )
            for (name,) in cur.fetchall():
                schema_editor.execute(f'ALTER TABLE {FIX} DROP CONSTRAINT "{name}"')  # noqa: S608 (catalogue names)
    schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(BACKWARD)
    for column, parent in PARENTS:
        schema_editor.execute(
            f"ALTER TABLE {FIX} ADD CONSTRAINT {FIX}_{column}_fk FOREIGN KEY ({column}) REFERENCES {parent} (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('corrections', '0010_ingest_rate_window'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='locationfix',
                    name='device',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='fixes', to='corrections.device'),
                ),
                migrations.AlterField(
                    model_name='locationfix',
                    name='supervisee',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='fixes', to='corrections.supervisee'),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
