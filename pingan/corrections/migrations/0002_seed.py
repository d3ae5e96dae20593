from django.db import migrations


def forwards(apps, schema_editor):
    from pingan.corrections.seed import load_all

    load_all(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("corrections", "0001_initial"),
        ("orgs", "0002_seed_divisions_roles"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
