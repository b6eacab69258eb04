"""李明 logs his last hours, 张医生 confirms them, 李明 hands in his graduation materials, 张医生
assesses them, 赵主任 of the host unit issues the certificate, and anyone can verify it — clicked
through in a real Chromium.

Each persona's steps are functions: the whole-programme test walks the same clicks."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from certificates.models import Certificate
from chuancheng.test import World
from teaching.quotas import Category
from teaching.tests.factories import fill_quotas, plan_for, term_ending_today
from techniques.tests.test_browser_declaration import sign_in

pytestmark = pytest.mark.browser

MATERIALS = [
    ("病案", "中风后遗症针刺治验十二例"),
    ("学习笔记", "跟师学习笔记"),
    ("读书临证心得", "读《针灸大成》临证心得"),
    ("论文", "醒脑开窍针法治疗中风后偏瘫的临床观察"),
]


def log_activity(page: Page, *, kind: str, category: Category, date: datetime.date, hours, topic: str) -> None:
    """李明 (on his progress or activities page) logs one activity."""
    page.get_by_role("link", name="登记带教活动", exact=True).click()
    page.get_by_label("活动形式").select_option(label=kind)
    page.get_by_label("课时类别").select_option(label=str(category.label))
    page.get_by_label("日期", exact=True).fill(date.isoformat())
    page.get_by_label("课时", exact=True).fill(str(hours))
    page.get_by_label("内容", exact=True).fill(topic)
    page.get_by_role("button", name="登记").click()
    expect(page.locator("#activity-table")).to_contain_text(topic)


def confirm_all_pending(page: Page, count: int) -> None:
    """张医生 confirms every waiting activity of 李明 at once from his workbench."""
    sign_in(page, "zhang")
    page.get_by_role("link", name=f"确认带教课时：李明（{count} 条）", exact=True).click()
    page.get_by_label("全选").check()
    page.get_by_role("button", name="确认所选课时").click()
    expect(page.get_by_role("alert")).to_contain_text(f"已确认 {count} 条带教活动")


def hand_in_materials(page: Page) -> None:
    """李明 (on his graduation page) adds the four kinds of material and submits them."""
    for kind, title in MATERIALS:
        page.get_by_label("材料类别").select_option(label=kind)
        page.get_by_label("标题").fill(title)
        page.get_by_label("正文或摘要").fill(f"{title}。正文略。")
        page.get_by_role("button", name="添加材料").click()
        expect(page.locator("#item-table")).to_contain_text(title)
    page.get_by_role("button", name="提交传承人考核").click()
    expect(page.locator("#graduation-status")).to_have_text("待传承人考核")


def assess_as_passed(page: Page) -> None:
    """张医生 scores each piece 合格 from his workbench and passes the whole."""
    sign_in(page, "zhang")
    page.get_by_role("link", name="出师考核：李明", exact=True).click()
    for _kind, title in MATERIALS:
        page.get_by_label(f"「{title}」评分").fill("88")
        page.get_by_label(f"「{title}」评定").select_option(label="合格")
    page.get_by_label("总评分（0–100）").fill("90")
    page.get_by_label("考核结论").select_option(label="通过")
    page.get_by_label("总评语").fill("理论扎实，操作规范，准予出师")
    page.get_by_role("button", name="提交考核结果").click()
    expect(page.locator("#graduation-status")).to_have_text("考核通过")


def issue_certificate(page: Page) -> str:
    """赵主任 of the host unit issues the certificate from the workbench; returns its number."""
    sign_in(page, "zhao")
    page.get_by_role("link", name="颁发师承证书：李明", exact=True).click()
    expect(page.locator("#blockers")).to_contain_text("各类课时均已达标")
    page.get_by_role("button", name="颁发师承证书").click()
    expect(page.locator("#apprenticeship-status")).to_have_text("已结业")
    return page.locator("#certificate-number").inner_text().strip()


def test_an_apprentice_goes_from_logged_hours_to_a_verified_certificate(page: Page, live_world: World):
    # The last day of the term: the hours are in, and the materials may go in today.
    a = term_ending_today(live_world, term="half_year")
    plan_for(live_world, a)
    fill_quotas(live_world, a, short={Category.THEORY: 4})

    # 李明 logs the afternoon's lecture: the last four hours of theory he needs.
    sign_in(page, "liming")
    page.goto(f"/teaching/{a.pk}/")
    expect(page.locator("#blockers")).to_contain_text("理论课程还差 4 课时")
    log_activity(
        page, kind="讲座", category=Category.THEORY, date=timezone.localdate(), hours=4, topic="醒脑开窍针法的理论渊源"
    )
    expect(page.locator("#activity-table")).to_contain_text("待确认")

    # 张医生 confirms it from his workbench.
    confirm_all_pending(page, 1)

    # 李明 hands in his materials; 张医生 assesses each piece and the whole.
    sign_in(page, "liming")
    page.goto(f"/teaching/{a.pk}/graduation/")
    hand_in_materials(page)
    assess_as_passed(page)

    # 赵主任 of the host unit issues the certificate.
    number = issue_certificate(page)

    # Anyone verifies it.
    page.context.clear_cookies()
    page.goto(Certificate.objects.get(number=number).public_verify_url)
    expect(page.locator("main")).to_contain_text("有效")
    # The master's name masked as the holder's is (lib.masking).
    expect(page.locator("main")).to_contain_text("张*生")
