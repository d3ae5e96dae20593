"""API authentication: the browser session (with CSRF) for pages, bearer tokens with scopes for
systems and devices. A token is shown once at creation as `<prefix>.<secret>`; only a hash of the
secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

# Scopes a token may carry. Session users are not limited by scopes (their roles limit them).
SCOPES = {
    "read": "读取",
    "write": "写入",
    "admin": "管理",
    "devices": "设备上报",
}


def hash_secret(secret: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


def new_token_key() -> tuple[str, str]:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return prefix, secret


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        from .models import ApiToken

        prefix, _sep, secret = token.partition(".")
        if not prefix or not secret:
            return None
        row = ApiToken.objects.select_related("user", "user__agency").filter(prefix=prefix).first()
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= timezone.now():
            return None
        if not hmac.compare_digest(row.key_hash, hash_secret(secret)):
            return None
        if not row.user.is_active:
            return None
        # last_used_at is a hint for administrators; update at most once a minute per token.
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        request.auth_scopes = frozenset(row.scopes)
        request.auth_token = row
        return row.user


class PinganSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            request.auth_scopes = None  # not limited by scopes
        return user


session_or_token = [PinganSessionAuth(), TokenAuth()]


def require_scope(request, scope: str) -> None:
    scopes = getattr(request, "auth_scopes", None)
    if scopes is None:
        return
    if scope not in scopes and "admin" not in scopes:
        raise PermissionDenied(_("令牌缺少授权范围：%(scope)s") % {"scope": scope})
