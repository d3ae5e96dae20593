"""Loads the check-in data files (thresholds and windows, permission rows). Called by migration
0004_checkins_seed with the historical registry, and by tests with the live one."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps as global_apps

DATA = Path(__file__).parent / "data"
SETTINGS_FILE = DATA / "settings_checkins.json"
PERMISSIONS_FILE = DATA / "permissions_checkins.json"
CONSENT_FILE = DATA / "face_consent.json"


def load_checkin_settings(apps=global_apps) -> None:
    from pingan.core.settings_store import load_settings_file

    load_settings_file(SETTINGS_FILE, apps=apps)


def load_checkin_permissions(apps=global_apps) -> None:
    from pingan.orgs.seed import load_permission_file

    load_permission_file(PERMISSIONS_FILE, apps=apps)


def load_checkin_data(apps=global_apps) -> None:
    load_checkin_settings(apps)
    load_checkin_permissions(apps)
