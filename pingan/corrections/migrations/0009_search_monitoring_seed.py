"""Settings and permission rows of search tasks, electronic monitoring and the evaluation."""

from django.db import migrations


def forwards(apps, schema_editor):
    from pingan.corrections.supervision_seed import load_supervision_data

    load_supervision_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("corrections", "0008_search_monitoring"),
        ("orgs", "0002_seed_divisions_roles"),
        ("core", "0005_settings_seed"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
