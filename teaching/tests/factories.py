"""Apprenticeships, plans and hours for tests, made through the real services.

The apprenticeship row itself is created directly: the application, review and contract that
lead to it belong to the apprenticeships app. Its dates are relative to today, because the pages
check "not in the future" and "within the term" against the real date."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from apprenticeships.models import Apprenticeship, Term
from masters.models import Master
from masters.tests.factories import certified
from teaching import quotas, services
from teaching.models import Activity, Graduation, GraduationItem
from teaching.quotas import Category

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def master_of(world) -> Master:
    """张医生 as a certified master. When another app's fixtures already hold his application at
    an earlier stage (the every-URL walk), the certified row is written directly beside it."""
    existing = Master.objects.filter(user=world.zhang)
    certified_row = existing.filter(status=Master.Status.CERTIFIED).first()
    if certified_row is not None:
        return certified_row
    if not existing.exists():
        return certified(world)
    draft = existing.first()
    return Master.objects.create(
        **{f.name: getattr(draft, f.name) for f in Master._meta.concrete_fields if f.name not in ("id", "status")},
        status=Master.Status.CERTIFIED,
    )


def term_days(term: str) -> int:
    """The length of a term as these factories count it: thirty days a month."""
    return {Term.HALF_YEAR: 6, Term.ONE_YEAR: 12, Term.THREE_YEARS: 36}[term] * 30


def apprenticeship_for(world, *, term: str = Term.ONE_YEAR, days_ago: int = 120, apprentice=None) -> Apprenticeship:
    """张医生 teaches 李明 (永济市中医医院), started `days_ago` days ago."""
    starts_on = timezone.localdate() - datetime.timedelta(days=days_ago)
    ends_on = starts_on + datetime.timedelta(days=term_days(term))
    return Apprenticeship.objects.create(
        master=master_of(world),
        apprentice=apprentice or world.liming,
        organization=world.yongji_tcm,
        region=world.yongji_tcm.region,
        term=term,
        starts_on=starts_on,
        ends_on=ends_on,
    )


PLAN_TEXT = dict(
    objectives="掌握张氏针灸治疗中风后遗症的理论与操作，能独立诊治常见病例。",
    content="醒脑开窍针法理论；典型病案二十例；头针、体针配穴规律。",
    arrangements="每周随诊两个半天，每月讲座一次；理论课程以面授为主，病案分析每月两次。",
)


def plan_for(world, apprenticeship: Apprenticeship, *, agreed: bool = True):
    planned = {c.value: quotas.QUOTAS[apprenticeship.term][c] for c in Category}
    plan = services.plan_save(apprenticeship=apprenticeship, actor=world.zhang, planned=planned, **PLAN_TEXT)
    if agreed:
        services.plan_submit(plan=plan, actor=world.zhang)
        services.plan_decide(plan=plan, actor=world.zhao, agree=True)
        plan.refresh_from_db()
    return plan


def log(
    world, apprenticeship, *, category=Category.THEORY, hours="4", days_ago=1, kind=Activity.Kind.FACE_TO_FACE, **extra
):
    return services.activity_log(
        apprenticeship=apprenticeship,
        actor=world.liming,
        kind=kind,
        category=category,
        date=timezone.localdate() - datetime.timedelta(days=days_ago),
        hours=hours,
        topic=extra.pop("topic", "醒脑开窍针法的取穴与手法"),
        **extra,
    )


def fill_quotas(world, apprenticeship, *, short: dict | None = None) -> None:
    """Log and confirm every category's quota (less `short` hours where given), 8 hours a day."""
    short = short or {}
    day = 1
    ids = []
    for category in Category:
        remaining = quotas.quota(apprenticeship.term, category) - Decimal(short.get(category, 0))
        while remaining > 0:
            hours = min(remaining, Decimal(8))
            ids.append(log(world, apprenticeship, category=category, hours=hours, days_ago=day).pk)
            remaining -= hours
            day += 1
    services.activity_decide_batch(activity_ids=ids, actor=world.zhang, confirm=True)


def materials_for(world, apprenticeship) -> Graduation:
    for kind, title in [
        (GraduationItem.Kind.CASE_RECORD, "中风后遗症针刺治验二十例"),
        (GraduationItem.Kind.STUDY_NOTE, "跟师学习笔记"),
        (GraduationItem.Kind.REFLECTION, "读《针灸大成》临证心得"),
        (GraduationItem.Kind.PAPER, "醒脑开窍针法治疗中风后偏瘫的临床观察"),
    ]:
        services.graduation_item_add(
            apprenticeship=apprenticeship, actor=world.liming, kind=kind, title=title, text=f"{title}。正文略。"
        )
    return Graduation.objects.get(apprenticeship=apprenticeship)


def assess(world, graduation: Graduation, *, passed: bool = True, score: int = 88) -> Graduation:
    items = {i.pk: services.ItemAssessment(score, passed, "条理清楚") for i in graduation.items.all()}
    return services.graduation_assess(
        graduation=graduation, actor=world.zhang, items=items, score=score, comment="掌握扎实，准予出师", passed=passed
    )


def term_ending_today(world, *, term: str = Term.ONE_YEAR, **kwargs) -> Apprenticeship:
    """An apprenticeship whose term ends today: its hours all lie in the past, and graduation
    materials may go in (teaching.permissions.term_refusal)."""
    return apprenticeship_for(world, term=term, days_ago=term_days(term), **kwargs)


def ready_to_graduate(world, **kwargs) -> Apprenticeship:
    apprenticeship = term_ending_today(world, **kwargs)
    plan_for(world, apprenticeship)
    fill_quotas(world, apprenticeship)
    graduation = materials_for(world, apprenticeship)
    services.graduation_submit(apprenticeship=apprenticeship, actor=world.liming)
    assess(world, graduation)
    return apprenticeship


def move_url(obj) -> str:
    """The one endpoint behind every button of templates/workflow/_moves.html."""
    return f"/audit/move/{obj._meta.app_label}.{obj._meta.model_name}/{obj.pk}/"


def told(step) -> dict[str, list[str]]:
    """Run `step` and return the notices it wrote, by recipient's username: {"zhao": [title]}."""
    from notifications.models import Notification

    before = set(Notification.objects.values_list("pk", flat=True))
    step()
    notices: dict[str, list[str]] = {}
    for username, title in (
        Notification.objects.exclude(pk__in=before).order_by("pk").values_list("recipient__username", "title")
    ):
        notices.setdefault(username, []).append(title)
    return notices
