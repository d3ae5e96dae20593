"""One error body for the whole API:

    {"detail": "<summary>", "errors": {"<field>": [{"code": "<code>", "message": "<text>"}]}}

Field paths use dots ("parties.0.id_number"); "__all__" holds errors not tied to a field.
Messages are in the request's language (zh-Hans by default, English with Accept-Language: en).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from .errors import ApplicationError

logger = logging.getLogger("pingan.api")


def error_body(detail: str, errors: dict[str, list[dict[str, str]]] | None = None) -> dict:
    return {"detail": detail, "errors": errors or {}}


def _pydantic_message(err: dict) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    # Translate the common pydantic error kinds; fall back to pydantic's English text.
    messages = {
        "missing": _("必填项。"),
        "extra_forbidden": _("不允许的字段。"),
        "string_type": _("须为字符串。"),
        "int_type": _("须为整数。"),
        "int_parsing": _("须为整数。"),
        "float_parsing": _("须为数字。"),
        "float_type": _("须为数字。"),
        "bool_parsing": _("须为布尔值。"),
        "bool_type": _("须为布尔值。"),
        "date_from_datetime_parsing": _("日期格式无效，应为 YYYY-MM-DD。"),
        "date_parsing": _("日期格式无效，应为 YYYY-MM-DD。"),
        "date_type": _("日期格式无效，应为 YYYY-MM-DD。"),
        "datetime_parsing": _("时间格式无效，应为 ISO 8601。"),
        "datetime_from_date_parsing": _("时间格式无效，应为 ISO 8601。"),
        "datetime_type": _("时间格式无效，应为 ISO 8601。"),
        "list_type": _("须为列表。"),
        "dict_type": _("须为对象。"),
        "model_attributes_type": _("须为对象。"),
        "json_invalid": _("请求体不是有效的 JSON。"),
        "string_too_long": _("过长（最多 %(n)s 个字符）。") % {"n": ctx.get("max_length", "?")},
        "string_too_short": _("过短（至少 %(n)s 个字符）。") % {"n": ctx.get("min_length", "?")},
        "greater_than_equal": _("不能小于 %(n)s。") % {"n": ctx.get("ge", "?")},
        "less_than_equal": _("不能大于 %(n)s。") % {"n": ctx.get("le", "?")},
        "greater_than": _("须大于 %(n)s。") % {"n": ctx.get("gt", "?")},
        "less_than": _("须小于 %(n)s。") % {"n": ctx.get("lt", "?")},
        "enum": _("取值无效，可选：%(v)s。") % {"v": ctx.get("expected", "")},
        "literal_error": _("取值无效，可选：%(v)s。") % {"v": ctx.get("expected", "")},
    }
    if kind == "value_error":
        # Our own validators raise ValueError with an already translated message.
        return str(ctx.get("error", err.get("msg", "")))
    return messages.get(kind, err.get("msg", _("无效。")))


def _field_path(loc: tuple | list) -> str:
    # ninja prefixes locations with the parameter source ("body", "query", "path") and the
    # argument name; keep what the client sent.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
        if len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts) or "__all__"


def django_errors(exc: DjangoValidationError) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            for e in errs:
                msg = e.message % e.params if e.params else e.message
                out.setdefault(field or "__all__", []).append({"code": e.code or "invalid", "message": str(msg)})
    else:
        for e in exc.error_list:
            msg = e.message % e.params if e.params else e.message
            out.setdefault("__all__", []).append({"code": e.code or "invalid", "message": str(msg)})
    return out


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc: NinjaValidationError):
        errors: dict[str, list[dict[str, str]]] = {}
        for err in exc.errors:
            errors.setdefault(_field_path(err.get("loc", ())), []).append(
                {"code": str(err.get("type", "invalid")), "message": _pydantic_message(err)}
            )
        return api.create_response(request, error_body(_("输入有误。"), errors), status=422)

    @api.exception_handler(DjangoValidationError)
    def _django_validation(request, exc: DjangoValidationError):
        return api.create_response(request, error_body(_("输入有误。"), django_errors(exc)), status=422)

    @api.exception_handler(ApplicationError)
    def _application(request, exc: ApplicationError):
        errors = {exc.field or "__all__": [{"code": exc.code, "message": exc.message}]}
        return api.create_response(request, error_body(exc.message, errors), status=exc.status)

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return api.create_response(request, error_body(_("记录不存在或无权查看。")), status=404)

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return api.create_response(request, error_body(str(exc) or _("无权执行此操作。")), status=403)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return api.create_response(request, error_body(_("未登录或令牌无效。")), status=401)

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        return api.create_response(request, http_error_body(exc.status_code, str(exc)), status=exc.status_code)

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def _database_unavailable(request, exc):
        # The database is restarting, unreachable or locked past the busy timeout: nothing was
        # committed, so tell the client to retry (device clients do) instead of answering 500.
        logger.warning("database unavailable", exc_info=exc, extra={"path": request.path})
        response = api.create_response(request, error_body(_("数据库暂时不可用，请稍后重试。"), {
            "__all__": [{"code": "unavailable", "message": _("数据库暂时不可用，请稍后重试。")}]}), status=503)
        response["Retry-After"] = "5"
        return response

    @api.exception_handler(Exception)
    def _server_error(request, exc: Exception):
        # A server error is a bug: log it with the traceback (and the request id, via the log
        # filter) and answer in the same shape as every other error, without internals.
        logger.error("unhandled API error", exc_info=exc, extra={"path": request.path})
        return api.create_response(request, error_body(_("服务器内部错误，请联系系统管理员。")), status=500)


def http_error_body(status: int, message: str = "") -> dict:
    """The error body for a bare HTTP status (ninja's own errors, Django's 404/405 under /api/),
    with a message in the user's language instead of the framework's English text."""
    if status == 400 and message.startswith("Cannot parse request body"):
        text = _("请求体不是有效的 JSON。")
        return error_body(text, {"__all__": [{"code": "json_invalid", "message": text}]})
    if status == 403 and message.startswith("CSRF"):
        return error_body(_("CSRF 校验失败，请刷新页面后重试。"))
    generic = {
        400: _("请求无效。"),
        401: _("未登录或令牌无效。"),
        403: _("无权执行此操作。"),
        404: _("记录不存在或无权查看。"),
        405: _("不支持该请求方法。"),
        406: _("无法提供所请求的格式。"),
        413: _("请求体过大。"),
        415: _("不支持的请求体格式。"),
        429: _("请求过于频繁，请稍后再试。"),
        500: _("服务器内部错误，请联系系统管理员。"),
    }
    # ninja's and Django's own English defaults are replaced; a message we wrote is kept.
    if status in generic and (not message or message in _FRAMEWORK_DEFAULTS):
        return error_body(generic[status])
    return error_body(message or _("请求无效。"))


_FRAMEWORK_DEFAULTS = {"Unauthorized", "Forbidden", "Not Found", "Method not allowed", "Bad Request"}


# --- the error body in the OpenAPI document -------------------------------------------------------

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string", "description": "一句话说明"},
        "errors": {
            "type": "object",
            "description": '按字段列出的错误；"__all__" 为不属于某字段的错误',
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    },
}

# Every operation may answer these; each is documented with the common error body so clients
# (and schemathesis) know the shape. 404 covers both "missing" and "outside your scope".
DOCUMENTED_ERRORS = {
    "400": "请求无效（如请求体不是 JSON）",
    "401": "未登录或令牌无效",
    "403": "无权执行此操作，或令牌缺少授权范围",
    "404": "记录不存在或无权查看",
    "409": "记录已被他人修改",
    "422": "输入有误（按字段列出）",
}


class PinganAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                for status, description in DOCUMENTED_ERRORS.items():
                    responses.setdefault(status, {"description": description, **ref})
        return schema
