"""Two-factor login (TOTP, django-otp) for users whose role has `requires_2fa`.

After the password step such a user may reach only the TOTP pages (verify, or enrol when they
have no confirmed device yet), logout and the language switch; every other page redirects there,
and the API does not accept their session until the code is verified.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from pingan.core.audit import AuditEvent, record

# Paths a half-logged-in user may still reach. /api/ answers 401 itself (see api_auth).
_OPEN_PREFIXES = ("/i18n/", "/healthz", "/api/")
_OPEN_URL_NAMES = ("login", "logout", "otp_verify", "otp_enrol")


def requires_2fa(user) -> bool:
    cached = getattr(user, "_pingan_requires_2fa", None)
    if cached is None:
        cached = bool(user.is_authenticated and user.roles.filter(requires_2fa=True).exists())
        user._pingan_requires_2fa = cached
    return cached


def needs_otp(request, user) -> bool:
    """True while a user who must use two factors has not verified a code in this session."""
    if not requires_2fa(user):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (created on first visit, reused on reload so the QR
    code the user scanned stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def qr_svg(data: str) -> str:
    """An inline SVG QR code, drawn on the server (no external service, no inline style)."""
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue().decode()


def verify(request, *, device: TOTPDevice, token: str) -> bool:
    """Check a code against the device; on success mark the session verified."""
    token = token.strip().replace(" ", "")
    if not token.isdigit() or not device.verify_token(token):
        return False
    otp_login(request, device)
    return True


def confirm_enrolment(request, *, device: TOTPDevice, token: str) -> bool:
    """The first correct code confirms the new device (audited) and verifies the session."""
    token = token.strip().replace(" ", "")
    if not token.isdigit() or not device.verify_token(token):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(
            actor=request.user,
            event_type=AuditEvent.USER_CHANGED,
            action="enrol_totp",
            obj=request.user,
            after={"totp_device": device.pk},
        )
    otp_login(request, device)
    return True


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and not request.path.startswith(settings.STATIC_URL)
            and request.path not in {reverse(name) for name in _OPEN_URL_NAMES}
            and needs_otp(request, user)
        ):
            target = reverse("otp_verify") if confirmed_device(user) else reverse("otp_enrol")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def base32_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it by hand, in groups of four."""
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
