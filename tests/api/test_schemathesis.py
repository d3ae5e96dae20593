"""Fuzz the whole live API from its own OpenAPI document (schemathesis, in-process WSGI): no input
may give a 5xx, and every answer must match the documented status codes and schemas. Runs as a
district leader with an all-scopes token, so the generated requests reach the endpoints' logic."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from pingan.orgs.services_tokens import create_token

from .orgchart import make_user


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The raw WSGI handler closes "old" database connections at each request's start and end,
    which would close the test's transaction on PostgreSQL; Django's own test client disconnects
    the same signal handler for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(org):
    user = make_user("fuzz_leader", "district_leader", org.bureau)
    _row, plaintext = create_token(user=user, name="schemathesis", scopes=["read", "write", "admin", "devices"], by=user)
    return {"Authorization": f"Bearer {plaintext}"}


# Loaded through the WSGI app itself, so this also checks /api/v1/openapi.json answers.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@pytest.mark.django_db
def test_api_conforms_to_its_schema(case, bearer):
    # Not "schema-valid data must be accepted" (a past expiry date or two mutually exclusive
    # fields are schema-valid and rightly refused with 422) nor "schema-violating data must be
    # refused" (pydantic's lax mode accepts 0 as a date, 1 for "1"): those are policy, not bugs.
    case.call_and_validate(headers=bearer, checks=CHECKS)


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
