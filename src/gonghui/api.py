"""The REST API at /api/v1 (django-ninja): one NinjaAPI, one router per app, one error shape."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, SessionAuth

from gonghui.accounts.services import token_authenticate
from gonghui.core.errors import DomainError


class BearerTokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        user = token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


api = NinjaAPI(
    title="工会网上工作平台 API",
    version="1.0.0",
    description="Gonghui REST API. 认证：`Authorization: Bearer <token>`（`gonghui issue-token`）或浏览器会话。",
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionAuth()],  # session auth checks CSRF on unsafe methods,
)


def error_response(request, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(SchemaValidationError)
def on_schema_error(request, exc: SchemaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload", "form", "data")]
        name = ".".join(loc) or "non_field"
        fields.setdefault(name, []).append(_("格式不正确：%(msg)s") % {"msg": err.get("msg", "")})
    return error_response(request, 400, "bad_request", _("请求格式不正确"), fields)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error_response(request, 401, "unauthenticated", _("请先登录或提供有效的 API 令牌"))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found", _("资源不存在"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, "error", str(exc))


def _mount_routers() -> None:
    from gonghui.accounts.api import router as accounts_router

    api.add_router("", accounts_router)
    for module, prefix in (
        ("gonghui.orgs.api", "/orgs"),
        ("gonghui.members.api", "/members"),
        ("gonghui.jobs.api", "/jobs"),
    ):
        try:
            router = __import__(module, fromlist=["router"]).router
        except ModuleNotFoundError:
            continue
        api.add_router(prefix, router)


_mount_routers()
