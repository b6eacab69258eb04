"""Demo data of the teaching app, loaded by chuancheng.demo.load_demo (make run).

Two kinds of apprenticeship get teaching records:

- the ones the apprenticeships demo signed today: their plans at each stage (agreed, waiting for
  the host unit, still a draft) and, where agreed, today's first hours (confirmed and pending);
- apprenticeships that began before the platform went live, entered from their paper contracts
  so that they have a past to show: one half-way through its hours (pending, confirmed, refused,
  a face-to-face course moved online by agreement, materials being prepared), one graduated with
  the valid certificate CC-DEMO-0001 and one whose certificate CC-DEMO-0002 was revoked.

Everything after the apprenticeship row goes through the services, so the audit log,
notifications and to-dos are what real use leaves behind. Idempotent: a person who already has
teaching records is left as they are.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Membership, Region, User
from apprenticeships.models import Apprenticeship, Term
from masters.models import Master
from teaching import quotas, services
from teaching.models import Activity, Graduation, GraduationItem, TeachingPlan
from teaching.quotas import Category
from workflow.models import AuditEntry
from workflow.services import audit_record

Kind = Activity.Kind

# What each category is taught as, with a real topic of 张德润's or 薛荣昌's practice.
LESSONS = {
    Category.THEORY: [
        (Kind.FACE_TO_FACE, "醒脑开窍针法的理论渊源与取穴规律"),
        (Kind.LECTURE, "《针灸甲乙经》中风病机讲座"),
        (Kind.FACE_TO_FACE, "调和脾胃法治疗慢性萎缩性胃炎的组方思路"),
        (Kind.MEETING, "运城市针灸学术年会：头针治疗中风失语"),
    ],
    Category.CASE_ANALYSIS: [
        (Kind.SHADOWING, "随诊：中风后偏瘫患者三例，内关、水沟、三阴交配穴"),
        (Kind.FACE_TO_FACE, "病案讨论：顽固性面瘫的透刺法"),
        (Kind.SHADOWING, "随诊：胃脘痛（脾胃虚寒证）黄芪建中汤加减"),
    ],
    Category.SELF_STUDY: [
        (Kind.ONLINE_COURSE, "网课：《黄帝内经·灵枢》经脉篇精读"),
        (Kind.REMOTE, "远程指导：研读《针灸大成》卷三并答疑"),
        (Kind.ONLINE_COURSE, "网课：《脾胃论》导读"),
    ],
    Category.REFLECTION: [
        (Kind.REMOTE, "撰写跟师心得：醒脑开窍针法的手法要领"),
        (Kind.REMOTE, "撰写读书笔记：《脾胃论》升阳益胃思想"),
    ],
}

PLAN = dict(
    objectives="系统掌握传承人的学术思想与特色技术，能独立运用于常见病的诊治，并整理典型病案。",
    content="传承人学术思想与临床经验；特色技术的理论、取穴（组方）与操作；典型病案（回顾性与前瞻性）整理与分析。",
    arrangements="每周随诊两个半天；每月专题讲座一次；理论课程与病案分析课程以面授为主，如受疫情等影响经双方商定可改为线上；自学以网课、远程指导为主，每月提交学习体会。",
)

MATERIALS = [
    (
        GraduationItem.Kind.CASE_RECORD,
        "中风后遗症针刺治验十二例",
        "患者男，62 岁，右侧肢体活动不利三月……以醒脑开窍针法为主，配合头针，治疗四个疗程，肌力由Ⅱ级恢复至Ⅳ级。",
    ),
    (
        GraduationItem.Kind.STUDY_NOTE,
        "跟师学习笔记（第一至第二十四周）",
        "记录每次随诊的主诉、辨证、取穴与手法，附传承人点评。",
    ),
    (GraduationItem.Kind.REFLECTION, "读《针灸大成》临证心得", "“宁失其穴，勿失其经”——临证体会取穴与循经的关系。"),
    (
        GraduationItem.Kind.PAPER,
        "醒脑开窍针法治疗中风后偏瘫的临床观察",
        "目的：观察醒脑开窍针法治疗中风后偏瘫的疗效。方法：……结果：总有效率 86.7%。",
    ),
]

# (username, name, region, unit key, master's username, term, days since the term began, stage, number)
HISTORIC = [
    ("sunjiahui", "孙佳慧", "140802", "city_central", "master", Term.HALF_YEAR, 230, "graduated", "CC-DEMO-0001"),
    ("majunjie", "马俊杰", "140882", "hejin_tcm", "master2", Term.HALF_YEAR, 240, "revoked", "CC-DEMO-0002"),
    ("hanxue", "韩雪", "140881", "yongji_tcm", "master", Term.ONE_YEAR, 150, "halfway", None),
]
REVOKE_REASON = "经主办单位复核，该师承人结业论文与已发表文献高度重复，违反项目诚信要求，撤销师承证书。"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _master(username: str) -> Master | None:
    return Master.objects.filter(user__username=username, status=Master.Status.CERTIFIED).first()


def load_demo_teaching(orgs: dict) -> None:
    """Idempotent: load_demo runs on every start of make run."""
    for a in (
        Apprenticeship.objects.filter(status=Apprenticeship.Status.ACTIVE)
        .select_related("master__user", "apprentice")
        .order_by("pk")[:10]
    ):
        if a.starts_on == timezone.localdate() and not TeachingPlan.objects.filter(apprenticeship=a).exists():
            _just_signed(a)
    for seq, row in enumerate(HISTORIC):
        _historic(orgs, seq, *row)


def _just_signed(a: Apprenticeship) -> None:
    """An apprenticeship signed today: the plan at one of its stages, today's first hours."""
    host = _user("host")
    stage = {Term.ONE_YEAR: "agreed", Term.HALF_YEAR: "submitted"}.get(a.term, "draft")
    plan = _plan(a)
    if stage == "draft":
        return
    services.plan_submit(plan=plan, actor=a.master.user)
    if stage == "submitted":
        return
    services.plan_decide(plan=plan, actor=host, agree=True, reason="计划符合项目课时要求")
    first = _log(a, Kind.FACE_TO_FACE, Category.THEORY, "4", 0, "首次面授：传承人学术思想概述")
    services.activity_decide(activity=first, actor=a.master.user, confirm=True)
    _log(a, Kind.SHADOWING, Category.CASE_ANALYSIS, "3", 0, "随诊：门诊中风后遗症患者四例")


def _plan(a: Apprenticeship) -> TeachingPlan:
    planned = {c.value: quotas.QUOTAS[a.term][c] for c in Category}
    return services.plan_save(apprenticeship=a, actor=a.master.user, planned=planned, **PLAN)


def _log(a, kind, category, hours, days_ago, topic, **extra) -> Activity:
    return services.activity_log(
        apprenticeship=a,
        actor=a.apprentice,
        kind=kind,
        category=category,
        date=timezone.localdate() - datetime.timedelta(days=days_ago),
        hours=hours,
        topic=topic,
        **extra,
    )


def _historic(orgs, seq, username, name, region, unit, master_username, term, days, stage, number) -> None:
    master = _master(master_username)
    if master is None:
        return
    from chuancheng.demo import demo_person

    user = demo_person(
        username=username,
        name=name,
        region=region,
        phone=f"1370359{seq + 1:04d}",
        birth=f"199{seq + 2}0612",
        serial=300 + seq,
        memberships=[(orgs[unit], Membership.Role.APPRENTICE)],
    )
    if Apprenticeship.objects.filter(apprentice=user).exists():
        return
    starts_on = timezone.localdate() - datetime.timedelta(days=days)
    months = {Term.HALF_YEAR: 6, Term.ONE_YEAR: 12, Term.THREE_YEARS: 36}[term]
    a = Apprenticeship.objects.create(
        master=master,
        apprentice=user,
        organization=orgs[unit],
        region=Region.objects.get(code=region),
        term=term,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=months * 30),
    )
    host = _user("host")
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=host,
        obj=a,
        to_state="跟师学习中",
        reason="平台上线前签订的纸质师承合同录入",
    )
    a = Apprenticeship.objects.select_related("master__user", "apprentice").get(pk=a.pk)
    plan = _plan(a)
    services.plan_submit(plan=plan, actor=master.user)
    services.plan_decide(plan=plan, actor=host, agree=True, reason="计划符合项目课时要求")
    if stage == "halfway":
        _halfway(a)
        return
    _all_hours(a, days)
    for kind, title, text in MATERIALS:
        services.graduation_item_add(apprenticeship=a, actor=user, kind=kind, title=title, text=text)
    services.graduation_submit(apprenticeship=a, actor=user)
    graduation = Graduation.objects.get(apprenticeship=a)
    items = {i.pk: services.ItemAssessment(88, True, "内容翔实，符合要求") for i in graduation.items.all()}
    services.graduation_assess(
        graduation=graduation,
        actor=master.user,
        items=items,
        score=90,
        comment="理论扎实，操作规范，准予出师",
        passed=True,
    )
    certificate = services.graduation_certificate_issue(apprenticeship=a, actor=host, number=number)
    # A known verification code, so the demo's list of pages can link to the public page.
    certificate.verification_code = "CCDEM0" + number[-4:]
    certificate.save(update_fields=["verification_code"])
    if stage == "revoked":
        from certificates.services import certificate_revoke

        certificate_revoke(certificate=certificate, actor=host, reason=REVOKE_REASON)


def _all_hours(a: Apprenticeship, days: int) -> None:
    """Every quota met, eight hours a day at most, from the term's second day on."""
    day = days - 1
    ids = []
    for category in Category:
        remaining = quotas.quota(a.term, category)
        lessons = LESSONS[category]
        n = 0
        while remaining > 0:
            hours = min(remaining, Decimal(8))
            kind, topic = lessons[n % len(lessons)]
            ids.append(_log(a, kind, category, hours, day, topic).pk)
            remaining -= hours
            day -= 3
            n += 1
    services.activity_decide_batch(activity_ids=ids, actor=a.master.user, confirm=True)


def _halfway(a: Apprenticeship) -> None:
    """Confirmed hours in every category, some pending, one refused, one course moved online."""
    confirmed = []
    day = 140
    for category, rounds in (
        (Category.THEORY, 4),
        (Category.CASE_ANALYSIS, 2),
        (Category.SELF_STUDY, 5),
        (Category.REFLECTION, 2),
    ):
        for n in range(rounds):
            kind, topic = LESSONS[category][n % len(LESSONS[category])]
            confirmed.append(_log(a, kind, category, "6", day, topic).pk)
            day -= 4
    online = _log(
        a,
        Kind.FACE_TO_FACE,
        Category.THEORY,
        "4",
        20,
        "面授改线上：针刺手法的补泻要领",
        online=True,
        online_agreed_on=timezone.localdate() - datetime.timedelta(days=22),
        online_agreement_note="传承人外出参加学术会议，经双方商定本次面授改为线上视频授课。",
    )
    confirmed.append(online.pk)
    services.activity_decide_batch(activity_ids=confirmed, actor=a.master.user, confirm=True)
    refused = _log(a, Kind.LECTURE, Category.THEORY, "8", 12, "自行参加的商业培训讲座")
    services.activity_decide(
        activity=refused, actor=a.master.user, confirm=False, reason="该讲座非传承计划内容，不计入理论课程课时"
    )
    _log(a, Kind.SHADOWING, Category.CASE_ANALYSIS, "3.5", 5, "随诊：周围性面瘫患者两例，透刺法")
    _log(a, Kind.REMOTE, Category.SELF_STUDY, "2", 3, "远程指导：《针灸大成》卷三答疑")
    _log(a, Kind.REMOTE, Category.REFLECTION, "3", 1, "撰写跟师心得：面瘫透刺的深浅分寸")
    kind, title, text = MATERIALS[0]
    services.graduation_item_add(apprenticeship=a, actor=a.apprentice, kind=kind, title=title, text=text)
