"""The REST API at /api/v1 (django-ninja): one NinjaAPI, one router per app, one error shape.

Every error, whoever raises it (services, ninja's own parsing and validation, authentication,
CSRF, unknown routes), leaves as `{"error": {"code", "message", "fields"}}`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth

from gonghui.accounts.api import router as accounts_router
from gonghui.accounts.services import token_authenticate
from gonghui.assistance.api import router as assistance_router
from gonghui.campaigns.api import router as campaigns_router
from gonghui.casework.api import router as rights_casework_router
from gonghui.core.api_schemas import ERROR_DESCRIPTIONS
from gonghui.core.api_workbench import router as workbench_router
from gonghui.core.errors import DomainError
from gonghui.jobs.api import router as jobs_router
from gonghui.joining.api import router as joining_router
from gonghui.medical_aid.api import router as medical_aid_router
from gonghui.members.api import org_stats_router, plain_detail_response, plain_list_response
from gonghui.members.api import router as members_router
from gonghui.notifications.api import router as notifications_router
from gonghui.orgs.api import router as orgs_router
from gonghui.portal.api import router as portal_router
from gonghui.portal.api_bindings import router as bindings_router
from gonghui.rights.api import router as rights_router

logger = logging.getLogger("gonghui.api")

# Seconds a client should wait before retrying while the database is unreachable.
DATABASE_RETRY_AFTER = 5


class BearerTokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        user = token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


class ReadableJSONRenderer(JSONRenderer):
    """Chinese stays Chinese in responses (UTF-8), readable with curl."""

    json_dumps_params = {"ensure_ascii": False}


_BEARER = BearerTokenAuth()  # stateless; building one walks dir() of the class (ninja's AuthBase)


def _bearer_user(request):
    """The account of a valid `Authorization: Bearer` token (parsed as ninja's HttpBearer does), or None."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split(" ")
    if parts[0].lower() != "bearer":
        return None
    return _BEARER.authenticate(request, " ".join(parts[1:]))


def fast_path(view, name: str):
    """`view` (a ninja operation), answered first by `FAST_PATHS[name](request, user, **path_params)` for GETs
    with a valid token.

    For the hottest reads only (see members.api.plain_list_response): the fast path returns None
    for any request it does not answer itself, and the operation then runs as usual — so the
    OpenAPI description, validation and every error stay ninja's.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        serve = FAST_PATHS.get(name)
        if serve is not None and request.method == "GET":
            user = _bearer_user(request)
            if user is not None:
                request.auth = user
                response = serve(request, user, **kwargs)
                if response is not None:
                    return response
        return view(request, *args, **kwargs)

    return wrapper


# url_name of the operation → its fast path
FAST_PATHS: dict[str, Callable[..., HttpResponse | None]] = {
    "member_list": plain_list_response,
    "member_detail": plain_detail_response,
}


class GonghuiAPI(NinjaAPI):
    def _get_urls(self) -> list:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                if pattern.name in FAST_PATHS:
                    pattern.callback = fast_path(pattern.callback, pattern.name)
                pattern.callback = _errors_in_shape(_method_not_allowed_in_shape(pattern.callback))
        # Anything under /api/v1/ that no route matches answers in the error shape too.
        return [*urls, re_path(r"^(?P<unknown>.*)$", csrf_exempt(_errors_in_shape(_unknown_route)))]

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) in ERROR_DESCRIPTIONS:
                        response["description"] = ERROR_DESCRIPTIONS[int(status)]
        return schema


api = GonghuiAPI(
    title="工会网上工作平台 API",
    version="1.0.0",
    description=(
        "工会组织、会员名册、导入导出。认证：`Authorization: Bearer <token>`（`gonghui issue-token USERNAME`），"
        "或浏览器会话（修改类请求需带 `X-CSRFToken`）。数据范围之外的对象一律返回 404。"
        '错误统一为 `{"error": {"code": "...", "message": "...", "fields": {"字段": ["原因"]}}}`。'
    ),
    urls_namespace="api",
    renderer=ReadableJSONRenderer(),
    auth=[BearerTokenAuth(), SessionAuth()],  # session auth checks CSRF on unsafe methods
)


def error_response(request, status: int, code: str, message: str, fields: dict | None = None):
    response = api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _unknown_route(request, unknown: str = ""):
    return error_response(request, 404, "not_found", _("接口不存在"))


def _method_not_allowed_in_shape(view):
    """Ninja answers a wrong method with a bare text 405; give it the shared shape (keeping Allow)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        shaped = error_response(
            request,
            405,
            "method_not_allowed",
            _("此接口不支持 %(method)s 请求") % {"method": request.method},
        )
        shaped["Allow"] = response.get("Allow", "")
        return shaped

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def _errors_in_shape(view):
    """Whatever escapes ninja's own handling (authentication and CSRF checks run before its error
    handlers, the fast paths before ninja) still answers in the shared shape, not Django's HTML page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            nul_fields = _fields_with_nul(request, kwargs)
            if nul_fields:
                message = _("不能包含空字符（NUL）")
                return error_response(
                    request, 400, "bad_request", _("请求格式不正确"), {name: [message] for name in nul_fields}
                )
            return view(request, *args, **kwargs)
        except Exception as exc:
            return api.on_exception(request, exc)

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def _fields_with_nul(request, path_params: dict) -> list[str]:
    """Path, query and form values holding a NUL character, which PostgreSQL cannot store or compare
    (JSON bodies are checked by core.api_schemas.InputSchema)."""
    names = [name for name, value in path_params.items() if "\x00" in str(value)]
    for params in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
        names += [key.replace("\x00", "") or "non_field" for key, values in params.lists() if _has_nul(key, values)]
    return names


def _has_nul(key: str, values: list) -> bool:
    return "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values)


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request, exc):
    """Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE when it is read; say so in the shape."""
    return error_response(request, 413, "payload_too_large", _("请求体过大，请缩小后重试"))


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
def on_malformed_request(request, exc):
    """Too many fields or files, a broken multipart body: Django refuses it while parsing."""
    return error_response(request, 400, "bad_request", _("请求格式不正确"))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request, exc):
    """The database is away (connection refused, restarting, dropped): 503 with a hint when to retry."""
    logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    response = error_response(request, 503, "database_unavailable", _("数据库暂时不可用，请稍后重试"))
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


@api.exception_handler(Exception)
def on_server_error(request, exc):
    """Any other failure: logged with its traceback, answered as a 500 in the shape (never Django's page)."""
    logger.error("server error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(request, 500, "server_error", _("服务器内部错误，请稍后重试；如持续出现请联系管理员"))


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


_PARAM_SOURCES = ("body", "query", "path", "form", "file", "header", "cookie")
_BODY_PARAM = "payload"  # every route names its JSON body `payload`


def _field_name(loc: tuple | list) -> str:
    """("body", "payload", "name") → "name"; ("query", "limit") → "limit"; ("file", "file") → "file"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _PARAM_SOURCES:
        parts = parts[1:]
    if parts and parts[0] == _BODY_PARAM:
        parts = parts[1:]
    return ".".join(parts) or "non_field"


def _schema_error_message(err: dict) -> str:
    """A Chinese reason for one pydantic error."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return _("此项为必填项")
    if kind == "extra_forbidden":
        return _("不支持此字段")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("应为整数")
    if kind in ("bool_parsing", "bool_type"):
        return _("应为 true 或 false")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("日期格式应为 YYYY-MM-DD")
    if kind in ("string_type", "string_unicode"):
        return _("应为字符串")
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("' or '", "', '")
        return _("取值应为：%(expected)s") % {"expected": expected}
    if kind == "string_too_long":
        return _("不能超过%(max)s个字符") % {"max": ctx.get("max_length", "")}
    if kind in ("greater_than_equal", "greater_than"):
        return _("不能小于%(min)s") % {"min": ctx.get("ge", ctx.get("gt", ""))}
    if kind in ("less_than_equal", "less_than"):
        return _("不能大于%(max)s") % {"max": ctx.get("le", ctx.get("lt", ""))}
    if kind in ("decimal_parsing", "decimal_type", "float_parsing"):
        return _("应为数字")
    if kind == "decimal_whole_digits":
        return _("整数部分不能超过%(max)s位") % {"max": ctx.get("whole_digits", "")}
    if kind == "decimal_max_places":
        return _("最多保留%(max)s位小数") % {"max": ctx.get("decimal_places", "")}
    if kind == "decimal_max_digits":
        return _("数字不能超过%(max)s位") % {"max": ctx.get("max_digits", "")}
    if kind == "value_error" and str(ctx.get("error", "")) == "nul":
        return _("不能包含空字符（NUL）")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("应为 JSON 对象")
    return _("格式不正确：%(msg)s") % {"msg": err.get("msg", "")}


def _is_impossible_path_id(err: dict) -> bool:
    loc = err.get("loc") or ()
    return bool(loc) and loc[0] == "path" and err.get("type") in ("greater_than_equal", "less_than_equal")


@api.exception_handler(SchemaValidationError)
def on_schema_error(request, exc: SchemaValidationError):
    """Ninja's own validation (its default would be a 422 in another shape) becomes 400 bad_request;
    an id in the path that no row can have (0, or past the column's range) is simply not found."""
    if exc.errors and all(_is_impossible_path_id(err) for err in exc.errors):
        return error_response(request, 404, "not_found", _("资源不存在"))
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        fields.setdefault(_field_name(err.get("loc", ())), []).append(_schema_error_message(err))
    return error_response(request, 400, "bad_request", _("请求格式不正确"), fields)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error_response(request, 401, "unauthenticated", _("请先登录或提供有效的 API 令牌"))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found", _("资源不存在"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    status = exc.status_code
    if status == 403 and "CSRF" in str(exc):
        return error_response(request, 403, "csrf_failed", _("CSRF 校验失败：会话请求须带 X-CSRFToken 请求头"))
    if status == 400:
        return error_response(request, 400, "bad_request", _("请求体无法解析，应为有效的 JSON"))
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict", 429: "throttled"}
    return error_response(request, status, codes.get(status, "error"), str(exc))


api.add_router("", accounts_router)
api.add_router("/orgs", orgs_router)
api.add_router("/orgs", org_stats_router)
api.add_router("/members", members_router)
api.add_router("/jobs", jobs_router)
api.add_router("/notifications", notifications_router)
api.add_router("/portal", portal_router)
api.add_router("/bindings", bindings_router)
api.add_router("/joining", joining_router)
api.add_router("/rights", rights_router)
api.add_router("/rights", rights_casework_router)
api.add_router("/assistance", assistance_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/medical-aid", medical_aid_router)
api.add_router("/workbench", workbench_router)
