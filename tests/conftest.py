"""Shared fixtures. Users in different agencies and jurisdictions come from the same seeding code
that `pingan demo` uses, so tests and the demo agree on the org chart."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English through the test client
    leaves English active in the thread (LocaleMiddleware does not deactivate), which made a later
    test that reads Chinese validation messages fail depending on test order."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


# --- the org chart (pingan/orgs/seed.py + pingan/orgs/demo.py) ---------------------------------
# `district` re-runs the seed (idempotent) because a transactional test elsewhere in the same
# worker may have flushed what the data migration loaded.
TEST_PASSWORD = "test-Pass-2026"


@pytest.fixture
def district(db):
    """水城区 with its townships, the default roles and permission rows."""
    from django.conf import settings as dj_settings

    from pingan.orgs.models import Jurisdiction
    from pingan.orgs.seed import seed

    seed()
    return Jurisdiction.objects.get(code=dj_settings.PINGAN_DISTRICT_CODE)


@pytest.fixture
def make_user(district):
    """make_user("justice_staff", "jo-520204104", username=…, **User fields) → a user with that role
    in that agency. Agency codes are those of pingan/orgs/data/demo_district.json (plus
    "jo-<9-digit township code>" for any township's 司法所); the agency, its parents and its
    village are created on demand. Password: TEST_PASSWORD."""
    from pingan.orgs.demo import ensure_agency
    from pingan.orgs.services import create_user

    counter = iter(range(1, 10_000))

    def make(role_code: str | None, agency_code: str | None = None, **kw):
        agency = ensure_agency(agency_code) if agency_code else None
        roles = kw.pop("roles", [role_code] if role_code else [])
        username = kw.pop("username", None) or f"{role_code or 'user'}_{next(counter)}"
        return create_user(by=None, username=username, password=kw.pop("password", TEST_PASSWORD), roles=roles,
                           agency=agency, check_password=False, **kw)

    return make


@pytest.fixture
def district_leader(make_user):
    return make_user("district_leader", "plc", username="district_leader")


@pytest.fixture
def township_official(make_user):
    """勺米镇党委政府."""
    return make_user("township_official", "gov-shaomi", username="township_official")


@pytest.fixture
def justice_staff(make_user):
    """勺米镇司法所."""
    return make_user("justice_staff", "jo-520204104", username="justice_staff")


@pytest.fixture
def village_mediator(make_user):
    """勺米村 (勺米镇) village mediation committee."""
    return make_user("village_mediator", "mc-v-shaomi-cun", username="village_mediator_shaomi")


@pytest.fixture
def other_village_mediator(make_user):
    """黄土坡社区 (双水街道): a village in another township, for denied cases."""
    return make_user("village_mediator", "mc-v-huangtupo", username="village_mediator_huangtupo")
