"""A last-seen row for every person from registration on, and `silent_since`, the start of the
current silence, which the silence scan reads by its index alone.

Until now a person had a last-seen row only after a first fix, so the scan found those who never
sent one by an anti-join over every open person (a million people: most of the scan's time).
Existing rows get `silent_since = last_fix_at`, and open people without a row get one with
`silent_since = reported_at`: the same spell starts the old scan used, so a silence already
alerted is recognised by the unique (supervisee, kind, started_at) and never raised again.
"""

from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    LastSeen = apps.get_model("corrections", "SuperviseeLastSeen")
    Supervisee = apps.get_model("corrections", "Supervisee")
    LastSeen.objects.update(silent_since=F("last_fix_at"))
    missing = (Supervisee.objects.exclude(status="ended").filter(last_seen__isnull=True)
               .order_by("pk").values_list("pk", "reported_at"))
    rows = [LastSeen(supervisee_id=pk, silent_since=at) for pk, at in missing.iterator(chunk_size=2000)]
    LastSeen.objects.bulk_create(rows, batch_size=2000)
    if schema_editor is not None and schema_editor.connection.vendor == "postgresql":
        # The rows' deferred foreign-key checks now, so the ALTER TABLEs that follow may run.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('corrections', '0011_fix_refs_statement_check'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='superviseelastseen',
            name='corrections_lastseen_time',
        ),
        migrations.AddField(
            model_name='superviseelastseen',
            name='silent_since',
            field=models.DateTimeField(null=True),
        ),
        migrations.AlterField(
            model_name='superviseelastseen',
            name='last_fix_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='superviseelastseen',
            name='lat',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='superviseelastseen',
            name='lon',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='superviseelastseen',
            name='silent_since',
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name='superviseelastseen',
            index=models.Index(fields=['silent_since'], name='corrections_lastseen_silent'),
        ),
        migrations.AddConstraint(
            model_name='superviseelastseen',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('last_fix_at__isnull', True), ('lat__isnull', True), ('lon__isnull', True)), models.Q(('last_fix_at__isnull', False), ('lat__isnull', False), ('lon__isnull', False), ('silent_since__gte', models.F('last_fix_at'))), _connector='OR'), name='corrections_lastseen_fix_whole'),
        ),
    ]
