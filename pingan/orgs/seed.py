"""Loads the shipped org-chart data: the district's divisions and the default roles and permission
rows. The data migration, `pingan demo` and the test fixtures all call `seed()`, so the three
agree. Idempotent: rows are matched by division code, role code and permission name, and updated
to what the files say.

Domain apps add permission rows (and, if they need them, roles) with a file shaped like
`data/roles.json` and register it in their AppConfig.ready():

    from pingan.orgs.seed import register_permission_file
    register_permission_file(Path(__file__).parent / "data" / "permissions.json")

and load it in their own data migration with `load_permission_file(path, apps=apps)`, so a fresh
database has the rows without running the demo.

Functions take an `apps` registry: a migration passes its historical one, where model methods
such as `Jurisdiction.save()` do not exist, so paths are computed here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings

DATA_DIR = Path(__file__).resolve().parent / "data"
ROLES_FILE = DATA_DIR / "roles.json"

_permission_files: list[Path] = [ROLES_FILE]


def register_permission_file(path: Path | str) -> None:
    path = Path(path).resolve()
    if path not in _permission_files:
        _permission_files.append(path)


def permission_files() -> list[Path]:
    return list(_permission_files)


def divisions_file(district_code: str | None = None) -> Path:
    code = district_code or settings.PINGAN_DISTRICT_CODE
    return DATA_DIR / f"divisions_{code[:6]}.json"


def read_json(path: Path | str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source_label(data: dict[str, Any]) -> str:
    s = data["source"]
    return f"{s['package']} {s['version']}（{s['licence']}，{s['upstream']}），{s['read_on']} 读取"


def load_divisions(*, apps=global_apps, path: Path | str | None = None) -> int:
    """The district and its townships/streets; revoked units stay, inactive, so old records resolve."""
    Jurisdiction = apps.get_model("orgs", "Jurisdiction")
    data = read_json(path or divisions_file())
    source = source_label(data)
    d = data["district"]
    district, _ = Jurisdiction.objects.update_or_create(
        code=d["code"],
        defaults={"name": d["name"], "level": 1, "kind": d.get("kind", ""), "parent": None,
                  "path": f"{d['code']}/", "is_active": True, "is_demo": False, "source": source},
    )
    for unit in data["townships"]:
        Jurisdiction.objects.update_or_create(
            code=unit["code"],
            defaults={"name": unit["name"], "level": 2, "kind": unit["kind"], "parent": district,
                      "path": f"{district.path}{unit['code']}/", "is_active": unit["is_active"],
                      "is_demo": False, "source": source},
        )
    return 1 + len(data["townships"])


def load_permission_file(path: Path | str, *, apps=global_apps) -> None:
    """Roles (by code) and permission rows (by name) from one file; a row's roles are set to the
    roles the file lists."""
    Role = apps.get_model("orgs", "Role")
    ObjectPermission = apps.get_model("orgs", "ObjectPermission")
    data = read_json(path)
    for r in data.get("roles", []):
        Role.objects.update_or_create(
            code=r["code"],
            defaults={"name": r["name"], "name_en": r.get("name_en", ""), "description": r.get("description", ""),
                      "home": r.get("home", ""), "requires_2fa": bool(r.get("requires_2fa", False))},
        )
    for p in data.get("permissions", []):
        defaults = {"description": p.get("description", ""), "object_types": p["object_types"],
                    "actions": p["actions"], "constraints": p.get("constraints")}
        if apps is global_apps:
            from .permissions import validate_permission_row

            validate_permission_row(ObjectPermission(name=p["name"], **defaults))
        perm, _ = ObjectPermission.objects.update_or_create(name=p["name"], defaults=defaults)
        codes = p.get("roles", [])
        roles = list(Role.objects.filter(code__in=codes))
        missing = set(codes) - {r.code for r in roles}
        if missing:
            raise ValueError(f"{path}: permission {p['name']!r} names unknown roles {sorted(missing)}")
        perm.roles.set(roles)


def seed(*, apps=global_apps) -> None:
    """Everything shipped: divisions, then every registered permission file (orgs' first)."""
    load_divisions(apps=apps)
    for path in permission_files():
        load_permission_file(path, apps=apps)
