"""The search token table (disputes/search.py), filled for the disputes already stored."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from pingan.disputes.search import write

    Dispute = apps.get_model("disputes", "Dispute")
    batch = []
    for row in Dispute.objects.order_by("pk").values_list("pk", "search_text").iterator(chunk_size=2000):
        batch.append(row)
        if len(batch) >= 2000:
            write(batch)
            batch = []
    write(batch)


def statistics_target(apps, schema_editor):
    # A common bigram (邻里: one dispute in twelve) is a tiny share of the table's rows, below the
    # default sample's most-common-values list: PostgreSQL then expects a few hundred disputes,
    # sorts them all, and misses walking the received_at index for the first page (60 → 7 ms
    # at 100k). A larger sample keeps every common token's frequency.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE disputes_searchtoken ALTER COLUMN token SET STATISTICS 5000")


class Migration(migrations.Migration):

    dependencies = [
        ('disputes', '0008_jurisdiction_index_source'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchToken',
            fields=[
                ('pk', models.CompositePrimaryKey('token', 'dispute', blank=True, editable=False, primary_key=True, serialize=False)),
                ('token', models.BigIntegerField()),
                ('dispute', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='disputes.dispute')),
            ],
        ),
        migrations.RunPython(statistics_target, migrations.RunPython.noop),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
