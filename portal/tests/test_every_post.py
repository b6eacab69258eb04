"""Walks every URL that accepts POST as every persona, as pretix's permission tests do. A URL that
accepts POST without an expectation in post_expectations.py fails the suite, so nobody adds an
action without deciding who may take it.

The POST carries no form data: what is walked is the gate (sign-in, scope, role, method), not the
form. Outcomes:
- "ok": the request passed the gate and was answered — any 2xx/3xx other than the sign-in redirect
  (a form shown again with its errors, or a redirect with a message);
- "invalid": the request passed the gate and its (empty) input or the record's state was refused
  (400, 409, 422) — only for endpoints whose input is read before the person's scope can be known,
  and only for personas who pass the gate;
- 403 / 404: refused for the role / outside the person's scope;
- "login": sent to sign in (302 to the login page) or 401 for the API;
- 405: this URL takes no POST for that person.
"""

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from portal.tests.post_expectations import post_expectations
from portal.tests.test_every_url import PERSONAS, _walk, all_expectations


def outcome(response) -> object:
    status = response.status_code
    if status == 401 or (status == 302 and "/accounts/login/" in response.get("Location", "")):
        return "login"
    if 200 <= status < 400:
        return "ok"
    if status in (400, 409, 422):
        return "invalid"
    return status


def _client(world, persona) -> Client:
    c = Client()
    if persona != "anon":
        c.force_login(getattr(world, persona))
    return c


def _post_urls(world):
    """name → URL for every named non-admin URL, with the objects the GET walk made."""
    for name, (kwargs, _query, _statuses) in all_expectations(world).items():
        yield name, reverse(name, kwargs=kwargs or None)


def test_every_url_that_accepts_post_has_a_post_expectation(world):
    admin = _client(world, "admin")
    table = post_expectations(world)
    missing = []
    for name, url in _post_urls(world):
        if name in table:
            continue
        response = admin.post(url)
        if response.status_code != 405:
            missing.append(f"{name} ({response.status_code})")
    assert not missing, f"URLs that accept POST without an expectation in post_expectations.py: {missing}"
    named = {name for name, _ in _walk(get_resolver().url_patterns)}
    assert not set(table) - named, "POST expectations for URLs that no longer exist"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_post_answers_each_persona_as_expected(world, persona):
    table = post_expectations(world)
    urls = dict(_post_urls(world))
    failures = []
    for name, expected in table.items():
        # A fresh sign-in for each POST: one of them (sign-out) ends the session.
        response = _client(world, persona).post(urls[name])
        got = outcome(response)
        if got != expected[persona]:
            failures.append(f"{name} {urls[name]}: expected {expected[persona]}, got {got} ({response.status_code})")
    assert not failures, "\n".join(failures)
