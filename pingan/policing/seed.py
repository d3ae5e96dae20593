"""Shipped policing data: settings (visit interval, review schedule, which grading rule set hazards
use) and the permission rows (data/*.json). The data migration, the demo loader and the test
fixtures call `seed()`. Idempotent: settings are only added when missing (an
administrator may have edited them); permission rows follow the orgs seed's rule."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps as global_apps

DATA_DIR = Path(__file__).resolve().parent / "data"
PERMISSIONS_FILE = DATA_DIR / "permissions.json"


def seed(*, apps=global_apps) -> None:
    from pingan.core.settings_store import load_settings_file
    from pingan.orgs.seed import load_permission_file

    load_settings_file(DATA_DIR / "settings.json", apps=apps)
    load_permission_file(PERMISSIONS_FILE, apps=apps)
