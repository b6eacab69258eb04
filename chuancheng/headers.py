"""Response headers every page carries (issue 13 §11).

Django 5.2 has no Content-Security-Policy of its own (6.0 adds one), and the policy is one
fixed string, so a small middleware is enough: no package, no nonces.

- Content-Security-Policy: scripts only from our own origin (vendored Bootstrap, htmx and ECharts
  and our static/js), so an injected `<script>` or `onclick=` never runs. Inline style *attributes*
  stay allowed (templates size chart containers with them, and ECharts' tooltips are HTML with
  style attributes); `<style>` elements do not (style-src-elem), and CSSOM changes made by
  scripts are not governed by CSP anyway. Browsers that predate style-src-elem fall back to
  style-src, which still blocks every script.
  A response that already has a policy keeps it: lib/files.serve_file sets a sandboxing one.
- Permissions-Policy: the platform uses no camera, microphone, location, payment or USB.
- Cache-Control: a page shown to a signed-in person holds that person's view of personal data
  (and exports are only for signed-in people), so no browser or proxy keeps a copy: `private,
  no-store`, unless the view chose its own caching.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "style-src-elem 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

PRIVATE_CACHE_CONTROL = "private, no-store"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response
