"""County staff enter a teacher and a link with an interview citation, submit it, the city
verifies it, and the master's public profile shows the teacher — clicked in a real Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from chuancheng.test import PASSWORD, World, browser_second_factor
from lineage import services

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    browser_second_factor(page, username)
    expect(page).to_have_url(re.compile(r"/workbench/$"))


def test_a_link_entered_with_an_interview_is_verified_and_shows_on_the_master_profile(
    page: Page, live_world: World, settings, tmp_path
):
    from masters.tests.factories import applicant, certified

    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = live_world
    master = certified(world, applicant(world, "张德润"))
    services.person_create(actor=world.sun, name="张德润", master=master, living=True)

    sign_in(page, "sun")
    page.goto("/lineage/people/new/")
    page.get_by_label("姓名").fill("王老先生")
    page.get_by_label("出生").fill("光绪二十三年")
    page.get_by_label("去世").fill("1978")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_contain_text("王老先生")

    page.goto("/lineage/links/new/")
    page.get_by_label("师", exact=True).select_option(label="王老先生")
    page.get_by_label("徒", exact=True).select_option(label="张德润")
    page.get_by_label("传承方式").select_option(label="亲炙")
    page.get_by_label("新来源的类型").select_option(label="访谈记录")
    page.get_by_label("新来源的题名").fill("随访张德润")
    page.get_by_label("访谈人").fill("孙科员")
    page.get_by_label("引文").fill("十六岁起随王老先生侍诊三年")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#link-status")).to_have_text("草稿")
    expect(page.locator("#link-citations")).to_contain_text("随访张德润")
    page.get_by_role("button", name="提交核实").click()
    expect(page.locator("#link-status")).to_have_text("待核实")
    link_url = page.url

    sign_in(page, "yang")
    page.goto(link_url)
    page.get_by_role("button", name="核实无误").click()
    expect(page.locator("#link-status")).to_have_text("已核实")

    page.context.clear_cookies()
    page.goto(f"/masters/{master.pk}/")
    expect(page.locator("#master-lineage")).to_contain_text("王老先生")
    expect(page.locator("#master-lineage")).to_contain_text("亲炙")
