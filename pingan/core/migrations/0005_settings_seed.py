# Seeds core.Setting (statutory periods with their legal source) from
# pingan/core/data/statutory_settings.json and core.CaseNumberFormat from
# pingan/core/data/case_number_formats.json. Rows that already exist are left alone.

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _read(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def load(apps, schema_editor):
    Setting = apps.get_model("core", "Setting")
    CaseNumberFormat = apps.get_model("core", "CaseNumberFormat")
    for row in _read("statutory_settings.json")["settings"]:
        Setting.objects.get_or_create(
            key=row["key"],
            defaults={"value": row["value"], "description": row["description"], "source": row["source"]},
        )
    for row in _read("case_number_formats.json")["formats"]:
        CaseNumberFormat.objects.get_or_create(
            court_code=row["court_code"],
            case_type=row["case_type"],
            defaults={"name": row["name"], "template": row["template"]},
        )


def unload(apps, schema_editor):
    Setting = apps.get_model("core", "Setting")
    CaseNumberFormat = apps.get_model("core", "CaseNumberFormat")
    Setting.objects.filter(key__in=[r["key"] for r in _read("statutory_settings.json")["settings"]]).delete()
    for row in _read("case_number_formats.json")["formats"]:
        CaseNumberFormat.objects.filter(
            court_code=row["court_code"], case_type=row["case_type"], counters__isnull=True
        ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_calendar_seed'),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
