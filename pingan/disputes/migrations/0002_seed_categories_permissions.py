"""Seed categories, the duplicate-window setting and the default permission rows from data files.
Existing rows are left alone so an administrator's edits survive re-running migrations."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"
ROLES_FILE = Path(__file__).resolve().parents[2] / "orgs" / "data" / "roles.json"


def seed(apps, schema_editor):
    Category = apps.get_model("disputes", "Category")
    for row in json.loads((DATA / "categories.json").read_text("utf-8"))["categories"]:
        Category.objects.get_or_create(code=row["code"], defaults={k: row[k] for k in ("name", "name_en", "order")})

    Setting = apps.get_model("core", "Setting")
    for row in json.loads((DATA / "settings.json").read_text("utf-8"))["settings"]:
        Setting.objects.get_or_create(
            key=row["key"], defaults={"value": row["value"], "description": row["description"], "source": row["source"]}
        )

    Role = apps.get_model("orgs", "Role")
    ObjectPermission = apps.get_model("orgs", "ObjectPermission")
    # The orgs seed normally created the roles already; create any missing ones from its file.
    known = {r["code"]: r for r in json.loads(ROLES_FILE.read_text("utf-8"))["roles"]}
    for row in json.loads((DATA / "permissions.json").read_text("utf-8"))["permissions"]:
        perm, created = ObjectPermission.objects.get_or_create(
            name=row["name"],
            defaults={
                "description": row["description"],
                "object_types": row["object_types"],
                "actions": row["actions"],
                "constraints": row["constraints"],
            },
        )
        if not created:
            continue
        for code in row["roles"]:
            spec = known.get(code, {"name": code})
            role, _ = Role.objects.get_or_create(
                code=code, defaults={"name": spec["name"], "name_en": spec.get("name_en", ""), "home": spec.get("home", "")}
            )
            perm.roles.add(role)


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0001_initial"),
        ("core", "0005_settings_seed"),
        ("orgs", "0002_seed_divisions_roles"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
