# The daily-count cache of the statistics (rollup.py): its tables, the triggers that mark a
# record's days dirty on every write, and a mark on every day that already has records (the worker
# or `pingan policing_rollup` fills the cache; until then the statistics count live).

import django.db.models.deletion
from django.db import migrations, models

# Frozen here (rollup.SOURCES may change later; a later migration then replaces the triggers):
# table → (source, time column). A time marks its UTC date and the days either side, which hold
# its local date in any time zone.
MARKED = {
    "policing_hazard": ("hazard", "found_at"),
    "policing_push": ("push", "sent_at"),
}
DIRTY = "policing_dirtyday"


def _days(vendor, row, column):
    if vendor == "postgresql":
        day = f"({row}.{column} AT TIME ZONE 'UTC')::date"
        return f"SELECT {day} - 1 AS d UNION SELECT {day} UNION SELECT {day} + 1"
    return (f"SELECT date({row}.{column}, '-1 day') AS d UNION SELECT date({row}.{column}) "
            f"UNION SELECT date({row}.{column}, '+1 day')")


def _mark(vendor, source, column, row):
    return (f"INSERT INTO {DIRTY} (source, day, marks) SELECT '{source}', d, 1 "  # noqa: S608
            f"FROM ({_days(vendor, row, column)}) s "
            f"WHERE d IS NOT NULL ON CONFLICT (source, day) DO UPDATE SET marks = {DIRTY}.marks + 1;")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, (source, column) in MARKED.items():
        name = f"{table}_mark_days"
        if vendor == "postgresql":
            schema_editor.execute(f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN {_mark(vendor, source, column, 'OLD')} END IF;
    IF TG_OP <> 'DELETE' THEN {_mark(vendor, source, column, 'NEW')} END IF;
    RETURN NULL;
END $$""")
            schema_editor.execute(f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                                  f"FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            schema_editor.execute(f"CREATE TRIGGER {name}_i AFTER INSERT ON {table} "
                                  f"BEGIN {_mark(vendor, source, column, 'NEW')} END")
            schema_editor.execute(f"CREATE TRIGGER {name}_u AFTER UPDATE ON {table} BEGIN "
                                  f"{_mark(vendor, source, column, 'OLD')} {_mark(vendor, source, column, 'NEW')} END")
            schema_editor.execute(f"CREATE TRIGGER {name}_d AFTER DELETE ON {table} "
                                  f"BEGIN {_mark(vendor, source, column, 'OLD')} END")
        schema_editor.execute(f"INSERT INTO {DIRTY} (source, day, marks) SELECT DISTINCT '{source}', d, 1 "  # noqa: S608
                              f"FROM ({_days(vendor, table, column).replace(' UNION ', ' FROM ' + table + ' UNION ')} "
                              f"FROM {table}) s WHERE d IS NOT NULL ON CONFLICT (source, day) DO NOTHING")


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
        ('policing', '0004_scope_in_time_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='DirtyDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(max_length=10)),
                ('day', models.DateField()),
                ('marks', models.PositiveIntegerField(default=1)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('source', 'day'), name='policing_dirtyday_unique')],
            },
        ),
        migrations.CreateModel(
            name='DailyCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(max_length=10)),
                ('day', models.DateField()),
                ('month', models.BooleanField(default=False)),
                ('grade', models.CharField(max_length=10, null=True)),
                ('resolved', models.BooleanField(default=False)),
                ('to_dispute', models.BooleanField(default=False)),
                ('channel', models.CharField(blank=True, max_length=10)),
                ('n', models.PositiveIntegerField()),
                ('agency', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.agency')),
                ('area', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='orgs.jurisdiction')),
            ],
            options={
                'indexes': [models.Index(fields=['source', 'month', 'day'], name='policing_dailycount_day')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
