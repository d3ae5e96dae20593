# The daily-count cache of the statistics (rollup.py): its tables, the triggers that mark a
# record's days dirty on every write, and a mark on every day that already has records (the worker
# or `pingan procuratorate_rollup` fills the cache; until then the statistics count live).

import django.db.models.deletion
from django.db import migrations, models

# Frozen here (rollup.SOURCES may change later; a later migration then replaces the triggers):
# table → (source, date columns)
MARKED = {
    "procuratorate_suspect": ("suspect", ["received_on", "arrest_requested_on", "arrest_decided_on",
                                          "prosecution_decided_on"]),
    "procuratorate_volunteerplan": ("plan", ["consent_on"]),
    "procuratorate_recommendation": ("recommendation", ["issued_on", "replied_on", "implemented_on"]),
    "procuratorate_earlyinvolvement": ("early", ["started_on"]),
}
DIRTY = "procuratorate_dirtyday"


def _mark(source, columns, row):
    days = " UNION ".join(f"SELECT {row}.{c} AS d" for c in columns)
    return (f"INSERT INTO {DIRTY} (source, day, marks) SELECT '{source}', d, 1 FROM ({days}) s "  # noqa: S608
            f"WHERE d IS NOT NULL ON CONFLICT (source, day) DO UPDATE SET marks = {DIRTY}.marks + 1;")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, (source, columns) in MARKED.items():
        name = f"{table}_mark_days"
        if vendor == "postgresql":
            schema_editor.execute(f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN {_mark(source, columns, 'OLD')} END IF;
    IF TG_OP <> 'DELETE' THEN {_mark(source, columns, 'NEW')} END IF;
    RETURN NULL;
END $$""")
            schema_editor.execute(f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                                  f"FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            schema_editor.execute(f"CREATE TRIGGER {name}_i AFTER INSERT ON {table} "
                                  f"BEGIN {_mark(source, columns, 'NEW')} END")
            schema_editor.execute(f"CREATE TRIGGER {name}_u AFTER UPDATE ON {table} "
                                  f"BEGIN {_mark(source, columns, 'OLD')} {_mark(source, columns, 'NEW')} END")
            schema_editor.execute(f"CREATE TRIGGER {name}_d AFTER DELETE ON {table} "
                                  f"BEGIN {_mark(source, columns, 'OLD')} END")
        for c in columns:
            schema_editor.execute(f"INSERT INTO {DIRTY} (source, day, marks) SELECT DISTINCT '{source}', {c}, 1 "  # noqa: S608
                                  f"FROM {table} WHERE {c} IS NOT NULL ON CONFLICT (source, day) DO NOTHING")


def drop_triggers(apps, schema_editor):
    for table in MARKED:
        name = f"{table}_mark_days"
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            for op in "iud":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{op}")


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0003_notices'),
        ('procuratorate', '0008_unscoped_covering_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='DirtyDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(max_length=20)),
                ('day', models.DateField()),
                ('marks', models.PositiveIntegerField(default=1)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('source', 'day'), name='proc_dirtyday_unique')],
            },
        ),
        migrations.CreateModel(
            name='DailyCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(max_length=20)),
                ('kind', models.CharField(max_length=30)),
                ('day', models.DateField()),
                ('month', models.BooleanField(default=False)),
                ('guilty_plea', models.BooleanField(default=False)),
                ('not_prosecuted', models.BooleanField(default=False)),
                ('state', models.CharField(blank=True, max_length=30)),
                ('arrest_decision', models.CharField(blank=True, max_length=20)),
                ('prosecution_decision', models.CharField(blank=True, max_length=20)),
                ('n', models.PositiveIntegerField()),
                ('jurisdiction', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.jurisdiction')),
                ('offence', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='procuratorate.offence')),
                ('partner', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.agency')),
                ('police_agency', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.agency')),
                ('procuratorate', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.agency')),
                ('recipient', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.agency')),
            ],
            options={
                'indexes': [models.Index(fields=['source', 'month', 'day'], name='proc_dailycount_day')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
