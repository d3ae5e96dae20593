from django.db import migrations


def forwards(apps, schema_editor):
    from pingan.corrections.checkins_seed import load_checkin_data

    load_checkin_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("corrections", "0003_checkins_models"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
