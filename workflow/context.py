"""The request's client address, for audit rows written deep inside services.

Set by AuditContextMiddleware for each request; services never take the request itself."""

from contextvars import ContextVar

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def client_ip_from(request) -> str | None:
    # Behind a reverse proxy the proxy's address is REMOTE_ADDR; the deployment sets
    # PROXY_COUNT and the real address is then taken from X-Forwarded-For (docs/deploy.md).
    from django.conf import settings

    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def current_ip() -> str | None:
    return _client_ip.get()


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip_from(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)
