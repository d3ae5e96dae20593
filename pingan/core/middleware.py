from __future__ import annotations

import logging
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


class ApiErrorBodyMiddleware:
    """Under /api/ every error answer has the API's error body, also the ones that never reach a
    ninja exception handler: an unknown URL (Django's 404 page), a wrong method (ninja's bare
    405), an exception outside an endpoint. Sits after LocaleMiddleware so messages follow
    Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and _is_api(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self._json(response.status_code, response)
        return response

    def process_exception(self, request, exception):
        if not _is_api(request):
            return None
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if isinstance(exception, Http404):
            return self._json(404)
        if isinstance(exception, PermissionDenied):
            return self._json(403)
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", request.path, exc_info=exception, extra={"status_code": 500}
        )
        return self._json(500)

    @staticmethod
    def _json(status: int, original=None):
        from django.http import JsonResponse

        from .api_errors import http_error_body

        response = JsonResponse(http_error_body(status), status=status, json_dumps_params={"ensure_ascii": False})
        if original is not None:
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if header in original:
                    response[header] = original[header]
        return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")
