"""Make core_auditentry append-only with database triggers (see pingan/core/audit_guard.py).

PostgreSQL: a plpgsql function raised by BEFORE UPDATE/DELETE (per row) and BEFORE TRUNCATE
triggers. SQLite: BEFORE UPDATE/DELETE triggers with RAISE(ABORT, …). Other vendors: nothing.
"""

from django.db import migrations


def install(apps, schema_editor):
    from pingan.core import audit_guard

    for sql in audit_guard.install_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def remove(apps, schema_editor):
    from pingan.core import audit_guard

    for sql in audit_guard.remove_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_initial'),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
