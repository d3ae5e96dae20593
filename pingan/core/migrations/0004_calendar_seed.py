# Seeds CalendarYear/CalendarDay from pingan/core/data/holidays.json (generated from the
# chinese-calendar package by scripts/build_holidays.py). Later years are entered by an
# administrator (pingan.core.calendar.enter_year).

import json
from datetime import date
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "holidays.json"


def load(apps, schema_editor):
    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay = apps.get_model("core", "CalendarDay")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for year, spec in data["years"].items():
        row, created = CalendarYear.objects.get_or_create(year=int(year), defaults={"source": spec["source"]})
        if not created:
            continue  # entered by hand before this migration ran: keep the administrator's data
        days = [
            CalendarDay(date=date.fromisoformat(d), kind=kind, name=name, year=row)
            for key, kind in (("holidays", "holiday"), ("workdays", "workday"))
            for d, name in spec[key]
        ]
        CalendarDay.objects.bulk_create(days)


def unload(apps, schema_editor):
    CalendarYear = apps.get_model("core", "CalendarYear")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    years = [int(y) for y in data["years"]]
    CalendarYear.objects.filter(year__in=years, entered_by__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_audit_trigger'),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
