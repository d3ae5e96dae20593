"""Token management: the service, the endpoints and the management command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from pingan.core.audit import AuditEvent
from pingan.core.models import AuditEntry
from pingan.orgs.api_auth import hash_secret
from pingan.orgs.models import ApiToken
from pingan.orgs.services_tokens import create_token, revoke_token

from .orgchart import make_user


@pytest.mark.django_db
def test_create_token_stores_only_a_hash_and_audits(leader):
    row, plaintext = create_token(user=leader, name="对接系统", scopes=["write", "read", "read"], by=leader)
    prefix, secret = plaintext.split(".")
    assert row.prefix == prefix
    assert row.key_hash == hash_secret(secret)
    assert secret not in row.key_hash
    assert row.scopes == ["read", "write"]
    entry = AuditEntry.objects.get(event_type=AuditEvent.TOKEN_CREATED)
    assert entry.object_id == str(row.pk)
    assert entry.actor_id == leader.pk
    assert secret not in str(entry.after)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["root"]}, "scopes"),
        ({"scopes": ["read"], "expires_at": "past"}, "expires_at"),
        ({"scopes": ["read"], "name": ""}, "name"),
    ],
)
@pytest.mark.django_db
def test_create_token_refuses_bad_input(leader, kwargs, field):
    kwargs = {"name": "t", **kwargs}
    if kwargs.get("expires_at") == "past":
        kwargs["expires_at"] = timezone.now() - timedelta(minutes=1)
    with pytest.raises(ValidationError) as info:
        create_token(user=leader, by=leader, **kwargs)
    assert field in info.value.message_dict
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(event_type=AuditEvent.TOKEN_CREATED).exists()


@pytest.mark.django_db
def test_revoke_is_audited_once(leader):
    row, _ = create_token(user=leader, name="t", scopes=["read"], by=leader)
    revoke_token(token=row, by=leader)
    revoke_token(token=row, by=leader)
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert AuditEntry.objects.filter(event_type=AuditEvent.TOKEN_REVOKED).count() == 1


@pytest.mark.django_db
def test_endpoints_list_create_and_revoke_own_tokens(client, leader, mediator):
    other, _ = create_token(user=mediator, name="别人的", scopes=["read"], by=mediator)
    client.force_login(leader)
    created = client.post("/api/v1/orgs/tokens", {"name": "新令牌", "scopes": ["read"]}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith(body["prefix"] + ".")
    listed = client.get("/api/v1/orgs/tokens").json()
    assert listed["count"] == 1
    assert [t["name"] for t in listed["items"]] == ["新令牌"]
    assert "token" not in listed["items"][0]
    # someone else's token looks like a missing one
    assert client.delete(f"/api/v1/orgs/tokens/{other.pk}").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    assert client.delete(f"/api/v1/orgs/tokens/{body['id']}").status_code == 204
    assert client.get("/api/v1/orgs/tokens").json()["items"][0]["revoked_at"] is not None
    assert client.get("/api/v1/orgs/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}").status_code == 401


@pytest.mark.django_db
def test_create_token_endpoint_rejects_unknown_fields_and_scopes(client, leader):
    client.force_login(leader)
    response = client.post(
        "/api/v1/orgs/tokens", {"name": "t", "scopes": ["root"], "owner": 1}, content_type="application/json"
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["owner"][0]["code"] == "extra_forbidden"
    assert "scopes.0" in errors
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_management_command_prints_the_token_once(org):
    user = make_user("device_owner", "district_leader", org.bureau)
    out = StringIO()
    call_command("create_token", "device_owner", "--name", "定位终端", "--scope", "devices", "--days", "30", stdout=out)
    plaintext = out.getvalue().strip().splitlines()[-1]
    row = ApiToken.objects.get(user=user)
    assert plaintext.startswith(row.prefix + ".")
    assert row.scopes == ["devices"]
    assert row.expires_at is not None
    assert (row.expires_at - timezone.now()).days in (29, 30)
    with pytest.raises(CommandError):
        call_command("create_token", "nobody", "--name", "x", "--scope", "read", stdout=StringIO())
