"""Seed categories, the duplicate-window setting and the default permission rows from the data
files (pingan/disputes/seed.py, shared with `pingan demo` and the tests)."""

from django.db import migrations


def seed(apps, schema_editor):
    from pingan.disputes.seed import seed as load

    load(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0001_initial"),
        ("core", "0005_settings_seed"),
        ("orgs", "0002_seed_divisions_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
