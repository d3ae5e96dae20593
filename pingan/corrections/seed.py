"""Loads the app's data files (boundary, thresholds, permission rows). Called by migration
0002_seed with the historical app registry, and by hand with the live one."""

from __future__ import annotations

import json
from pathlib import Path

from django.apps import apps as global_apps

DATA = Path(__file__).parent / "data"
BOUNDARY_FILE = DATA / "shuicheng_520204_wgs84.geojson"


def _json(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def load_boundary(apps=global_apps) -> None:
    PermittedArea = apps.get_model("corrections", "PermittedArea")
    feature = json.loads(BOUNDARY_FILE.read_text(encoding="utf-8"))
    props = feature["properties"]
    PermittedArea.objects.get_or_create(
        name=props["name"],
        kind="district",
        supervisee=None,
        defaults={"geometry": feature["geometry"], "source": props["source"]},
    )


def load_settings(apps=global_apps) -> None:
    Setting = apps.get_model("core", "Setting")
    data = _json("settings.json")
    for row in data["settings"]:
        Setting.objects.get_or_create(
            key=row["key"],
            defaults={"value": row["value"], "description": row["description"], "source": row["source"]},
        )


def load_permissions(apps=global_apps) -> None:
    from pingan.orgs.seed import load_permission_file

    load_permission_file(DATA / "permissions.json", apps=apps)


def load_all(apps=global_apps) -> None:
    load_boundary(apps)
    load_settings(apps)
    load_permissions(apps)
