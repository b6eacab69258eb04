"""李明 applies to learn from 张医生, 王审核 vets each document, 赵主任 approves, 张医生 accepts and
both sign: the apprenticeship exists — clicked through in a real Chromium, as each persona.

Each persona's steps are functions: the whole-programme test (teaching) walks the same clicks."""

import re

import pytest
from playwright.sync_api import Page, expect

from apprenticeships.models import Apprenticeship
from apprenticeships.tests.factories import PDF
from masters.models import Master
from masters.tests.factories import certified
from techniques.tests.test_browser_declaration import sign_in

pytestmark = pytest.mark.browser


def apply_with_documents(page: Page, master: Master, scan, *, term: str) -> None:
    """李明 fills in the form naming `master`, uploads his four documents and submits."""
    sign_in(page, "liming")
    page.goto("/apprenticeships/apply/")
    page.get_by_label("职称").select_option(label="主治医师")
    page.get_by_label("专业方向").fill("针灸治疗中风后遗症")
    page.get_by_label("师承意向").fill("学习醒脑开窍针法")
    page.get_by_label("师承期限").select_option(label=term)
    page.get_by_label(re.compile(f"^{master.name}（")).check()
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#application-status")).to_have_text("草稿")
    for kind in ("报名信息表（含个人简历）", "学历学位证书", "医师资格证书", "职称证书"):
        page.get_by_label("材料类别").select_option(label=kind)
        page.get_by_label(re.compile("^文件")).set_input_files(str(scan))
        page.get_by_role("button", name="上传", exact=True).click()
        expect(page.locator("#documents")).to_contain_text(kind)
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#application-status")).to_have_text("待初审")


def vet_every_document(page: Page) -> None:
    """王审核 at the organizing unit passes each document from his workbench."""
    sign_in(page, "wang")
    page.get_by_role("link", name="初审师承申请：李明 的师承申请", exact=True).click()
    for select in page.locator("#vet-form select").all():
        select.select_option(label="通过")
    page.get_by_role("button", name="提交初审结论").click()
    expect(page.locator("#application-status")).to_have_text("初审通过")


def approve(page: Page) -> None:
    """赵主任 at the host unit approves; the first intended master is proposed."""
    sign_in(page, "zhao")
    page.get_by_role("link", name="审核确定师承人：李明 的师承申请", exact=True).click()
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator("#application-status")).to_have_text("审核通过")
    expect(page.locator("#matches")).to_contain_text("待传承人确认")


def accept_and_sign(page: Page) -> None:
    """张医生 accepts and signs in the platform."""
    sign_in(page, "zhang")
    page.get_by_role("link", name="接受或谢绝师承人：李明 → 张医生", exact=True).click()
    page.get_by_role("button", name="接受为师承人").click()
    expect(page.locator("#match-status")).to_have_text("已接受，待签约")
    expect(page.get_by_role("link", name=re.compile("下载合同书"))).to_be_visible()
    page.get_by_label("我已阅读合同全文，同意以上条款").check()
    page.get_by_role("button", name="签署合同").click()
    expect(page.locator("#signatures")).to_contain_text("张医生")


def countersign(page: Page, master: Master) -> None:
    """李明 signs from his workbench; the apprenticeship exists."""
    sign_in(page, "liming")
    page.get_by_role("link", name=f"签署师承关系合同书：{master.name} — 李明", exact=True).click()
    page.get_by_label("我已阅读合同全文，同意以上条款").check()
    page.get_by_role("button", name="签署合同").click()
    expect(page.locator("#match-status")).to_have_text("已签约")
    expect(page.locator("#apprenticeship")).to_contain_text("跟师学习中")


def test_an_apprentice_travels_from_application_to_a_signed_contract(page: Page, live_world, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    master = certified(live_world, live_world.zhang)
    scan = tmp_path / "证书.pdf"
    scan.write_bytes(PDF)

    apply_with_documents(page, master, scan, term="一年")
    vet_every_document(page)
    approve(page)
    accept_and_sign(page)
    countersign(page, master)
    assert Apprenticeship.objects.get().master == master
