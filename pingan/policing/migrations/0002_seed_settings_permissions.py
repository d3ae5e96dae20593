"""Seed the policing settings (visit interval, review schedule, grading rule set) and the
permission rows from the data files (pingan/policing/seed.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from pingan.policing.seed import seed as load

    load(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("policing", "0001_initial"),
        ("core", "0005_settings_seed"),
        ("orgs", "0002_seed_divisions_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
