"""API authentication: session (with CSRF), bearer tokens, scopes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from pingan.orgs.models import ApiToken
from pingan.orgs.services_tokens import create_token, revoke_token

from .orgchart import make_user


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.django_db
def test_session_user_reads_own_profile(client, leader):
    client.force_login(leader)
    response = client.get("/api/v1/orgs/me")
    assert response.status_code == 200
    assert response.json()["username"] == "leader"
    assert response.json()["roles"] == ["district_leader"]


@pytest.mark.django_db
def test_session_write_needs_csrf_token(leader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    body = {"name": "x", "scopes": ["read"]}
    refused = client.post("/api/v1/orgs/tokens", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "CSRF 校验失败，请刷新页面后重试。"
    client.get("/")  # a page with a form sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/orgs/tokens", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.content


@pytest.mark.django_db
def test_token_authenticates_and_records_last_use(client, leader):
    row, plaintext = create_token(user=leader, name="设备", scopes=["read"], by=leader)
    assert row.last_used_at is None
    response = client.get("/api/v1/orgs/me", **bearer(plaintext))
    assert response.status_code == 200
    assert response.json()["id"] == leader.pk
    row.refresh_from_db()
    assert row.last_used_at is not None


@pytest.mark.django_db
def test_token_post_needs_no_csrf(leader):
    _row, plaintext = create_token(user=leader, name="系统", scopes=["read", "write"], by=leader)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/orgs/tokens", {"name": "子令牌", "scopes": ["read"]}, content_type="application/json", **bearer(plaintext)
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "token",
    ["nonsense", "abcdefabcdef.wrong-secret-but-well-formed-123", "abc.def", "\x00" * 20, ""],
)
@pytest.mark.django_db
def test_bad_tokens_are_401(client, leader, token):
    create_token(user=leader, name="真令牌", scopes=["read"], by=leader)
    response = client.get("/api/v1/orgs/me", **bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录或令牌无效。", "errors": {}}


@pytest.mark.django_db
def test_wrong_secret_for_existing_prefix_is_401(client, leader):
    row, plaintext = create_token(user=leader, name="t", scopes=["read"], by=leader)
    forged = f"{row.prefix}.{'A' * 43}"
    assert forged != plaintext
    assert client.get("/api/v1/orgs/me", **bearer(forged)).status_code == 401


@pytest.mark.django_db
def test_expired_token_is_401(client, leader):
    row, plaintext = create_token(
        user=leader, name="t", scopes=["read"], expires_at=timezone.now() + timedelta(hours=1), by=leader
    )
    assert client.get("/api/v1/orgs/me", **bearer(plaintext)).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/orgs/me", **bearer(plaintext)).status_code == 401


@pytest.mark.django_db
def test_revoked_token_is_401(client, leader):
    row, plaintext = create_token(user=leader, name="t", scopes=["read"], by=leader)
    revoke_token(token=row, by=leader)
    assert client.get("/api/v1/orgs/me", **bearer(plaintext)).status_code == 401


@pytest.mark.django_db
def test_inactive_users_token_is_401(client, leader):
    _row, plaintext = create_token(user=leader, name="t", scopes=["read"], by=leader)
    leader.is_active = False
    leader.save()
    assert client.get("/api/v1/orgs/me", **bearer(plaintext)).status_code == 401


@pytest.mark.django_db
def test_missing_scope_is_403(client, leader):
    _row, plaintext = create_token(user=leader, name="只读", scopes=["read"], by=leader)
    response = client.post(
        "/api/v1/orgs/tokens", {"name": "x", "scopes": ["read"]}, content_type="application/json", **bearer(plaintext)
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "令牌缺少授权范围：write"
    assert ApiToken.objects.filter(user=leader).count() == 1


@pytest.mark.django_db
def test_token_cannot_mint_a_stronger_token(client, leader):
    _row, plaintext = create_token(user=leader, name="写", scopes=["read", "write"], by=leader)
    response = client.post(
        "/api/v1/orgs/tokens", {"name": "x", "scopes": ["admin"]}, content_type="application/json", **bearer(plaintext)
    )
    assert response.status_code == 403
    assert ApiToken.objects.filter(user=leader).count() == 1


@pytest.mark.django_db
def test_admin_scope_covers_write(client, leader):
    _row, plaintext = create_token(user=leader, name="管理", scopes=["admin"], by=leader)
    response = client.post(
        "/api/v1/orgs/tokens", {"name": "x", "scopes": ["write"]}, content_type="application/json", **bearer(plaintext)
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_user_whose_role_needs_2fa_has_no_api_session_until_verified(client, org):
    admin = make_user("admin1", "admin", org.bureau)
    client.force_login(admin)
    assert client.get("/api/v1/orgs/me").status_code == 401
