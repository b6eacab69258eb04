"""A stranger comes in by themselves and leaves with a certificate (issue 12, "Done when"): they
register from the public home page, prove their phone with the text-message code (read from the
console backend's outbox, as the demo prints it), apply to learn from 张医生, and the programme's
staff move the application through review, matching, the contract, the teaching plan, the hours
and graduation to a certificate that anyone can verify — nobody makes an account or a record by
hand in the admin, clicked through in a real Chromium.

The newcomer is called 李明, like the persona of the other browser tests: two people may share a
name (their ID numbers differ), and so the staff's steps of those tests, which find the record by
the apprentice's name on their workbench, are reused as they are."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts import sms
from accounts.models import Membership, MembershipRequest, PrivacyConsent, Region, User
from accounts.tests.browser_steps import pick_region
from apprenticeships.models import Apprenticeship, Term
from apprenticeships.services import end_of_term
from apprenticeships.tests.factories import PDF
from apprenticeships.tests.test_browser_application import accept_and_sign, approve, vet_every_document
from certificates.models import Certificate
from chuancheng.demo import demo_id_number
from chuancheng.test import PASSWORD
from masters.models import Master
from masters.tests.factories import certified
from teaching.quotas import MAX_HOURS_PER_DAY, QUOTAS
from teaching.tests.test_browser_full_programme import agree_plan, draft_and_submit_plan, open_own_progress
from teaching.tests.test_browser_graduation import (
    assess_as_passed,
    confirm_all_pending,
    hand_in_materials,
    issue_certificate,
    log_activity,
)
from techniques.tests.test_browser_declaration import sign_in

pytestmark = pytest.mark.browser

USERNAME = "liming_yj"
PHONE = "13935900077"
ID_NUMBER = demo_id_number("140881", "19920610", 77)


def register(page: Page, unit: str) -> None:
    """The newcomer opens the home page, registers, and is first refused a mistyped code."""
    page.context.clear_cookies()
    page.goto("/")
    page.get_by_role("link", name="注册账号：申请师承或申报技术").click()
    page.get_by_label("师承申请人（申请跟师学习）").check()
    page.get_by_label("真实姓名").fill("李明")
    page.get_by_label("身份证号码", exact=True).fill(ID_NUMBER)
    page.get_by_label("手机号码", exact=True).fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#code-sent")).to_contain_text("验证码已发送")
    code = sms.last_code(PHONE)
    assert code is not None
    page.get_by_label("用户名", exact=True).fill(USERNAME)
    pick_region(page, "所在地区", "yongji", Region.objects.get(code="140881"))
    page.get_by_label("所在单位（选填）").select_option(label=unit)
    page.get_by_label(re.compile("^我已阅读并同意")).check()
    page.get_by_label(re.compile("^我单独同意")).check()

    # A mistyped code: refused naming the field, and no account is made.
    page.get_by_label("短信验证码").fill(f"{(int(code) + 1) % 10**6:06d}")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.locator("#register-form")).to_contain_text("验证码：验证码不正确")
    assert not User.objects.filter(username=USERNAME).exists()

    # The right code (what was typed stays, the passwords are asked again).
    expect(page.get_by_label("真实姓名")).to_have_value("李明")
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(f"注册成功，请用用户名「{USERNAME}」和密码登录")


def apply(page: Page, master: Master, unit: str, scan) -> None:
    """The newcomer, signed in, applies to `master` through their unit and hands in the four
    documents (the steps of the apprenticeship browser test, as this person)."""
    sign_in(page, USERNAME)
    page.goto("/apprenticeships/apply/")
    # Their region comes from the registration, already chosen in the picker.
    expect(page.locator("[data-region-value]")).to_have_value("140881")
    page.get_by_label("工作单位").select_option(label=unit)
    page.get_by_label("职称").select_option(label="主治医师")
    page.get_by_label("专业方向").fill("针灸治疗中风后遗症")
    page.get_by_label("师承意向").fill("学习醒脑开窍针法")
    page.get_by_label("师承期限").select_option(label="半年")
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


def countersign(page: Page, master: Master) -> None:
    sign_in(page, USERNAME)
    page.get_by_role("link", name=f"签署师承关系合同书：{master.name} — 李明", exact=True).click()
    page.get_by_label("我已阅读合同全文，同意以上条款").check()
    page.get_by_role("button", name="签署合同").click()
    expect(page.locator("#match-status")).to_have_text("已签约")


def activities(starts_on: datetime.date) -> list[tuple[datetime.date, str, object, int, str]]:
    """The half-year term's quotas, logged a working day apart in pieces a day can hold."""
    per_day = min(8, int(MAX_HOURS_PER_DAY))
    rows = []
    kinds = {"theory": "讲座", "case_analysis": "随诊", "self_study": "网课", "reflection": "面授"}
    for category, hours in QUOTAS[Term.HALF_YEAR].items():
        while hours > 0:
            piece = min(per_day, hours)
            day = starts_on + datetime.timedelta(days=3 + 5 * len(rows))
            rows.append((day, kinds[str(category)], category, piece, f"{category.label}第{len(rows) + 1}次"))
            hours -= piece
    return rows


def test_a_newcomer_registers_applies_and_reaches_a_verifiable_certificate(
    page: Page, live_world, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = live_server.url
    sms.outbox.clear()
    unit = live_world.yongji_tcm.name
    master = certified(live_world, live_world.zhang)
    scan = tmp_path / "证书.pdf"
    scan.write_bytes(PDF)

    # Registration: an account of their own, with no role granted by themselves.
    register(page, unit)
    person = User.objects.get(username=USERNAME)
    assert person.full_name == "李明" and person.id_number == ID_NUMBER and person.phone == PHONE
    assert PrivacyConsent.objects.filter(user=person).count() == 2
    assert not Membership.objects.filter(user=person).exists()
    assert MembershipRequest.objects.get(user=person).status == "pending"

    # Application to contract: the newcomer, 王审核, 赵主任, 张医生, the newcomer.
    apply(page, master, unit, scan)
    vet_every_document(page)
    approve(page)
    accept_and_sign(page)
    countersign(page, master)
    apprenticeship = Apprenticeship.objects.get(apprentice=person)
    assert apprenticeship.master == master and apprenticeship.term == Term.HALF_YEAR

    # Arrange, in the database: the term began today; the half year of teaching that follows is
    # not waited for. Move it back so that it has just ended, its length kept.
    starts_on = timezone.localdate() - datetime.timedelta(days=190)
    ends_on = end_of_term(starts_on, Term.HALF_YEAR)
    assert ends_on < timezone.localdate()
    Apprenticeship.objects.filter(pk=apprenticeship.pk).update(starts_on=starts_on, ends_on=ends_on)

    # The plan, the hours, the graduation: each persona's own steps.
    draft_and_submit_plan(page)
    agree_plan(page, master)
    sign_in(page, USERNAME)
    open_own_progress(page)
    rows = activities(starts_on)
    assert all(day < ends_on for day, *_rest in rows)
    for day, kind, category, hours, topic in rows:
        log_activity(page, kind=kind, category=category, date=day, hours=hours, topic=topic)
    confirm_all_pending(page, len(rows))
    sign_in(page, USERNAME)
    open_own_progress(page)
    expect(page.locator("#blockers")).to_have_text("结业材料尚未提交")
    page.get_by_role("link", name="出师考核", exact=True).click()
    hand_in_materials(page)
    assess_as_passed(page)
    number = issue_certificate(page)

    # The certificate is the newcomer's, and a stranger who follows its QR link sees it valid.
    certificate = Certificate.objects.get(number=number)
    assert certificate.holder == person
    page.goto("/certificates/")
    page.locator("#certificate-table").get_by_role("link", name=number).click()
    qr_link = page.locator("#certificate-verify").get_attribute("href")
    page.context.clear_cookies()
    page.goto(qr_link)
    expect(page.locator("#verify-status")).to_contain_text("有效")
    expect(page.locator("#verify-signature")).to_contain_text("证书签名有效")
    expect(page.locator("#verify-fields")).to_contain_text(number)
