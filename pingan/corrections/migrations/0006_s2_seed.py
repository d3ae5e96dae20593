"""Slice 2 data: new thresholds, the sanction-ladder / alert-escalation / leave-approval rule
sets (version 1), the new permission rows, and the silence threshold's single source (the core
duplicate `corrections.silence_hours` is removed). Same code as seed.load_all; idempotent."""

from django.db import migrations


def forwards(apps, schema_editor):
    from pingan.corrections import seed

    seed.load_settings(apps)
    seed.load_permissions(apps)
    seed.load_rulesets(apps)
    seed.retire_core_silence_hours(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("corrections", "0005_s2_alerts"),
        ("core", "0005_settings_seed"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
