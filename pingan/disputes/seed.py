"""Shipped dispute data: categories, the duplicate-window setting and the default permission rows
(data/*.json). The data migration, `pingan demo` and the test fixtures all call `seed()`.
Idempotent; existing categories and settings are left as an administrator may have edited them,
permission rows follow the orgs seed's rule (updated to what the file says)."""

from __future__ import annotations

import json
from pathlib import Path

from django.apps import apps as global_apps

DATA_DIR = Path(__file__).resolve().parent / "data"
PERMISSIONS_FILE = DATA_DIR / "permissions.json"


def _read(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text("utf-8"))


def load_categories(*, apps=global_apps) -> None:
    Category = apps.get_model("disputes", "Category")
    for row in _read("categories.json")["categories"]:
        Category.objects.get_or_create(code=row["code"], defaults={k: row[k] for k in ("name", "name_en", "order")})


def load_settings(*, apps=global_apps) -> None:
    Setting = apps.get_model("core", "Setting")
    for row in _read("settings.json")["settings"]:
        Setting.objects.get_or_create(
            key=row["key"], defaults={"value": row["value"], "description": row["description"], "source": row["source"]}
        )


def seed(*, apps=global_apps) -> None:
    from pingan.orgs.seed import load_permission_file

    load_categories(apps=apps)
    load_settings(apps=apps)
    load_permission_file(PERMISSIONS_FILE, apps=apps)
