"""Rate limits per client address and per key (issue 13 §9), counted by django-ratelimit in the
`ratelimit` database cache. The rates are settings.RATE_LIMITS, named by what they protect."""

from __future__ import annotations

import ipaddress
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage

from workflow.context import client_ip_from


def client_ip(request) -> str:
    """The address the limits count by (RATELIMIT_IP_META_KEY). A forged X-Forwarded-For that is
    not an address falls back to the connection's own, never to an error."""
    for candidate in (client_ip_from(request), request.META.get("REMOTE_ADDR")):
        try:
            return str(ipaddress.ip_address((candidate or "").strip()))
        except ValueError:
            continue
    return "0.0.0.0"


def hit(request, *, name: str, key: str, group: str | None = None) -> int | None:
    """Count one request against the named rate; the seconds to wait when it is over, else None.

    `key` is what is counted: "ip" for the client address, or any string (an e-mail address, a
    token's hash)."""
    rate = settings.RATE_LIMITS[name]
    usage = get_usage(
        request,
        group=group or name,
        key="ip" if key == "ip" else (lambda _group, _request: key),
        rate=rate,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(usage["time_left"], 1)


def too_many(request, retry_after: int):
    response = render(request, "accounts/rate_limited.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def per_ip(name: str):
    """A view decorator: at most settings.RATE_LIMITS[name] requests per client address, then a
    429 page saying when to come back. Views decorated with the same name share one count."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            retry_after = hit(request, name=name, key="ip")
            if retry_after is not None:
                return too_many(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
