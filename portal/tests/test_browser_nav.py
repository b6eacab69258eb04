"""The navigation bar at desktop widths, as every persona sees it (issue 12 §18): no menu entry
breaks onto two lines, the entries stay on one row inside the bar, and the public menu links the
promotion catalogue. On a phone, a list's filters fold behind a button so the results come first.

Measured in a real Chromium (the heights of the rendered elements), not read from the markup."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from chuancheng.test import World

pytestmark = pytest.mark.browser

PERSONAS = ("anon",) + World.PERSONAS
WIDTHS = (1280, 1440)

# Every entry of the bar: the links and menus, the language choice, the bell and the person's menu.
MEASURE = """() => {
  const nav = document.querySelector('#nav');
  const entries = [...nav.querySelectorAll(':scope > .navbar-nav > .nav-item > .nav-link, :scope > form, :scope > a, :scope > .dropdown > button')];
  const box = nav.getBoundingClientRect();
  return {
    right: box.right,
    entries: entries.map(e => {
      const style = getComputedStyle(e);
      const r = e.getBoundingClientRect();
      const inner = r.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
        - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
      return {text: e.innerText.trim(), inner, line: parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5,
              top: r.top, bottom: r.bottom, right: r.right};
    }),
  };
}"""


def _context(browser: Browser, live_server, width: int, persona: str, world: World):
    from django.conf import settings
    from django.test import Client

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": width, "height": 900})
    if persona != "anon":
        client = Client()
        client.force_login(getattr(world, persona))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


def test_no_nav_entry_wraps_at_1280_or_1440_for_any_persona(browser: Browser, live_server, live_world: World):
    problems = []
    for width in WIDTHS:
        for persona in PERSONAS:
            context = _context(browser, live_server, width, persona, live_world)
            page = context.new_page()
            page.goto("/")
            expect(page.locator("#nav")).to_be_visible()
            measured = page.evaluate(MEASURE)
            entries = measured["entries"]
            assert len(entries) >= 4, (width, persona, entries)
            for entry in entries:
                # One line of text: the content box is no taller than one line (plus rounding).
                if entry["inner"] > entry["line"] * 1.4:
                    problems.append(f"{width}px {persona}: 「{entry['text']}」 wraps ({entry['inner']:.0f}px)")
                if entry["right"] > measured["right"] + 1:
                    problems.append(f"{width}px {persona}: 「{entry['text']}」 overflows the bar")
            tops = [entry["top"] for entry in entries]
            if max(tops) - min(tops) > 12:
                problems.append(f"{width}px {persona}: the bar takes two rows")
            context.close()
    assert problems == []


def test_the_public_menu_links_the_promotion_catalogue(browser: Browser, live_server, live_world: World):
    for persona in ("anon", "sun"):
        context = _context(browser, live_server, 1280, persona, live_world)
        page = context.new_page()
        page.goto("/")
        if persona != "anon":
            page.locator("#nav").get_by_role("button", name="公开查询").or_(
                page.locator("#nav").get_by_role("link", name="公开查询")
            ).click()
        link = page.locator("#nav").get_by_role("link", name="适宜技术推广目录")
        expect(link).to_be_visible()
        link.click()
        expect(page).to_have_url(f"{live_server.url}/evaluations/catalogue/")
        context.close()


def test_on_a_phone_list_filters_fold_behind_a_button_and_the_results_come_first(
    browser: Browser, live_server, live_world: World
):
    from chuancheng.test import declaration_for
    from techniques.services import technique_advance

    technique = declaration_for(live_world.guo, live_world.township_centre.region, submit=True, name="盐湖刮痧")
    for actor, to in (
        (live_world.lin, "received"),
        (live_world.sun, "verified"),
        (live_world.yang, "accepted"),
        (live_world.yang, "published"),
    ):
        technique_advance(technique=technique, actor=actor, to=to)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    for path, filters, result in (
        ("/techniques/", "#technique-filters", page.get_by_role("link", name="盐湖刮痧")),
        ("/masters/", "#directory-filters", page.locator("#master-table")),
    ):
        page.goto(path)
        expect(page.locator(filters)).to_be_hidden()
        expect(result.first).to_be_in_viewport()
        page.get_by_role("button", name="筛选").click()
        expect(page.locator(filters)).to_be_visible()
    # On a desktop the filters are simply there.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/techniques/")
    expect(page.locator("#technique-filters")).to_be_visible()
    expect(page.get_by_role("button", name="筛选")).to_be_hidden()
    context.close()
