"""Requests no view can take are answered 400 here, before any view (issue 13 §8).

A NUL byte in a path, a query or form field, or a JSON string: PostgreSQL refuses it in text
("A string literal cannot contain NUL"), so without this every view that filters or saves by
such a value would fail with a 500 — and a probe could break an audit row. A multipart body
without its boundary cannot be read at all. Both are refused with the field named, on the
error page for pages and as JSON for the API."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


def _nul_in(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_nul_in(k) or _nul_in(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_nul_in(v) for v in value)
    return False


def _field_with_nul(data) -> str | None:
    for key, values in data.lists():
        if NUL in key or any(_nul_in(getattr(v, "name", v)) for v in values):
            return key.replace(NUL, "")
    return None


def _fits_in_memory(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length <= (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)


class RequestSanityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.problem(request)
        if problem is not None:
            return self.refuse(request, problem)
        return self.get_response(request)

    def problem(self, request) -> str | None:
        """The first reason the request cannot be taken, in words for the person, or None."""
        if NUL in request.path:
            return _("网址中含有不允许的空字符（NUL）")
        field = _field_with_nul(request.GET)
        if field is not None:
            return _("查询参数「%(field)s」含有不允许的空字符（NUL）") % {"field": field}
        if request.method == "POST":
            if request.content_type == "multipart/form-data" and _fits_in_memory(request):
                # Read whole first, so that the raw body stays readable once the form is parsed: an
                # API operation with a JSON body reads it even when a client sent a form.
                request.body  # noqa: B018
            try:
                field = _field_with_nul(request.POST) or _field_with_nul(request.FILES)
            except MultiPartParserError:
                return _("上传内容格式不正确：multipart 请求缺少有效的 boundary")
            if field is not None:
                return _("表单字段「%(field)s」含有不允许的空字符（NUL）") % {"field": field}
        if request.content_type == "application/json" and request.method in ("POST", "PUT", "PATCH"):
            try:
                data = json.loads(request.body or b"null")
            except ValueError:
                return None  # the API says what is wrong with the JSON itself
            if _nul_in(data):
                return _("提交的内容含有不允许的空字符（NUL）")
        return None

    def refuse(self, request, detail: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail}, status=400, json_dumps_params={"ensure_ascii": False})
        return render(request, "error.html", {"status": 400, "title": _("请求无效"), "detail": detail}, status=400)
