"""API tokens: creation and revocation. The plaintext `<prefix>.<secret>` is returned once and
never stored; only a keyed hash of the secret is kept (orgs.api_auth.hash_secret)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record

from .api_auth import SCOPES, hash_secret, new_token_key
from .models import ApiToken, User


def _token_repr(row: ApiToken) -> dict:
    return {
        "name": row.name,
        "prefix": row.prefix,
        "scopes": list(row.scopes),
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "user": row.user_id,
    }


def create_token(
    *, user: User, name: str, scopes: list[str], expires_at: datetime | None = None, by
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the plaintext (shown to the caller once)."""
    errors: dict[str, list[str]] = {}
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes:
        errors.setdefault("scopes", []).append(_("至少选择一个授权范围。"))
    elif unknown:
        errors.setdefault("scopes", []).append(
            _("未知的授权范围：%(s)s；可选：%(all)s") % {"s": ", ".join(unknown), "all": ", ".join(SCOPES)}
        )
    if expires_at is not None and expires_at <= timezone.now():
        errors.setdefault("expires_at", []).append(_("过期时间须晚于现在。"))
    if not user.is_active:
        errors.setdefault("user", []).append(_("该用户已停用。"))
    if errors:
        raise ValidationError(errors)
    prefix, secret = new_token_key()
    row = ApiToken(
        user=user,
        name=name.strip(),
        prefix=prefix,
        key_hash=hash_secret(secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    row.full_clean()
    with transaction.atomic():
        row.save()
        record(actor=by, event_type=AuditEvent.TOKEN_CREATED, action="create", obj=row, after=_token_repr(row))
    return row, f"{prefix}.{secret}"


def revoke_token(*, token: ApiToken, by, reason: str = "") -> ApiToken:
    """Revoke a token; revoking an already revoked token changes nothing and records nothing."""
    with transaction.atomic():
        row = ApiToken.objects.select_for_update().get(pk=token.pk)
        if row.revoked_at is not None:
            return row
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        record(
            actor=by,
            event_type=AuditEvent.TOKEN_REVOKED,
            action="revoke",
            obj=row,
            before={"revoked_at": None},
            after={"revoked_at": row.revoked_at.isoformat()},
            reason=reason,
        )
    return row
