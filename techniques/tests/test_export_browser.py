"""孙科员 exports a large selection of the technique database: the page sends her to the export's
progress bar, which ends with a download of every row — clicked through in a real Chromium
(issue 13 §14)."""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from accounts.models import Region
from chuancheng.test import PASSWORD, World, browser_second_factor, declaration_for

pytestmark = pytest.mark.browser


def test_a_large_export_is_followed_on_its_progress_page_and_downloaded(page: Page, live_world: World, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    village = Region.objects.get(code="140802001001")
    for n in range(4):
        declaration_for(
            live_world.sun, village, name=f"盐湖推拿{n}", channel="offline", entered_org=live_world.yanhu_health
        )

    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("sun")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    browser_second_factor(page, "sun")
    page.goto("/techniques/manage/?sort=name")
    page.locator("#export-link").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#job-message")).to_contain_text("已导出 4 项")
    with page.expect_download() as info:
        page.locator("#job-output-link").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read())).active.values)
    assert [r[1] for r in rows[1:]] == [f"盐湖推拿{n}" for n in range(4)]
