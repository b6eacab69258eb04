"""Workbench to-dos of the evaluation: invitations to answer and sheets to score (experts),
conclusions to record and decisions to make (the city office). Bounded queries only."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.todos import Todo, provider


@provider
def evaluation_todos(user) -> list[Todo]:
    from accounts.permissions import can, scope
    from evaluations.models import Assignment, Evaluation

    items: list[Todo] = []
    mine = (
        Assignment.objects.filter(
            expert__user_id=user.pk,
            status__in=[Assignment.Status.INVITED, Assignment.Status.ACCEPTED],
            evaluation__status__in=[Evaluation.Status.ASSIGNING, Evaluation.Status.SCORING],
        )
        .select_related("evaluation__technique")
        .order_by("evaluation__deadline")[:50]
    )
    for a in mine:
        ev = a.evaluation
        if a.status == Assignment.Status.INVITED:
            title, url = _("答复评估邀请：%(name)s") % {"name": ev.technique.name}, reverse("evaluations:queue")
        elif ev.status == Evaluation.Status.SCORING:
            title, url = _("评分：%(name)s") % {"name": ev.technique.name}, reverse("evaluations:score", args=[a.pk])
        else:
            continue
        items.append(
            Todo(
                kind=_("价值评估"),
                title=title,
                detail=_("截止 %(d)s") % {"d": f"{ev.deadline:%Y-%m-%d}"},
                url=url,
                since=a.invited_at,
            )
        )
    if can(user, "evaluation.manage"):
        steps = [
            (Evaluation.Status.CONCLUDED, "evaluation.finalize", _("终审")),
            (Evaluation.Status.SCORING, "evaluation.manage", _("形成专家组结论")),
        ]
        for status, act, label in steps:
            waiting = scope(user, act, Evaluation.objects.filter(status=status)).select_related("technique")
            if status == Evaluation.Status.SCORING:
                # Ready once nobody of the current round still owes a score.
                owing = Assignment.objects.filter(
                    status=Assignment.Status.ACCEPTED, round=F("evaluation__round")
                ).values("evaluation_id")
                waiting = waiting.exclude(pk__in=owing).filter(score__isnull=False)
            for ev in waiting.order_by("stage_entered_at")[:50]:
                items.append(
                    Todo(
                        kind=_("价值评估"),
                        title=f"{label}：{ev.technique.name}",
                        detail=_("专家意见存在分歧") if ev.flagged else "",
                        url=reverse("evaluations:detail", args=[ev.pk]),
                        since=ev.stage_entered_at,
                    )
                )
    return items
