"""Loads the data files of search tasks, electronic monitoring and the office evaluation
(settings, permission rows). Called by migration 0009 with the historical registry, and by
`pingan demo` and tests with the live one. Idempotent."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps as global_apps

DATA = Path(__file__).parent / "data"
SETTINGS_FILE = DATA / "settings_supervision.json"
PERMISSIONS_FILE = DATA / "permissions_supervision.json"


def load_supervision_settings(apps=global_apps) -> None:
    from pingan.core.settings_store import load_settings_file

    load_settings_file(SETTINGS_FILE, apps=apps)


def load_supervision_data(apps=global_apps) -> None:
    from pingan.orgs.seed import load_permission_file

    load_supervision_settings(apps)
    load_permission_file(PERMISSIONS_FILE, apps=apps)
