"""The default permission rows for historical figures (data/permissions.json)."""

from django.db import migrations


def seed(apps, schema_editor):
    from pingan.orgs.seed import load_permission_file
    from pingan.statistics.seed import PERMISSIONS_FILE

    load_permission_file(PERMISSIONS_FILE, apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0001_initial"),
        ("orgs", "0002_seed_divisions_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
