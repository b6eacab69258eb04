"""In a real Chromium, under the Content-Security-Policy every page is sent with, the charts
still draw and htmx still works, and the browser reports no violation (issue 13 §11)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from chuancheng.test import World

pytestmark = pytest.mark.browser

# Collected in the page: a blocked script, style, eval or handler fires `securitypolicyviolation`.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


def sign_in_by_session(page: Page, base_url: str, user) -> list[str]:
    """Signs `user` in with a session made on the server (the sign-in form has its own browser
    tests) and returns the list the console's policy messages are collected into."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}])
    page.add_init_script(WATCH_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return console


def violations(page: Page, console: list[str]) -> list[str]:
    return page.evaluate("() => window.__violations") + console


def test_the_evaluation_dashboard_draws_its_charts_under_the_policy(page: Page, live_server, live_world: World):
    console = sign_in_by_session(page, live_server.url, live_world.yang)
    response = page.goto("/evaluations/dashboard/")
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert "no-store" in response.headers["cache-control"]
    for chart in ("#chart-stages", "#chart-days"):
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
    assert page.locator("#chart-stages canvas").evaluate("c => c.width") > 100
    # ECharts' tooltip is HTML with style attributes: showing one must not be refused either.
    page.locator("#chart-stages canvas").hover()
    page.wait_for_timeout(300)
    assert violations(page, console) == []


def test_the_case_form_suggests_terms_through_htmx_under_the_policy(page: Page, live_server, live_world: World):
    from techniques.models import Term

    Term.objects.get_or_create(vocabulary="disease", name="不寐病")
    console = sign_in_by_session(page, live_server.url, live_world.zhang)
    page.goto("/cases/new/")
    # The fields took Bootstrap's classes from static/js/site.js, not from an inline script.
    expect(page.locator("#case-form select").first).to_have_class(re.compile(r"\bform-select\b"))
    field = page.locator("input[name$=tcm_disease]")
    # Chinese text arrives by an input method, without key events; the End key makes the keyup.
    field.fill("不寐")
    field.press("End")
    expect(page.locator("#tcm_disease-options option[value='不寐病']")).to_be_attached()
    # The language switch submits itself (data-autosubmit) without an onchange handler.
    page.locator("select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert violations(page, console) == []
