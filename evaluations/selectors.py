"""Reads of the value evaluation: the expert's queue, an expert's history, the dashboard, who must
act next, the graded database."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.models import Region
from accounts.permissions import can
from evaluations.models import Assignment, Evaluation, ExpertProfile

Status = Evaluation.Status
AStatus = Assignment.Status
RUNNING = (Status.ASSIGNING, Status.SCORING)


def expert_queue(user) -> QuerySet:
    """The expert's invitations and panels, the ones waiting for them first."""
    return (
        Assignment.objects.filter(expert__user_id=user.pk)
        .select_related("evaluation__technique__region", "evaluation__technique__category")
        .annotate(waiting=Q(status__in=[AStatus.INVITED, AStatus.ACCEPTED], evaluation__status__in=RUNNING))
        .order_by("-waiting", "evaluation__deadline", "-pk")
    )


def scores_visible(user, evaluation: Evaluation, rounds: dict[int, list[Assignment]]) -> set[int]:
    """The rounds whose individual scores this person may see. Office staff see all; an expert
    of the panel sees a round's scores only once they have submitted their own in it (blind)."""
    if not any(a.expert.user_id == user.pk for panel in rounds.values() for a in panel) or can(
        user, "evaluation.manage", evaluation
    ):
        return set(rounds)
    return {
        r for r, panel in rounds.items() if any(a.expert.user_id == user.pk and a.status == "submitted" for a in panel)
    }


def overdue_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(status__in=[AStatus.INVITED, AStatus.ACCEPTED], evaluation__deadline__lt=now)


@dataclass
class History:
    invited: int
    accepted: int
    declined: int
    completed: int
    overdue: int


def expert_history(expert: ExpertProfile) -> History:
    counts = Assignment.objects.filter(expert=expert).aggregate(
        invited=Count("pk"),
        accepted=Count("pk", filter=Q(status__in=[AStatus.ACCEPTED, AStatus.SUBMITTED])),
        declined=Count("pk", filter=Q(status=AStatus.DECLINED)),
        completed=Count("pk", filter=Q(status=AStatus.SUBMITTED)),
        overdue=Count("pk", filter=overdue_q()),
    )
    return History(**counts)


def experts_with_history(queryset: QuerySet) -> QuerySet:
    """The pool list with each expert's history counted in the same query."""
    now = timezone.now()
    return queryset.select_related("user", "organization", "region").annotate(
        invited=Count("assignments"),
        accepted=Count("assignments", filter=Q(assignments__status__in=[AStatus.ACCEPTED, AStatus.SUBMITTED])),
        declined=Count("assignments", filter=Q(assignments__status=AStatus.DECLINED)),
        completed=Count("assignments", filter=Q(assignments__status=AStatus.SUBMITTED)),
        overdue=Count(
            "assignments",
            filter=Q(
                assignments__status__in=[AStatus.INVITED, AStatus.ACCEPTED], assignments__evaluation__deadline__lt=now
            ),
        ),
        load=Count("assignments", filter=Q(assignments__status__in=[AStatus.INVITED, AStatus.ACCEPTED])),
    )


def next_actor(evaluation: Evaluation, waiting: dict[str, int] | None = None) -> str:
    """Who must act next, in words (the dashboard and the list show it)."""
    waiting = waiting or {}
    if evaluation.status == Status.ASSIGNING:
        if waiting.get("invited"):
            return f"{waiting['invited']} 位专家答复邀请"
        return "办公室：组建专家组"
    if evaluation.status == Status.SCORING:
        if waiting.get("accepted") and not evaluation.is_past_deadline:
            return f"{waiting['accepted']} 位专家评分"
        return "办公室：形成专家组结论"
    if evaluation.status == Status.CONCLUDED:
        return "办公室：终审"
    return "—"


def waiting_counts(evaluations: list[Evaluation]) -> dict[int, dict[str, int]]:
    """For a page of evaluations, how many experts of the current round still owe an answer or a
    score (one grouped query)."""
    rows = (
        Assignment.objects.filter(
            evaluation__in=[e.pk for e in evaluations],
            round=F("evaluation__round"),
            status__in=[AStatus.INVITED, AStatus.ACCEPTED],
        )
        .values("evaluation_id", "status")
        .annotate(n=Count("pk"))
    )
    result: dict[int, dict[str, int]] = {}
    for r in rows:
        result.setdefault(r["evaluation_id"], {})[r["status"]] = r["n"]
    return result


STAGE_SPANS = [
    ("组建专家组", "opened_at", "scoring_started_at"),
    ("专家评分", "scoring_started_at", "concluded_at"),
    ("待终审", "concluded_at", "finalized_at"),
]


def dashboard_figures(visible: QuerySet) -> dict:
    """Evaluations by stage, the flagged, overdue experts, average days at each stage and the
    current stage's age, and who must act next for the oldest waiting evaluations."""
    now = timezone.now()
    base = visible.order_by()
    by_status = {r["status"]: r["n"] for r in base.values("status").annotate(n=Count("pk"))}
    stages = [{"name": str(label), "value": by_status.get(value, 0)} for value, label in Status.choices]
    days = []
    for label, start, end in STAGE_SPANS:
        spans = base.filter(**{f"{start}__isnull": False, f"{end}__isnull": False}).values_list(start, end)[:5000]
        durations = [(b - a).total_seconds() / 86400 for a, b in spans]
        days.append({"name": label, "value": round(sum(durations) / len(durations), 1) if durations else 0})
    overdue = (
        Assignment.objects.filter(overdue_q(now), evaluation__in=base.filter(status__in=RUNNING).values("pk"))
        .filter(round=F("evaluation__round"))
        .select_related("expert__user", "expert__organization", "evaluation__technique")
        .order_by("evaluation__deadline")[:50]
    )
    waiting = list(
        base.filter(status__in=[Status.ASSIGNING, Status.SCORING, Status.CONCLUDED])
        .select_related("technique")
        .order_by("stage_entered_at")[:20]
    )
    counts = waiting_counts(waiting)
    return {
        "total": sum(by_status.values()),
        "flagged": base.filter(flagged=True, status__in=[*RUNNING, Status.CONCLUDED]).count(),
        "stages": stages,
        "days": days,
        "overdue": [
            {
                "expert": str(a.expert),
                "organization": a.expert.organization.name,
                "technique": a.evaluation.technique.name,
                "evaluation": a.evaluation_id,
                "status": a.get_status_display(),
                "days_late": (now - a.evaluation.deadline).days,
            }
            for a in overdue
        ],
        "next": [
            {
                "evaluation": e.pk,
                "technique": e.technique.name,
                "status": e.get_status_display(),
                "days": (now - e.stage_entered_at).days,
                "next": next_actor(e, counts.get(e.pk)),
                "flagged": e.flagged,
            }
            for e in waiting
        ],
    }


def graded(visible: QuerySet, params) -> QuerySet:
    """The graded database: finalized evaluations with their decision, filtered by grade, county
    and category."""
    results = visible.filter(status=Status.FINALIZED).select_related(
        "decision", "technique__region", "technique__category", "pricing"
    )
    grade = (params.get("grade") or "").strip()
    if grade:
        results = results.filter(decision__grade=grade)
    if params.get("passed") in ("yes", "no"):
        results = results.filter(decision__passed=params["passed"] == "yes")
    region = (params.get("region") or "").strip()
    if region:
        area = Region.objects.filter(code=region).first()
        results = results.filter(region__prefix__startswith=area.prefix) if area else results.none()
    if (params.get("category") or "").isdigit():
        results = results.filter(technique__category_id=int(params["category"]))
    return results.order_by("-finalized_at", "-pk")
