from __future__ import annotations

import uuid

from . import context


def client_ip(request) -> str | None:
    # Behind a reverse proxy set PINGAN_TRUST_X_FORWARDED_FOR=1 (README "Production").
    from django.conf import settings

    if getattr(settings, "PINGAN_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    """Gives every request an id (kept from X-Request-ID when a proxy sets one) that appears in
    logs, audit entries and the response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        request.request_id = rid
        token = context.set_current(
            context.RequestContext(
                request_id=rid,
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = rid
        return response
