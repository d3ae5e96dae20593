"""The OsmAnd/Traccar endpoint as `pingan serve` runs it: a plain WSGI handler in front of Django
for this one path, so a position report costs no session, CSRF, auth, OTP, CSP or template
machinery (devices send no cookies; the device identifier is the credential).

Same wire format, parsing and answers as the ninja endpoint in api.py (which the test client
and the OpenAPI schema use): 200 {"stored", "duplicates"} once the fix is committed; 400 for an
unknown device or a malformed fix; 429 over the device's limit; 503 with Retry-After when the
database cannot store it. Storing goes through the group-commit writer (osmand_writer).

Devices are looked up by the writer (one query per group, never from a request thread) and
cached per process for osmand_writer.DEVICE_TTL seconds, so deactivating a device takes effect
here within that time.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.errors import ApplicationError

from .osmand_writer import Item, RateLimited, Unavailable, cached_device, writer
from .parsing import osmand_identifier, parse_osmand_json, parse_osmand_query

PATH = "/api/v1/corrections/osmand"
MAX_BODY = 64 * 1024
RETRY_AFTER = "5"
WAIT = 30.0  # seconds a request waits for its group's commit before answering 503

logger = logging.getLogger("pingan.corrections.osmand")


def wrap(django_app):
    """The WSGI application: this path here, everything else to Django."""

    def application(environ, start_response):
        if environ.get("PATH_INFO") == PATH:
            return handle(environ, start_response)
        return django_app(environ, start_response)

    return application


def _answer(start_response, status: int, body: dict, headers: list[tuple[str, str]] | None = None):
    data = json.dumps(body, ensure_ascii=False).encode()
    reason = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed", 413: "Payload Too Large",
              429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                                          *(headers or [])])
    return [data]


def _error(start_response, status: int, message: str, code: str, field: str = "__all__", headers=None):
    body = {"detail": message, "errors": {field: [{"code": code, "message": message}]}}
    return _answer(start_response, status, body, headers)


def read_request(environ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    params: dict[str, Any] = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    if environ.get("REQUEST_METHOD") != "POST":
        return params, None
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY:
        raise ApplicationError(_("请求体过大。"), code="too_large", field="__all__")
    raw = environ["wsgi.input"].read(length) if length else b""
    ctype = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if ctype == "application/json" and raw:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApplicationError(_("请求体不是有效的 JSON。"), code="json_invalid", field="__all__") from None
        if not isinstance(body, dict):
            raise ApplicationError(_("须为对象。"), code="dict_type", field="__all__")
        return params, body
    if ctype == "application/x-www-form-urlencoded" and raw:
        params = {**params, **dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))}
    return params, None


def handle(environ, start_response):
    if environ.get("REQUEST_METHOD") not in ("GET", "POST"):
        return _error(start_response, 405, _("不支持的请求方法。"), "method_not_allowed",
                      headers=[("Allow", "GET, POST")])
    try:
        params, body = read_request(environ)
        identifier = osmand_identifier(params, body)
        item = Item(identifier=identifier, fix=None)  # type: ignore[arg-type]
        if cached_device(item) and not item.device_id:
            raise ApplicationError(_("未知设备。"), code="unknown_device", field="id")
        now = timezone.now()
        item.fix = parse_osmand_json(body, now=now) if body is not None else parse_osmand_query(params, now=now)
        future = writer().submit(item)
        state = future.result(timeout=WAIT)
    except ApplicationError as exc:
        status = 413 if exc.code == "too_large" else 400
        return _error(start_response, status, exc.message, exc.code, exc.field or "__all__")
    except RateLimited:
        return _error(start_response, 429, _("上报过于频繁，请稍后再试。"), "rate_limited",
                      headers=[("Retry-After", "60")])
    except (Unavailable, DatabaseError, TimeoutError):
        return _error(start_response, 503, _("暂时无法保存，请稍后重试。"), "unavailable",
                      headers=[("Retry-After", RETRY_AFTER)])
    except Exception:
        logger.exception("osmand request failed")
        return _error(start_response, 500, _("服务器内部错误。"), "server_error")
    stored = state == "stored"
    return _answer(start_response, 200, {"stored": int(stored), "duplicates": int(not stored)})
