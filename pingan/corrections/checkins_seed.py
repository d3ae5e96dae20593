"""Loads the check-in data files (thresholds and windows, permission rows). Called by migration
0004_checkins_seed with the historical registry, and by tests with the live one."""

from __future__ import annotations

import json
from pathlib import Path

from django.apps import apps as global_apps

DATA = Path(__file__).parent / "data"
SETTINGS_FILE = DATA / "settings_checkins.json"
PERMISSIONS_FILE = DATA / "permissions_checkins.json"
CONSENT_FILE = DATA / "face_consent.json"


def load_checkin_settings(apps=global_apps) -> None:
    Setting = apps.get_model("core", "Setting")
    for row in json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))["settings"]:
        Setting.objects.get_or_create(
            key=row["key"],
            defaults={"value": row["value"], "description": row["description"], "source": row["source"]},
        )


def load_checkin_permissions(apps=global_apps) -> None:
    from pingan.orgs.seed import load_permission_file

    load_permission_file(PERMISSIONS_FILE, apps=apps)


def load_checkin_data(apps=global_apps) -> None:
    load_checkin_settings(apps)
    load_checkin_permissions(apps)
