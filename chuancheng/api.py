"""The REST API under /api/v1/ (django-ninja). OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from lib.errors import ApplicationError


class BearerToken(HttpBearer):
    """Personal tokens made on /accounts/tokens/ (issue 2 §10)."""

    def authenticate(self, request, token):
        from django.utils.translation import gettext as _
        from ninja.errors import HttpError

        from accounts.ratelimits import hit
        from accounts.services import api_token_authenticate, api_token_key

        user = api_token_authenticate(token)
        if user is None:
            return None
        # Per token, not per address: one integration may run behind a shared NAT (issue 13 §9).
        retry_after = hit(request, name="api_token", key=api_token_key(token))
        if retry_after is not None:
            raise HttpError(
                429, _("请求过于频繁：该令牌每分钟的调用次数已超过上限，请 %(n)d 秒后再试") % {"n": retry_after}
            )
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


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=exc.status_code)


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
