"""Workflow milestones on disputes (first entered "mediating" / "closed"), filled from the
transition log for disputes that already have one; the workflow engine keeps them from now on."""

from django.conf import settings
from django.db import migrations, models

MILESTONES = {"mediating": "first_mediating_at", "closed": "first_closed_at"}


def backfill(apps, schema_editor):
    ct = apps.get_model("contenttypes", "ContentType").objects.filter(app_label="disputes", model="dispute").first()
    if ct is None:  # a new database: no dispute has a history yet
        return
    with schema_editor.connection.cursor() as cursor:
        for state, column in MILESTONES.items():
            # UPDATE … FROM: PostgreSQL and SQLite ≥ 3.33; one grouped pass over the log.
            cursor.execute(
                f"UPDATE disputes_dispute SET {column} = m.at FROM ("  # noqa: S608 - columns from MILESTONES
                "  SELECT object_id, MIN(at) AS at FROM core_transition"
                "  WHERE content_type_id = %s AND to_state = %s GROUP BY object_id) AS m"
                " WHERE m.object_id = CAST(disputes_dispute.id AS TEXT)",
                [ct.pk, state],
            )


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0010_source_received_index'),
        ('orgs', '0003_notices'),
        ('core', '0006_transition_reached_index'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='dispute',
            name='disputes_source_received',
        ),
        migrations.AddField(
            model_name='dispute',
            name='first_closed_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='dispute',
            name='first_mediating_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='dispute',
            index=models.Index(fields=['source', 'received_at'], include=('jurisdiction', 'id', 'first_mediating_at', 'first_closed_at'), name='disputes_source_received'),
        ),
    ]
