"""Seed the court's local settings and default permission rows (pingan/court/seed.py, shared with
`pingan demo` and the tests)."""

from django.db import migrations


def seed(apps, schema_editor):
    from pingan.court.seed import seed as load

    load(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("court", "0001_initial"),
        ("core", "0005_settings_seed"),
        ("orgs", "0002_seed_divisions_roles"),
        ("disputes", "0002_seed_categories_permissions"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
