"""API authentication: the browser session (with CSRF) for pages, bearer tokens with scopes for
systems and devices. A token is shown once at creation as `<prefix>.<secret>`; only a hash of the
secret is stored."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from pingan.core import ninja_compat  # noqa: F401  (decorated endpoints; see the module)

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


_TOKEN_RE = re.compile(r"^[0-9a-f]{12}\.[A-Za-z0-9_-]{20,100}$")


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        from .models import ApiToken

        # Refuse malformed tokens before touching the database (a NUL byte would make
        # PostgreSQL raise instead of answering "no such token").
        if not _TOKEN_RE.match(token):
            return None
        prefix, _sep, secret = token.partition(".")
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
    """The browser session, CSRF-checked on unsafe methods. A request that carries a bearer token
    or no session cookie is not a session request at all, so it skips the CSRF check (otherwise
    a device POSTing with a token would be refused for lacking a CSRF cookie it never had)."""

    def __call__(self, request):
        if request.META.get("HTTP_AUTHORIZATION") or self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        from .twofactor import needs_otp

        # A user whose role requires two factors has no API session until the TOTP step is done.
        if needs_otp(request, user):
            return None
        request.auth_scopes = None  # not limited by scopes
        return user


session_or_token = [TokenAuth(), PinganSessionAuth()]


def require_scope(request, scope: str) -> None:
    scopes = getattr(request, "auth_scopes", None)
    if scopes is None:
        return
    if scope not in scopes and "admin" not in scopes:
        raise PermissionDenied(_("令牌缺少授权范围：%(scope)s") % {"scope": scope})


F = TypeVar("F", bound=Callable[..., Any])


def scope_required(scope: str) -> Callable[[F], F]:
    """Endpoint decorator: a token must carry `scope` (or "admin"); session users pass, their
    roles limit them. Put it under the router decorator:

        @router.post("/things")
        @scope_required("write")
        def create_thing(request, payload: ThingIn): ...
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            require_scope(request, scope)
            return func(request, *args, **kwargs)

        wrapper.required_scope = scope  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator

