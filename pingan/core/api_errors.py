"""One error body for the whole API:

    {"detail": "<summary>", "errors": {"<field>": [{"code": "<code>", "message": "<text>"}]}}

Field paths use dots ("parties.0.id_number"); "__all__" holds errors not tied to a field.
Messages are in the request's language (zh-Hans by default, English with Accept-Language: en).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from .errors import ApplicationError


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
        return api.create_response(request, error_body(str(exc)), status=exc.status_code)
