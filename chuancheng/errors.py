"""The one error exit for pages: a domain error raised by a service ends here, never in a
try/except of its own in a view. The API has its own exit (chuancheng/api.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from lib.errors import ApplicationError


def back_url(request) -> str | None:
    """Where a refused POST returns: the page it came from, when that is one of ours."""
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return None


class DomainErrorMiddleware:
    """POST from one of our pages: the message is shown on that page, which the person goes back
    to (htmx requests reload it). Otherwise (GET, or a POST from nowhere): the message on the error
    page with the error's status (400, or 409 when someone else decided first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError) or request.path.startswith("/api/"):
            return None
        back = back_url(request) if request.method == "POST" else None
        if back is not None:
            messages.error(request, exception.message)
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Refresh"] = "true"
                return response
            return HttpResponseRedirect(back)
        return render(
            request,
            "error.html",
            {"status": exception.status_code, "title": _("无法完成操作"), "detail": exception.message},
            status=exception.status_code,
        )


@contextmanager
def errors_to(form: forms.Form) -> Iterator[None]:
    """For a view that shows a form again with what the person typed: the domain error becomes
    an error of the field it names (or of the whole form). The view then renders the form when
    `form.errors` is set. An error that points at another record (`link_html()`, e.g. the
    declaration a duplicate repeats) shows there with its link."""
    try:
        yield
    except ApplicationError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.link_html() if hasattr(exc, "link_html") else exc.message)
