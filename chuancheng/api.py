"""The REST API under /api/v1/ (django-ninja). OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.security import HttpBearer, django_auth

from lib.errors import ApplicationError


class RateLimited(Exception):
    """A token over its count: a 429 that says in Chinese and in Retry-After when to come back, so
    an integration's client can wait exactly that long (RFC 9110 §10.2.3)."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class BearerToken(HttpBearer):
    """Personal tokens made on /accounts/tokens/ (issue 2 §10)."""

    def authenticate(self, request, token):
        from accounts.ratelimits import hit
        from accounts.services import api_token_authenticate, api_token_key

        user = api_token_authenticate(token)
        if user is None:
            return None
        # Per token, not per address: one integration may run behind a shared NAT (issue 13 §9).
        retry_after = hit(request, name="api_token", key=api_token_key(token))
        if retry_after is not None:
            raise RateLimited(retry_after)
        request.user = user
        return user


api = NinjaAPI(
    title="传承 API",
    version="1.0.0",
    description="中医药传承与优势技术信息平台 API。使用个人令牌：`Authorization: Bearer <令牌>`。",
    urls_namespace="api",
    # A signed-in browser may call the API too (with its CSRF token).
    auth=[BearerToken(), django_auth],
)


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc: RateLimited):
    detail = _("请求过于频繁：该令牌每分钟的调用次数已超过上限，请 %(n)d 秒后再试") % {"n": exc.retry_after}
    response = api.create_response(request, {"detail": detail}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=exc.status_code)


# Pydantic's error types, as a person reads them: the rule the value broke.
RULES = {
    "missing": lambda ctx: _("必须填写"),
    "int_parsing": lambda ctx: _("应为整数"),
    "int_type": lambda ctx: _("应为整数"),
    "int_from_float": lambda ctx: _("应为整数"),
    "float_parsing": lambda ctx: _("应为数字"),
    "float_type": lambda ctx: _("应为数字"),
    "bool_parsing": lambda ctx: _("应为 true 或 false"),
    "bool_type": lambda ctx: _("应为 true 或 false"),
    "string_type": lambda ctx: _("应为文本"),
    "date_parsing": lambda ctx: _("应为日期（如 2026-03-01）"),
    "date_from_datetime_parsing": lambda ctx: _("应为日期（如 2026-03-01）"),
    "datetime_parsing": lambda ctx: _("应为日期时间（如 2026-03-01T08:00:00）"),
    "datetime_from_date_parsing": lambda ctx: _("应为日期时间（如 2026-03-01T08:00:00）"),
    "list_type": lambda ctx: _("应为列表"),
    "dict_type": lambda ctx: _("应为对象"),
    "model_attributes_type": lambda ctx: _("应为对象"),
    "json_invalid": lambda ctx: _("不是有效的 JSON"),
    "greater_than_equal": lambda ctx: _("不能小于 %(limit)s") % {"limit": ctx.get("ge")},
    "greater_than": lambda ctx: _("应大于 %(limit)s") % {"limit": ctx.get("gt")},
    "less_than_equal": lambda ctx: _("不能大于 %(limit)s") % {"limit": ctx.get("le")},
    "less_than": lambda ctx: _("应小于 %(limit)s") % {"limit": ctx.get("lt")},
    "string_too_long": lambda ctx: _("不能超过 %(limit)s 个字") % {"limit": ctx.get("max_length")},
    "string_too_short": lambda ctx: _("至少 %(limit)s 个字") % {"limit": ctx.get("min_length")},
    "too_long": lambda ctx: _("最多 %(limit)s 项") % {"limit": ctx.get("max_length")},
    "too_short": lambda ctx: _("至少 %(limit)s 项") % {"limit": ctx.get("min_length")},
}


def _field_name(loc) -> str:
    """("query", "offset") → "offset"; ("body", "payload", "visit", "date") → "visit.date"."""
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "form", "file", "payload", "header", "cookie")]
    return ".".join(parts) or "请求"


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    """Input that does not fit the schema: 400, each field named with the rule it broke."""
    errors = [
        {
            "field": _field_name(e.get("loc", ())),
            "rule": RULES.get(e.get("type"), lambda ctx: _("格式不正确"))(e.get("ctx") or {}),
        }
        for e in exc.errors
    ]
    detail = "；".join(f"{e['field']}：{e['rule']}" for e in errors)
    return api.create_response(
        request, {"detail": _("参数有误：%(errors)s") % {"errors": detail}, "errors": errors}, status=400
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "没有权限"}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": "不存在或不在您的查看范围内"}, status=404)


api.add_router("/", "accounts.api.router")
api.add_router("/", "techniques.api.router")
api.add_router("/", "cases.api.router")
api.add_router("/", "masters.api.router")
api.add_router("/", "certificates.api.router")
api.add_router("/", "apprenticeships.api.router")
api.add_router("/", "teaching.api.router")
api.add_router("/", "evaluations.api.router")
api.add_router("/", "lineage.api.router")
