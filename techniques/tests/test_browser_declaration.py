"""A village doctor's paper declaration, entered by township staff, verified by the county,
accepted and published by the city, then found by the public through search — clicked through
in a real Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Region
from accounts.tests.browser_steps import pick_region
from chuancheng.test import PASSWORD, World, browser_second_factor

pytestmark = pytest.mark.browser

SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    browser_second_factor(page, username)
    expect(page).to_have_url(re.compile(r"/workbench/$"))


def act(page: Page, button: str, reason: str = "") -> None:
    if reason:
        page.get_by_label("意见或原因").fill(reason)
    page.get_by_role("button", name=button, exact=True).click()


def test_a_paper_declaration_travels_to_the_public_catalogue(page: Page, live_world: World, tmp_path):
    village = Region.objects.filter(parent=live_world.township_centre.region).order_by("code").first()
    scan = tmp_path / "申报表.pdf"
    scan.write_bytes(SCAN)

    # 林干事 at the township health centre types in the paper form a village doctor brought.
    sign_in(page, "lin")
    page.goto("/techniques/declare/")
    page.get_by_label("代持有人录入纸质申报表（线下通道）").check()
    page.get_by_label("录入单位").select_option(label=live_world.township_centre.name)
    page.get_by_label("纸质申报表扫描件（PDF 或图片）").set_input_files(str(scan))
    page.get_by_label("技术名称").fill("贾氏火针治疗痹病")
    pick_region(page, "所在地区", village.name, village)
    page.get_by_label("技术类别").select_option(label="针刺疗法")
    page.get_by_label("传承方式").select_option(label="家族传承")
    page.get_by_label("理论与治疗特色").fill("温通经络，以热引热，祛风散寒除湿。")
    page.get_by_label("操作方法或制备工艺").fill("火针烧至通红，迅速刺入阿是穴，疾进疾出。")
    page.get_by_label("治疗病种").fill("痹病")
    page.get_by_label("同意公开").select_option(label="同意")
    page.get_by_label("同意用于研究").select_option(label="同意")
    page.get_by_label("持有人姓名").fill("贾长顺")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#technique-status")).to_have_text("草稿")
    expect(page.get_by_text("纸质申报表扫描件")).to_be_visible()
    # The scan opens through its own view, as the PDF it is, in this person's session only.
    href = page.get_by_role("link", name="纸质申报表扫描件").get_attribute("href")
    assert "/media/" not in href
    opened = page.request.get(href)
    assert opened.headers["content-type"] == "application/pdf" and opened.body() == SCAN
    assert opened.headers["x-content-type-options"] == "nosniff"
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator("#technique-status")).to_have_text("已提交")
    act(page, "受理", "材料齐全")
    expect(page.locator("#technique-status")).to_have_text("已受理")

    # 孙科员 at the county verifies it from his workbench.
    sign_in(page, "sun")
    page.get_by_role("link", name="核实技术申报：贾氏火针治疗痹病").click()
    act(page, "核实通过", "已入户核实持有人及疗效")
    expect(page.locator("#technique-status")).to_have_text("已核实")

    # 杨主任 at the city accepts it into the database and publishes it.
    sign_in(page, "yang")
    page.get_by_role("link", name="技术入库：贾氏火针治疗痹病").click()
    act(page, "变更为「已入库」")
    expect(page.locator("#technique-status")).to_have_text("已入库")
    act(page, "公开")
    expect(page.locator("#technique-status")).to_have_text("已公开")
    expect(page.locator("#history")).to_contain_text("林干事")

    # The public finds it by a word of its description and by pinyin.
    page.context.clear_cookies()
    page.goto("/techniques/")
    page.get_by_role("searchbox").fill("火针")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#technique-table")).to_contain_text("贾氏火针治疗痹病")
    page.get_by_role("searchbox").fill("huozhen")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#technique-table")).to_contain_text("贾氏火针治疗痹病")
    page.get_by_role("link", name="贾氏火针治疗痹病").click()
    expect(page.locator("h1")).to_have_text("贾氏火针治疗痹病")
    expect(page.locator("main")).not_to_contain_text("13903590")
