"""Demo org chart for `pingan demo` and the test fixtures: demo villages and village groups, the
district's agencies and a login for every role, read from data/demo_district.json.

Everything is created through the services (so it is audited) and only when missing, so a
second run changes nothing. `ensure_agency(code)` builds one agency with just the parents and
jurisdictions it needs, which keeps test fixtures small.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from django.conf import settings

from pingan.core.demo import DemoLogin

from . import services
from .models import Agency, Jurisdiction, Role, User
from .seed import DATA_DIR, read_json, seed

DEMO_FILE = DATA_DIR / "demo_district.json"
DEMO_SOURCE = "演示数据（pingan demo）"


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    return read_json(DEMO_FILE)


def demo_password(username: str) -> str:
    """A fixed password per demo user, printed by `pingan demo`; derived so reruns agree."""
    return "Demo-" + hashlib.sha256(f"pingan-demo:{username}".encode()).hexdigest()[:10]


def _jurisdiction_spec(code: str) -> dict[str, Any] | None:
    return next((j for j in spec()["jurisdictions"] if j["code"] == code), None)


def ensure_jurisdiction(code: str) -> Jurisdiction:
    """The division with this code; a demo village/group is created (with its parents) if missing.
    The district and townships come from the seed."""
    found = Jurisdiction.objects.filter(code=code).first()
    if found:
        return found
    item = _jurisdiction_spec(code)
    if item is None:
        raise LookupError(f"no jurisdiction {code} in the seed or the demo data")
    parent_code = code[:12] if len(code) == 15 else code[:9] + "000"
    parent = ensure_jurisdiction(parent_code)
    return services.create_jurisdiction(by=None, code=code, name=item["name"], kind=item["kind"], parent=parent,
                                        is_demo=True, source=DEMO_SOURCE)


def _agency_spec(code: str) -> dict[str, Any] | None:
    item = next((a for a in spec()["agencies"] if a["code"] == code), None)
    if item is not None:
        return item
    jo = spec()["justice_offices"]
    if code.startswith(jo["code_prefix"]):
        township = Jurisdiction.objects.filter(code=code[len(jo["code_prefix"]):] + "000", level=2).first()
        if township is not None:
            return {"code": code, "name": jo["name"].format(township=township.name), "kind": "justice_office",
                    "jurisdiction": township.code, "parent": jo["parent"]}
    return None


def ensure_agency(code: str) -> Agency:
    found = Agency.objects.filter(code=code).first()
    if found:
        return found
    item = _agency_spec(code)
    if item is None:
        raise LookupError(f"no agency {code!r} in the demo data")
    parent = ensure_agency(item["parent"]) if item.get("parent") else None
    return services.create_agency(
        by=None, code=code, name=item["name"], short_name=item.get("short_name", ""), kind=item["kind"],
        tier=item.get("tier", ""), jurisdiction=ensure_jurisdiction(item["jurisdiction"]), parent=parent,
        is_demo=True,
    )


def justice_office_codes() -> list[str]:
    prefix = spec()["justice_offices"]["code_prefix"]
    district = settings.PINGAN_DISTRICT_CODE
    townships = Jurisdiction.objects.filter(parent__code=district, level=2, is_active=True).order_by("code")
    return [prefix + t.code[:9] for t in townships]


def ensure_user(item: dict[str, Any]) -> tuple[User, str]:
    password = demo_password(item["username"])
    user = User.objects.filter(username=item["username"]).first()
    if user is None:
        extra = {k: item[k] for k in ("is_staff", "is_superuser") if k in item}
        user = services.create_user(
            by=None, username=item["username"], password=password, roles=[item["role"]],
            agency=ensure_agency(item["agency"]), full_name=item.get("full_name", ""), is_demo=True, **extra,
        )
    elif not user.check_password(password):
        # Someone changed a demo password: put back the one we print.
        services.set_user_password(by=None, user=user, password=password)
    return user, password


def load(*, stdout=None) -> list[DemoLogin]:
    seed()
    for item in spec()["jurisdictions"]:
        ensure_jurisdiction(item["code"])
    for item in spec()["agencies"]:
        ensure_agency(item["code"])
    for code in justice_office_codes():
        ensure_agency(code)
    roles = dict(Role.objects.values_list("code", "name"))
    logins = []
    for item in spec()["users"]:
        user, password = ensure_user(item)
        agency = user.agency.short_name or user.agency.name if user.agency else ""
        logins.append(DemoLogin(user.username, roles.get(item["role"], item["role"]), agency, password))
    return logins
