"""Slice 2 data: the grading and routing rule sets (version 1), the routing/referral/follow-up
settings and the new permission rows (grade, route, accept, mediate, close, follow_up, refer).
Same code as `pingan demo` and the test fixtures (pingan/disputes/seed.py); idempotent."""

from django.db import migrations


def seed(apps, schema_editor):
    from pingan.disputes.seed import seed as load

    load(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0004_slice2_grading_routing_mediation"),
        ("core", "0005_settings_seed"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
