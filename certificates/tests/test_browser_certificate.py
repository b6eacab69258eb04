"""The guiding unit certifies a master, downloads his certificate, checks it on the public
verification page, then revokes it and the page says so — clicked through in a real Chromium."""

import re
import subprocess

import pytest
from playwright.sync_api import Page, expect

from certificates.tests.test_pages import pdf_text
from chuancheng.test import PASSWORD, World, browser_second_factor
from masters.models import Master
from masters.services import master_application_advance, master_application_submit
from masters.tests.factories import TODAY, application_for, guide_reviewer

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    browser_second_factor(page, username)
    expect(page).to_have_url(re.compile(r"/workbench/$"))


def test_the_guiding_unit_certifies_verifies_and_revokes(
    page: Page, live_world: World, live_server, settings, tmp_path
):
    # The QR code's link is absolute: here it must point at the test server.
    settings.SITE_URL = live_server.url
    world = live_world
    master = application_for(world, name="张德润")
    master_application_submit(master=master, actor=world.zhang, today=TODAY)
    master_application_advance(master=master, actor=world.wang, to=Master.Status.REVIEWED, reason="材料属实")
    master_application_advance(master=master, actor=world.zhao, to=Master.Status.SELECTED, reason="同意入选")
    guide_reviewer(world)

    # 钱指导 of the guiding unit certifies from the queue of applications waiting for her.
    sign_in(page, "guide_reviewer")
    page.goto("/masters/review/")
    page.get_by_role("link", name="张德润").click()
    page.get_by_role("button", name="认证并颁发证书").click()
    expect(page.locator("#master-status")).to_have_text("已认证")
    number = page.locator("#certificate-number").inner_text().strip()
    assert re.fullmatch(r"CCM-\d{4}-\d{6}", number)

    # The certificate page: download the PDF.
    page.locator("#certificate-number a").click()
    with page.expect_download() as download:
        page.locator("#certificate-download").click()
    path = tmp_path / "certificate.pdf"
    download.value.save_as(path)
    text = pdf_text(path.read_bytes(), tmp_path)
    assert number in text and "张德润" in text
    assert subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True).stdout.count("\n") >= 3

    # The link in the QR code: the public page says valid, with the signature checked.
    page.locator("#certificate-verify").click()
    expect(page.locator("#verify-status")).to_contain_text("有效")
    expect(page.locator("#verify-signature")).to_have_text(re.compile("证书签名有效"))
    expect(page.locator("#verify-fields")).to_contain_text("张*润")

    # Revocation needs a public category and an internal reason.
    page.goto(f"/certificates/{number}/")
    code = page.locator("#certificate-code").inner_text()
    page.get_by_role("link", name="撤销证书").click()
    page.get_by_role("button", name="确认撤销").click()  # the browser blocks the empty required field
    page.get_by_label("撤销类别（公开显示）").select_option(label="信息有误")
    page.get_by_label("撤销原因（不公开）").fill("经复核，申报业绩材料不实")
    page.get_by_role("button", name="确认撤销").click()
    expect(page.locator("#certificate-status")).to_have_text("已撤销")

    # Anyone with the number and the code printed beside it now sees it revoked, with the
    # category, never the internal reason.
    page.context.clear_cookies()
    page.goto(f"/verify/{number}/")
    page.get_by_label("查验码").fill(code.lower())
    page.get_by_role("button", name="查验").click()
    expect(page.locator("#verify-status")).to_contain_text("已撤销")
    expect(page.locator("#verify-revocation")).to_have_text("信息有误")
    expect(page.locator("body")).not_to_contain_text("申报业绩材料不实")
