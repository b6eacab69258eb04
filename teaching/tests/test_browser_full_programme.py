"""One apprentice's whole programme in one browser session, clicked through as each persona in
turn: 李明 applies to learn from 张医生, 王审核 vets his documents, 赵主任 approves, 张医生 accepts
and both sign; 张医生 drafts the teaching plan and 赵主任 agrees it; 李明 logs every hour the
half-year term asks for and 张医生 confirms them in one batch; 李明 hands in his graduation
materials, 张医生 assesses them, 赵主任 issues the certificate — and a stranger who follows the
certificate's QR link sees it valid, with its signature checked.

The steps each persona takes come from the two shorter browser tests (application to contract,
logged hours to certificate); the plan's steps are here."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from apprenticeships.models import Apprenticeship, Term
from apprenticeships.services import end_of_term
from apprenticeships.tests.factories import PDF
from apprenticeships.tests.test_browser_application import (
    accept_and_sign,
    apply_with_documents,
    approve,
    countersign,
    vet_every_document,
)
from lib.masking import mask_name
from masters.models import Master
from masters.tests.factories import certified
from teaching.quotas import QUOTAS, Category
from teaching.tests.factories import PLAN_TEXT
from teaching.tests.test_browser_graduation import (
    assess_as_passed,
    confirm_all_pending,
    hand_in_materials,
    issue_certificate,
    log_activity,
)
from techniques.tests.test_browser_declaration import sign_in

pytestmark = pytest.mark.browser

# The half-year term's quotas (32/16/48/24 hours), logged as ten long days: no day may hold more
# than twelve hours (teaching.quotas.MAX_HOURS_PER_DAY). (days after the start, 活动形式, 课时类别,
# hours, 内容)
ACTIVITIES = [
    (3, "讲座", Category.THEORY, 12, "醒脑开窍针法的理论渊源"),
    (10, "面授", Category.THEORY, 12, "头针、体针配穴规律"),
    (17, "面授", Category.THEORY, 8, "醒脑开窍针法的操作要领"),
    (24, "随诊", Category.CASE_ANALYSIS, 8, "中风后遗症典型病案分析"),
    (31, "随诊", Category.CASE_ANALYSIS, 8, "面瘫典型病案分析"),
    (38, "网课", Category.SELF_STUDY, 12, "研读《针灸大成》中风篇"),
    (45, "网课", Category.SELF_STUDY, 12, "研读《针灸甲乙经》相关篇章"),
    (52, "网课", Category.SELF_STUDY, 12, "研读《针灸资生经》"),
    (59, "网课", Category.SELF_STUDY, 12, "研读《备急千金要方》针灸篇"),
    (66, "面授", Category.REFLECTION, 12, "跟师学习体会：醒脑开窍针法的临证运用"),
    (73, "面授", Category.REFLECTION, 12, "跟师学习体会：头针配穴"),
]


# --- the steps, one persona each -----------------------------------------------------------------


def draft_and_submit_plan(page: Page) -> None:
    """张医生 writes the teaching plan (the term's quotas are filled in for him) and submits it."""
    sign_in(page, "zhang")
    page.get_by_role("link", name="制定传承计划：李明", exact=True).click()
    page.get_by_label("传承目标").fill(PLAN_TEXT["objectives"])
    page.get_by_label("传承内容").fill(PLAN_TEXT["content"])
    page.get_by_label("教学安排").fill(PLAN_TEXT["arrangements"])
    expect(page.get_by_label("理论课程计划课时")).to_have_value("32")
    page.get_by_role("button", name="保存计划").click()
    page.get_by_role("button", name="提交主办单位确认").click()
    expect(page.locator("#plan-status")).to_have_text("待主办单位确认")


def agree_plan(page: Page, master: Master) -> None:
    """赵主任 agrees the plan for the host unit."""
    sign_in(page, "zhao")
    page.get_by_role("link", name=f"确认传承计划：{master.name} → 李明", exact=True).click()
    page.get_by_role("button", name="确认传承计划").click()
    expect(page.locator("#plan-status")).to_have_text("已确认")


def open_own_progress(page: Page) -> None:
    """李明 (signed in) finds his apprenticeship under 带教与结业."""
    page.goto("/teaching/")
    page.locator("#apprenticeship-table").get_by_role("link", name="李明").click()


# --- the whole programme -------------------------------------------------------------------------


def test_an_apprentice_goes_from_application_to_a_verified_certificate(
    page: Page, live_world, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The QR code's link is absolute: here it must point at the test server.
    settings.SITE_URL = live_server.url
    master = certified(live_world, live_world.zhang)
    scan = tmp_path / "证书.pdf"
    scan.write_bytes(PDF)
    assert sum(hours for *_, hours, _topic in ACTIVITIES) == sum(QUOTAS[Term.HALF_YEAR].values())

    # Application to contract: 李明, 王审核, 赵主任, 张医生, 李明.
    apply_with_documents(page, master, scan, term="半年")
    vet_every_document(page)
    approve(page)
    accept_and_sign(page)
    countersign(page, master)

    # Arrange, directly in the database: the apprenticeship began today, but a real apprentice
    # logs his 120 hours over months, never in the future and at most twelve a day, and hands in
    # his materials when the term has ended. Move the term back 190 days (keeping its half-year
    # length) so that the activities below fall inside it and it has ended.
    apprenticeship = Apprenticeship.objects.get(apprentice=live_world.liming)
    assert apprenticeship.term == Term.HALF_YEAR and apprenticeship.starts_on == timezone.localdate()
    starts_on = timezone.localdate() - datetime.timedelta(days=190)
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(
        starts_on=starts_on, ends_on=end_of_term(starts_on, Term.HALF_YEAR)
    )

    # The plan: 张医生 drafts it, 赵主任 agrees it.
    draft_and_submit_plan(page)
    agree_plan(page, master)

    # 李明 logs every hour the term asks for; 张医生 confirms them in one batch.
    sign_in(page, "liming")
    open_own_progress(page)
    expect(page.locator("#blockers")).to_contain_text("理论课程还差 32 课时")
    for days, kind, category, hours, topic in ACTIVITIES:
        date = starts_on + datetime.timedelta(days=days)
        log_activity(page, kind=kind, category=category, date=date, hours=hours, topic=topic)
    confirm_all_pending(page, len(ACTIVITIES))

    # 李明 sees every quota met — only his materials are missing — and hands them in.
    sign_in(page, "liming")
    open_own_progress(page)
    expect(page.locator("#blockers")).to_have_text("结业材料尚未提交")
    page.get_by_role("link", name="出师考核", exact=True).click()
    hand_in_materials(page)

    # 张医生 passes him; 赵主任 issues the certificate and opens its page.
    assess_as_passed(page)
    number = issue_certificate(page)
    page.goto("/certificates/")
    page.locator("#certificate-table").get_by_role("link", name=number).click()
    expect(page.locator("#certificate-status")).to_have_text("有效")
    qr_link = page.locator("#certificate-verify").get_attribute("href")

    # A stranger scans the QR code: valid, and the signature in the link checks out.
    page.context.clear_cookies()
    page.goto(qr_link)
    expect(page.locator("#verify-status")).to_contain_text("有效")
    expect(page.locator("#verify-signature")).to_contain_text("证书签名有效")
    expect(page.locator("#verify-fields")).to_contain_text(number)
    expect(page.locator("#verify-fields")).to_contain_text(mask_name(master.name))
