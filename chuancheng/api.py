"""The REST API under /api/v1/ (django-ninja). OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from lib.errors import ApplicationError


class BearerToken(HttpBearer):
    """Personal tokens made on /accounts/tokens/ (issue 2 §10)."""

    def authenticate(self, request, token):
        from accounts.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is not None:
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
