"""Every page carries the security headers, and no page holds script the policy would block
(issue 13 §11): chuancheng/headers.py."""

import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from chuancheng.headers import CONTENT_SECURITY_POLICY, SecurityHeadersMiddleware

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# An event-handler attribute inside a tag (onclick=, onchange=, …) or a javascript: URL.
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_script_problems(html: str) -> list[str]:
    problems = []
    for match in SCRIPT_TAG.finditer(html):
        attrs = match.group(1)
        if re.search(r"\bsrc\s*=", attrs):
            continue
        if re.search(r"""\btype\s*=\s*["']application/json["']""", attrs):
            continue
        problems.append(f"inline <script{attrs}>")
    problems += [f"event handler: {m.group(0)[-60:]}" for m in HANDLER.finditer(html)]
    problems += [f"javascript: URL: {m.group(0)}" for m in JS_URL.finditer(html)]
    return problems


def test_the_policy_allows_script_only_from_our_own_origin():
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    assert directives["style-src-elem"] == "'self'"
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_the_checker_finds_what_the_policy_would_block():
    assert inline_script_problems("<script>alert(1)</script>")
    assert inline_script_problems('<select onchange="this.form.submit()">')
    assert inline_script_problems('<a href="javascript:alert(1)">')
    assert not inline_script_problems('<script src="/static/js/site.js"></script>')
    assert not inline_script_problems('<script id="x" type="application/json">{"a": 1}</script>')
    assert not inline_script_problems("<p>Stonehenge, one=1</p>")


def test_a_public_page_has_the_policy_and_permissions_but_may_be_cached(world, client):
    response = client.get(reverse("portal:home"))
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_signed_in_person_s_pages_and_exports_are_never_stored(world, client_for):
    sun = client_for("sun")
    for name in ("portal:workbench", "portal:home", "workflow:audit-export", "techniques:export"):
        response = sun.get(reverse(name))
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], name


def test_a_policy_or_caching_a_view_chose_is_kept(world):
    def view(request):
        response = HttpResponse("file")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "public, max-age=3600"
        return response

    request = RequestFactory().get("/")
    request.user = world.sun
    response = SecurityHeadersMiddleware(view)(request)
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize("persona", ["anon", "zhang", "liming", "sun", "yang", "chen", "admin"])
def test_every_page_has_the_policy_and_no_inline_script(world, persona):
    from django.test import Client

    from portal.tests.test_every_url import all_expectations

    c = Client()
    if persona != "anon":
        c.force_login(getattr(world, persona))
    failures, pages = [], 0
    for name, (kwargs, query, _statuses) in all_expectations(world).items():
        url = reverse(name, kwargs=kwargs or None)
        response = c.get(url, query)
        if "Content-Security-Policy" not in response:
            failures.append(f"{name}: no Content-Security-Policy")
        # The icon is the same file for everyone and holds nothing personal: browsers may keep it.
        public_assets = {"portal:favicon"}
        if persona != "anon" and name not in public_assets and "no-store" not in response.get("Cache-Control", ""):
            failures.append(f"{name}: {response.status_code} without no-store for a signed-in person")
        if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            pages += 1
            failures += [f"{name} {url}: {p}" for p in inline_script_problems(response.content.decode())]
    assert pages > 20
    assert not failures, "\n".join(failures)


def test_the_admin_has_no_inline_script(world, client_for):
    from portal.tests.test_every_url import _admin_names

    admin = client_for("admin")
    failures = []
    for name in _admin_names():
        response = admin.get(reverse(name))
        if response.get("Content-Type", "").startswith("text/html"):
            failures += [f"{name}: {p}" for p in inline_script_problems(response.content.decode())]
    assert not failures, "\n".join(failures)
