"""One evaluation from opening to grade, clicked through in a real Chromium: 杨主任 opens it and
invites the panel, the experts accept from their queue and score blind, 杨主任 records the
panel's conclusion and makes the final decision; the grade reaches the technique database."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from chuancheng.test import PASSWORD, World, browser_second_factor
from evaluations.tests.factories import accepted_technique, ensure_defaults, pool

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    browser_second_factor(page, username)
    expect(page).to_have_url(re.compile(r"/workbench/$"))


def test_an_evaluation_travels_from_opening_to_grade(page: Page, live_world: World):
    ensure_defaults()
    technique = accepted_technique(live_world)
    experts = pool(live_world)
    panel = [experts["ma"], experts["tian"], experts["xu"]]

    # 杨主任 opens the evaluation: two TCM experts and one Western, deadline in a week.
    sign_in(page, "yang")
    page.goto("/evaluations/open/")
    page.get_by_label(technique.name).check()
    page.get_by_label("中医专家人数").fill("2")
    page.get_by_label("西医专家人数").fill("1")
    deadline = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("评分截止时间").fill(deadline)
    page.get_by_role("button", name="发起评估").click()
    expect(page.locator("#evaluation-status")).to_have_text("组建专家组")
    for e in panel:
        page.get_by_role("button", name=f"邀请 {e}").click()
        expect(page.locator("#panel-1")).to_contain_text(str(e))

    # Each expert accepts from the queue (the workbench lists the invitation).
    for e in panel:
        sign_in(page, e.user.username)
        page.get_by_role("link", name=f"答复评估邀请：{technique.name}").click()
        page.get_by_role("button", name="接受").click()
        expect(page.locator("#queue")).to_contain_text("已接受")

    sign_in(page, "yang")
    page.goto("/evaluations/")
    page.get_by_role("link", name=technique.name).click()
    page.get_by_role("button", name="开始评分").click()
    expect(page.locator("#evaluation-status")).to_have_text("专家评分")

    # The experts score: the first leaves 有效性 empty and is told so, then completes the sheet.
    scores = {"安全性": "90", "有效性": "86", "传承价值": "88", "独特性": "85", "推广难易度": "84"}
    for n, e in enumerate(panel):
        sign_in(page, e.user.username)
        page.get_by_role("link", name=f"评分：{technique.name}").click()
        for name, value in scores.items():
            if n == 0 and name == "有效性":
                continue
            page.get_by_label(name, exact=True).fill(value)
        page.get_by_label("经济价值不适用").check()
        page.get_by_label("社会价值", exact=True).fill("90")
        page.get_by_role("button", name="提交评分").click()
        if n == 0:
            expect(page.locator("#score-error")).to_contain_text("「有效性」为必评项，请填写分数")
            page.get_by_label("有效性", exact=True).fill("86")
            page.get_by_role("button", name="提交评分").click()
        expect(page.locator("#scores")).to_contain_text("综合得分")

    # 杨主任 records the panel's conclusion and decides.
    sign_in(page, "yang")
    page.get_by_role("link", name=f"形成专家组结论：{technique.name}").click()
    expect(page.locator("#conclude-form")).to_contain_text("按分数应得：甲级")
    page.get_by_label("专家组结论").fill("安全有效，传承脉络清晰，建议列为甲级并推广。")
    page.get_by_role("button", name="记录专家组结论").click()
    expect(page.locator("#evaluation-status")).to_have_text("待终审")
    page.get_by_label("管理类别").fill("推广应用类")
    page.get_by_role("button", name="终审", exact=True).click()
    expect(page.locator("#evaluation-status")).to_have_text("已终审")
    expect(page.locator("#final-grade")).to_have_text("甲级")
    technique.refresh_from_db()
    assert (technique.grade, technique.management_class) == ("A", "推广应用类")
