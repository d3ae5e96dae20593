"""Shared fixtures. Users in different agencies and jurisdictions come from the same seeding code
that `pingan demo` uses, so tests and the demo agree on the org chart."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
