"""Steps of the accounts pages that browser tests of every app take."""

import re

from playwright.sync_api import Page, expect

from accounts.models import Region


def pick_region(page: Page, label: str, typed: str, place: Region) -> None:
    """Type `typed` (a name or pinyin) into the region picker labelled `label` and choose `place`
    from the matches, which name its township and county (accounts/widgets.py)."""
    box = page.get_by_role("combobox", name=re.compile("^" + re.escape(label)))
    box.fill(typed)
    page.get_by_role("option", name=re.compile(re.escape(place.name) + "（")).first.click()
    picker = page.locator("[data-region-picker]").filter(has=box)
    expect(picker.locator("[data-region-value]")).to_have_value(place.code)
