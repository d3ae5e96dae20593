"""Shipped court data: app settings (data/settings.json) and the default permission rows
(data/permissions.json). The data migration, `pingan demo` and the tests call `seed()`.
Idempotent; settings an administrator edited are left alone."""

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
