"""Shipped dispute data: categories, settings (duplicate window, routing, referral and follow-up
periods), the grading and routing rule sets and the default permission rows (data/*.json). The
data migrations, `pingan demo` and the test fixtures all call `seed()`.
Idempotent; existing categories and settings are left as an administrator may have edited them,
permission rows follow the orgs seed's rule (updated to what the file says)."""

from __future__ import annotations

import json
from pathlib import Path

from django.apps import apps as global_apps

DATA_DIR = Path(__file__).resolve().parent / "data"
PERMISSIONS_FILE = DATA_DIR / "permissions.json"
RULESET_FILES = (DATA_DIR / "grading_rules.json", DATA_DIR / "routing_rules.json")


def _read(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text("utf-8"))


def load_categories(*, apps=global_apps) -> None:
    Category = apps.get_model("disputes", "Category")
    for row in _read("categories.json")["categories"]:
        Category.objects.get_or_create(code=row["code"], defaults={k: row[k] for k in ("name", "name_en", "order")})


def load_rulesets(*, apps=global_apps) -> None:
    """Version 1 of disputes.grading and disputes.routing when the key has no version yet."""
    from pingan.core.rules import load_ruleset_file

    for path in RULESET_FILES:
        load_ruleset_file(path, apps=apps)


def seed(*, apps=global_apps) -> None:
    from pingan.core.settings_store import load_settings_file
    from pingan.orgs.seed import load_permission_file

    load_categories(apps=apps)
    load_settings_file(DATA_DIR / "settings.json", apps=apps)
    load_rulesets(apps=apps)
    load_permission_file(PERMISSIONS_FILE, apps=apps)
