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
    from pingan.core.settings_store import load_settings_file

    load_settings_file(DATA / "settings.json", apps=apps)


def load_permissions(apps=global_apps) -> None:
    from pingan.orgs.seed import load_permission_file

    load_permission_file(DATA / "permissions.json", apps=apps)


RULESET_FILES = [DATA / "sanction_ladder.json", DATA / "alert_escalation.json", DATA / "leave_approval.json"]


def load_rulesets(apps=global_apps) -> None:
    """Version 1 of each rule set when its key has none (core.rules.load_ruleset_file)."""
    from pingan.core.rules import load_ruleset_file

    for path in RULESET_FILES:
        load_ruleset_file(path, apps=apps)


def retire_core_silence_hours(apps=global_apps) -> None:
    """`corrections.silence.hours_by_level` is the one source of the silence threshold; the
    duplicate core key `corrections.silence_hours` is removed (its source moved here)."""
    Setting = apps.get_model("core", "Setting")
    Setting.objects.filter(key="corrections.silence_hours").delete()
    row = next(r for r in _json("settings.json")["settings"] if r["key"] == "corrections.silence.hours_by_level")
    Setting.objects.filter(key=row["key"]).update(description=row["description"], source=row["source"])


def load_all(apps=global_apps) -> None:
    load_boundary(apps)
    load_settings(apps)
    load_permissions(apps)
    load_rulesets(apps)
    retire_core_silence_hours(apps)
