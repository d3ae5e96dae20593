"""Settings added after 0006 (travel-record home region prefix); idempotent like seed.load_all."""

from django.db import migrations


def forwards(apps, schema_editor):
    from pingan.corrections import seed

    seed.load_settings(apps)


class Migration(migrations.Migration):
    dependencies = [("corrections", "0006_s2_seed")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
