"""A real Chromium, driven the way a person would click: sign in, see the workbench, approve a
workstation, meet the lock-out page.

Run against pytest-django's live server. Uses the Debian chromium (/usr/bin/chromium) through the
Playwright Python package; the pytest-playwright plugin and Playwright's own browsers are not
needed.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from chuancheng.test import PASSWORD, World, browser_second_factor

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("main").get_by_role("button", name="登录").click()
    if password == PASSWORD:
        browser_second_factor(page, username)


def test_a_county_clerk_signs_in_sees_the_workbench_and_signs_out(page: Page, live_world: World):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_contain_text("中医药传承")

    # The bar's sign-in link (the home page has its own beside registration).
    page.locator("#nav").get_by_role("link", name="登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.get_by_label("用户名").fill("sun")
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()

    expect(page).to_have_url(re.compile(r"/workbench/$"))
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator(".card-header")).to_contain_text("待办事项")
    expect(page.get_by_text("盐湖区卫生健康局")).to_be_visible()
    page.screenshot(path="/tmp/workbench.png", full_page=True)

    page.get_by_role("button", name="孙科员").click()
    page.get_by_role("button", name="退出登录").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_contain_text("中医药传承")
    expect(page.locator("#nav").get_by_role("link", name="登录")).to_be_visible()
    expect(page.get_by_role("button", name="孙科员")).to_have_count(0)


def test_six_wrong_passwords_show_the_chinese_lockout_page(page: Page, live_world: World):
    password = page.get_by_label("密码")
    submit = page.locator("main").get_by_role("button", name="登录")
    sign_in(page, "sun", "wrong-password-1")
    # Four failures are answered "wrong password" (the form keeps the username; she retypes the
    # password); the fifth failure locks the account.
    for attempt in range(2, 6):
        expect(page.locator("main .alert-danger")).to_contain_text("用户名或密码不正确")
        expect(page.get_by_label("用户名")).to_have_value("sun")
        password.fill(f"wrong-password-{attempt}")
        submit.click()
    expect(page.get_by_role("heading", name="账号已锁定")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("15 分钟")

    sign_in(page, "sun", "wrong-password-6")
    expect(page.get_by_role("heading", name="账号已锁定")).to_be_visible()

    # Locked means locked: the right password does not help now.
    sign_in(page, "sun", PASSWORD)
    expect(page.get_by_role("heading", name="账号已锁定")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("15 分钟")
    page.goto("/workbench/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/workbench/$"))


def test_the_host_unit_approves_a_pending_workstation_from_its_workbench(page: Page, live_world: World):
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Organization
    from workflow.models import AuditEntry

    station = live_world.workstation
    assert station.status == Organization.Status.PENDING

    sign_in(page, "zhao", PASSWORD)
    expect(page).to_have_url(re.compile(r"/workbench/$"))
    todo = page.get_by_role("link", name="批准项目工作站：项目永济工作站")
    expect(todo).to_be_visible()
    todo.click()

    expect(page).to_have_url(re.compile(rf"/accounts/organizations/{station.pk}/$"))
    expect(page.locator("h1")).to_contain_text("待批准")
    page.get_by_label("意见或原因").fill("材料齐全，同意设立")
    page.get_by_role("button", name="批准设立").click()

    expect(page.locator(".alert-success")).to_contain_text("已办理「批准设立」：项目永济工作站")
    expect(page.locator("h1")).to_contain_text("项目永济工作站")
    expect(page.locator("h1 .badge")).to_have_text("有效")
    expect(page.get_by_role("button", name="批准设立")).to_have_count(0)

    station.refresh_from_db()
    assert station.status == Organization.Status.ACTIVE
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.TRANSITION,
        organization=station,
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=str(station.pk),
        outcome=AuditEntry.Outcome.SUCCESS,
    )
    assert entry.to_state == "有效" and entry.from_state == "待批准"
    assert entry.actor == live_world.zhao and entry.reason == "材料齐全，同意设立"
    assert entry.ip in ("127.0.0.1", "::1")
