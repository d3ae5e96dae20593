"""Shipped procuratorate data: offences, the follow-up ladder setting, the recommendation number
format and the default permission rows (data/*.json). The data migration, `pingan demo` and the
test fixtures all call `seed()`. Idempotent: offences and settings an administrator edited are
left alone; permission rows follow the orgs seed's rule."""

from __future__ import annotations

import json
from pathlib import Path

from django.apps import apps as global_apps

DATA_DIR = Path(__file__).resolve().parent / "data"
PERMISSIONS_FILE = DATA_DIR / "permissions.json"
RECOMMENDATION_COURT_CODE = "水检"
RECOMMENDATION_CASE_TYPE = "建"


def _read(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text("utf-8"))


def load_offences(*, apps=global_apps) -> None:
    Offence = apps.get_model("procuratorate", "Offence")
    data = _read("offences.json")
    for row in data["offences"]:
        source = f"{data['source']}；{row['article']}" if row["article"] else data["source"]
        Offence.objects.get_or_create(
            code=row["code"],
            defaults={"name": row["name"], "article": row["article"], "max_term_months": row["max_term_months"],
                      "is_minor": row["is_minor"], "order": row["order"], "source": source[:300]},
        )


def load_settings(*, apps=global_apps) -> None:
    from pingan.core.settings_store import load_settings_file

    load_settings_file(DATA_DIR / "settings.json", apps=apps)
    CaseNumberFormat = apps.get_model("core", "CaseNumberFormat")
    for fmt in _read("settings.json")["case_number_formats"]:
        CaseNumberFormat.objects.get_or_create(
            court_code=fmt["court_code"], case_type=fmt["case_type"],
            defaults={"name": fmt["name"], "template": fmt["template"]},
        )


def seed(*, apps=global_apps) -> None:
    from pingan.orgs.seed import load_permission_file

    load_offences(apps=apps)
    load_settings(apps=apps)
    load_permission_file(PERMISSIONS_FILE, apps=apps)
