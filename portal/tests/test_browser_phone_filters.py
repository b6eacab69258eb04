"""Every list with filters, on a phone (issue 12 §18): the filters fold behind one 筛选 button so
the results come first, and open with it; on a desktop they are simply there. The lists are found
by walking every URL as a person who may open it, so a new list with filters is covered too."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, expect

from chuancheng.test import World
from portal.tests.test_every_url import all_expectations

pytestmark = pytest.mark.browser


def _lists_with_filters(world: World) -> list[tuple[str, str]]:
    """(persona, url) of every page that renders the shared filter toggle, one person each."""
    found = []
    for name, (kwargs, query, statuses) in sorted(all_expectations(world).items()):
        if name.startswith("admin:"):
            continue
        persona = next((p for p, status in statuses.items() if status == 200), None)
        if persona is None:
            continue
        client = Client()
        if persona != "anon":
            client.force_login(getattr(world, persona))
        url = reverse(name, kwargs=kwargs or None)
        response = client.get(url, query)
        if response.status_code == 200 and b'id="list-filters"' in getattr(response, "content", b""):
            found.append((persona, url))
    return found


def _page(browser: Browser, live_server, world: World, persona: str, width: int):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": width, "height": 844})
    if persona != "anon":
        client = Client()
        client.force_login(getattr(world, persona))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context, context.new_page()


def test_on_a_phone_every_lists_filters_fold_behind_one_button(browser: Browser, live_server, live_world: World):
    lists = _lists_with_filters(live_world)
    # The review queues, case records, teaching lists, evaluations, certificates, units, lineage…
    assert len(lists) >= 10, lists
    for persona, url in lists:
        context, page = _page(browser, live_server, live_world, persona, 390)
        page.goto(url)
        filters, toggle = page.locator("#list-filters"), page.locator(".filter-toggle")
        expect(filters, f"{url} as {persona}").to_be_hidden()
        toggle.click()
        expect(filters, f"{url} as {persona}").to_be_visible()
        context.close()
        context, page = _page(browser, live_server, live_world, persona, 1280)
        page.goto(url)
        expect(page.locator("#list-filters"), f"{url} as {persona}").to_be_visible()
        expect(page.locator(".filter-toggle"), f"{url} as {persona}").to_be_hidden()
        context.close()
