"""A person picks a village by typing its pinyin, or by walking the lists county → township →
village, in a real Chromium (issue 12 §2). accounts/tests/browser_steps.py has the step other
browser tests use."""

import pytest
from playwright.sync_api import Page, expect

from accounts import regions
from accounts.models import Region
from accounts.tests.browser_steps import pick_region
from techniques.tests.test_browser_declaration import sign_in

pytestmark = pytest.mark.browser


def test_a_village_is_picked_by_typing_its_pinyin(page: Page, live_world):
    village = Region.objects.filter(parent=live_world.village_clinic.region.parent, level=Region.Level.VILLAGE).last()
    township = village.parent
    sign_in(page, "guo")
    page.goto("/techniques/declare/")

    pick_region(page, "所在地区", regions.index()[village.code].spelled, village)
    picker = page.locator("[data-region-picker]")
    expect(picker.locator("[data-region-chosen]")).to_have_text(f"临猗县 / {township.name} / {village.name}")
    # The lists follow the choice: county, township and village are selected in them.
    expect(picker.get_by_label("县级")).to_have_value("140821")
    expect(picker.get_by_label("乡级")).to_have_value(township.code)
    expect(picker.get_by_label("村级")).to_have_value(village.code)

    # Walking the lists instead: a township alone is a place too, and its villages open below it.
    picker.get_by_label("乡级").select_option(label=township.name)
    expect(picker.locator("[data-region-value]")).to_have_value(township.code)
    picker.get_by_label("村级").select_option(label=village.name)
    expect(picker.locator("[data-region-value]")).to_have_value(village.code)

    # Initials find the county; the choice is posted as its code.
    pick_region(page, "所在地区", "lyx", Region.objects.get(code="140821"))
    expect(picker.locator("[data-region-chosen]")).to_have_text("临猗县")
