"""The address the platform is served at, for links that leave the page (QR codes, e-mails)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

# Where `make run` serves when nothing else is known (a background task has no request).
DEVELOPMENT_SITE_URL = "http://127.0.0.1:8000"


def site_url(request: HttpRequest | None = None) -> str:
    """SITE_URL when it is set (production sets it: a printed certificate must not carry the
    address someone happened to reach the server by); otherwise the host this request came to —
    checked against ALLOWED_HOSTS by Django — so `make run PORT=8010` links to port 8010."""
    configured = (getattr(settings, "SITE_URL", "") or "").strip()
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEVELOPMENT_SITE_URL


def absolute(path: str, request: HttpRequest | None = None) -> str:
    return f"{site_url(request)}{path}"
