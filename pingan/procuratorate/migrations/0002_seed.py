"""Seed offences, the follow-up ladder, the recommendation number format and the default
permission rows from the data files (pingan/procuratorate/seed.py, shared with `pingan demo` and
the tests)."""

from django.db import migrations


def seed(apps, schema_editor):
    from pingan.procuratorate.seed import seed as load

    load(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("procuratorate", "0001_initial"),
        ("core", "0005_settings_seed"),
        ("orgs", "0002_seed_divisions_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
