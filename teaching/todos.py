"""Workbench to-dos of teaching: the master confirms hours, drafts the plan and assesses; the host
unit agrees plans and issues certificates; the apprentice fixes failed materials. Each provider
makes at most two bounded queries."""

from __future__ import annotations

from django.db.models import Count, Min, Sum
from django.urls import reverse

from portal.todos import Todo, provider

KIND = "带教与结业"
LIMIT = 50


def _masters_apprenticeships(user):
    from apprenticeships.models import Apprenticeship

    return Apprenticeship.objects.filter(master__user_id=user.pk, status=Apprenticeship.Status.ACTIVE)


@provider
def hours_to_confirm(user) -> list[Todo]:
    from teaching.models import Activity

    if not user.is_authenticated:
        return []
    waiting = list(
        Activity.objects.filter(
            status=Activity.Status.PENDING,
            apprenticeship__master__user_id=user.pk,
            apprenticeship__status="active",
        )
        .values("apprenticeship_id", "apprenticeship__apprentice__full_name")
        .annotate(n=Count("pk"), hours=Sum("hours"), since=Min("created_at"))
        .order_by("since")[:LIMIT]
    )
    from teaching.selectors import hours_label

    return [
        Todo(
            kind=KIND,
            title=f"确认带教课时：{row['apprenticeship__apprentice__full_name']}（{row['n']} 条）",
            detail=f"共 {hours_label(row['hours'])} 课时待确认",
            url=reverse("teaching:confirm-queue") + f"?apprenticeship={row['apprenticeship_id']}",
            since=row["since"],
        )
        for row in waiting
    ]


@provider
def plans_and_assessments(user) -> list[Todo]:
    """The master's own: a plan to draft (none yet, or returned) and materials to assess."""
    from teaching.models import Graduation, TeachingPlan

    if not user.is_authenticated:
        return []
    rows = (
        _masters_apprenticeships(user).select_related("apprentice", "plan", "graduation").order_by("starts_on")[:LIMIT]
    )
    items = []
    for a in rows:
        plan = getattr(a, "plan", None)
        if plan is None or plan.status == TeachingPlan.Status.DRAFT:
            items.append(
                Todo(
                    kind=KIND,
                    title=f"制定传承计划：{a.apprentice.display_name}",
                    detail=f"{a.get_term_display()}，与主办单位共同确认后开始登记课时",
                    url=reverse("teaching:plan", args=[a.pk]),
                    since=plan.updated_at if plan else a.created_at,
                )
            )
        graduation = getattr(a, "graduation", None)
        if graduation is not None and graduation.status == Graduation.Status.SUBMITTED:
            items.append(
                Todo(
                    kind=KIND,
                    title=f"出师考核：{a.apprentice.display_name}",
                    detail="结业材料已提交，请逐项评定并给出总评",
                    url=reverse("teaching:graduation", args=[a.pk]),
                    since=graduation.submitted_at or graduation.updated_at,
                )
            )
    return items


@provider
def host_unit_decisions(user) -> list[Todo]:
    """The host unit: plans to agree, certificates to issue."""
    from accounts.permissions import can, scope
    from teaching.models import Graduation, TeachingPlan

    items: list[Todo] = []
    if can(user, "teaching.plan_agree"):
        plans = scope(
            user, "teaching.plan_agree", TeachingPlan.objects.filter(status=TeachingPlan.Status.SUBMITTED)
        ).select_related("apprenticeship__master", "apprenticeship__apprentice")
        for plan in plans.order_by("updated_at")[:LIMIT]:
            a = plan.apprenticeship
            items.append(
                Todo(
                    kind=KIND,
                    title=f"确认传承计划：{a.master.name} → {a.apprentice.display_name}",
                    detail=a.get_term_display(),
                    url=reverse("teaching:plan", args=[a.pk]),
                    since=plan.updated_at,
                )
            )
    if can(user, "apprenticeship.graduate"):
        passed = scope(
            user,
            "teaching.view",
            Graduation.objects.filter(status=Graduation.Status.PASSED, apprenticeship__status="active"),
        ).select_related("apprenticeship__master", "apprenticeship__apprentice")
        for g in passed.order_by("assessed_at")[:LIMIT]:
            a = g.apprenticeship
            items.append(
                Todo(
                    kind=KIND,
                    title=f"颁发师承证书：{a.apprentice.display_name}",
                    detail=f"传承人 {a.master.name} 考核通过，核对课时后颁发",
                    url=reverse("teaching:graduation", args=[a.pk]),
                    since=g.assessed_at or g.updated_at,
                )
            )
    return items


@provider
def materials_to_revise(user) -> list[Todo]:
    from teaching.models import Graduation

    if not user.is_authenticated:
        return []
    failed = Graduation.objects.filter(
        status=Graduation.Status.FAILED, apprenticeship__apprentice_id=user.pk, apprenticeship__status="active"
    )[:LIMIT]
    return [
        Todo(
            kind=KIND,
            title="出师考核未通过：修改结业材料后重新提交",
            detail=g.comment[:80],
            url=reverse("teaching:graduation", args=[g.apprenticeship_id]),
            since=g.assessed_at or g.updated_at,
        )
        for g in failed
    ]
