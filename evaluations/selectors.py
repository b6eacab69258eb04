"""Reads of the value evaluation: the evaluation page, the expert's queue, an expert's history,
the dashboard, who must act next, the graded database."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region
from accounts.permissions import can
from evaluations import permissions
from evaluations.models import (
    Assignment,
    EfficacyRecord,
    Evaluation,
    ExpertProfile,
    FollowUp,
    PanelConclusion,
    PricingProposal,
    PromotionListing,
    Score,
)
from evaluations.scoring import grade_for
from lib.errors import ApplicationError
from lib.params import as_id
from workflow.models import AuditEntry
from workflow.services import moves, state_label

Status = Evaluation.Status
AStatus = Assignment.Status
RUNNING = Evaluation.PANEL_STATES


def expert_queue(user) -> QuerySet:
    """The expert's invitations and panels, the ones waiting for them first."""
    return (
        Assignment.objects.filter(expert__user_id=user.pk)
        .select_related("evaluation__technique__region", "evaluation__technique__category", "expert__user")
        .annotate(waiting=Q(status__in=[AStatus.INVITED, AStatus.ACCEPTED], evaluation__status__in=RUNNING))
        .order_by("-waiting", "evaluation__deadline", "-pk")
    )


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
            return _("%(n)d 位专家答复邀请") % {"n": waiting["invited"]}
        return _("办公室：组建专家组")
    if evaluation.status == Status.SCORING:
        if waiting.get("accepted") and not evaluation.is_past_deadline:
            return _("%(n)d 位专家评分") % {"n": waiting["accepted"]}
        return _("办公室：形成专家组结论")
    if evaluation.status == Status.CONCLUDED:
        return _("办公室：终审")
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
    (Status.ASSIGNING.label, "opened_at", "scoring_started_at"),
    (Status.SCORING.label, "scoring_started_at", "concluded_at"),
    (Status.CONCLUDED.label, "concluded_at", "finalized_at"),
]


def dashboard_figures(visible: QuerySet, *, user) -> dict:
    """Evaluations by stage, the flagged, overdue experts, average days at each stage and the
    current stage's age, and who must act next for the oldest waiting evaluations. A disagreement
    is counted and marked only where the person may read the scores (blind scoring)."""
    now = timezone.now()
    base = visible.order_by()
    by_status = {r["status"]: r["n"] for r in base.values("status").annotate(n=Count("pk"))}
    stages = [{"name": str(label), "value": by_status.get(value, 0)} for value, label in Status.choices]
    days = []
    for label, start, end in STAGE_SPANS:
        spans = base.filter(**{f"{start}__isnull": False, f"{end}__isnull": False}).values_list(start, end)[:5000]
        durations = [(b - a).total_seconds() / 86400 for a, b in spans]
        days.append({"name": str(label), "value": round(sum(durations) / len(durations), 1) if durations else 0})
    overdue = (
        Assignment.objects.filter(overdue_q(now), evaluation__in=base.filter(status__in=RUNNING).values("pk"))
        .filter(round=F("evaluation__round"))
        .select_related("expert__user", "expert__organization", "evaluation__technique")
        .order_by("evaluation__deadline")[:50]
    )
    waiting = list(
        permissions.with_scores_visible(base.filter(status__in=list(Evaluation.TRANSITIONS)), user)
        .select_related("technique")
        .order_by("stage_entered_at")[:20]
    )
    counts = waiting_counts(waiting)
    return {
        "total": sum(by_status.values()),
        "flagged": base.filter(
            permissions.scores_visible_q(user), flagged=True, status__in=[*RUNNING, Status.CONCLUDED]
        ).count(),
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
                "flagged": e.flagged and e.scores_visible,
            }
            for e in waiting
        ],
    }


def graded(visible: QuerySet, params, *, user) -> QuerySet:
    """The graded database: finalized evaluations with their decision, filtered by grade, county
    and category; each says whether the person may read its score (blind scoring)."""
    results = permissions.with_scores_visible(visible.filter(status=Status.FINALIZED), user).select_related(
        "decision", "technique__region", "technique__category", "pricing"
    )
    grade = (params.get("grade") or "").strip()
    if grade:
        results = results.filter(decision__grade=grade)
    if params.get("passed") in ("yes", "no"):
        results = results.filter(decision__passed=params["passed"] == "yes")
    code = (params.get("region") or "").strip()
    if code:
        area = Region.objects.filter(code=code[:12]).first()
        if area is None:
            raise ApplicationError(_("区划代码「%(code)s」不存在") % {"code": code[:20]}, field="region")
        results = results.filter(region__prefix__startswith=area.prefix)
    if as_id(params.get("category")) is not None:
        results = results.filter(technique__category_id=as_id(params["category"]))
    return results.order_by("-finalized_at", "-pk")


# --- the evaluation page ----------------------------------------------------------------------------


def evaluation_for_page(pk: int) -> Evaluation:
    return get_object_or_404(
        Evaluation.objects.select_related(
            "technique__region", "technique__category", "technique__inheritance", "rubric", "grade_scale", "batch"
        ).prefetch_related(
            "technique__diseases",
            "technique__syndromes",
            "technique__features",
            "technique__holders",
            "rubric__criteria",
            "grade_scale__levels",
        ),
        pk=pk,
    )


def panel_rounds(evaluation: Evaluation) -> dict[int, list[Assignment]]:
    rounds: dict[int, list[Assignment]] = {}
    assignments = evaluation.assignments.select_related(
        "expert__user", "expert__organization", "waiver_by", "evaluation__technique"
    ).order_by("round", "field", "pk")
    for a in assignments:
        rounds.setdefault(a.round, []).append(a)
    return rounds


def score_sections(
    evaluation: Evaluation, rounds: dict[int, list[Assignment]], criteria, visible: set[int]
) -> list[dict]:
    """Each round's scores, or that they are hidden from this person (`visible`: the rounds
    permissions.visible_score_rounds lets them read)."""
    from evaluations.services import evaluation_aggregate

    sections = []
    for r in sorted(rounds):
        if r not in visible:
            sections.append({"round": r, "visible": False})
            continue
        submitted = [a for a in rounds[r] if a.status == AStatus.SUBMITTED]
        by_assignment: dict[int, dict[int, Score]] = {a.pk: {} for a in submitted}
        for s in Score.objects.filter(assignment_id__in=list(by_assignment)):
            by_assignment[s.assignment_id][s.criterion_id] = s
        sections.append(
            {
                "round": r,
                "visible": True,
                "result": evaluation_aggregate(evaluation, r),
                "rows": [(a, [by_assignment[a.pk].get(c.pk) for c in criteria]) for a in submitted],
            }
        )
    return sections


def evaluation_history(evaluation: Evaluation, *, scores_hidden: bool) -> list[AuditEntry]:
    """The evaluation's audit trail. A panel's conclusion is recorded with its score (「专家组结论：
    乙级（综合得分 82.50）」), so its reason is left out for whoever may not read every round's scores."""
    history = list(
        AuditEntry.objects.filter(
            content_type__app_label="evaluations", content_type__model="evaluation", object_id=str(evaluation.pk)
        )
        .select_related("actor")
        .order_by("created_at")[:200]
    )
    if scores_hidden:
        concluded = state_label(Evaluation, Status.CONCLUDED)
        for entry in history:
            if entry.to_state == concluded:
                entry.reason = ""
    return history


def evaluation_page(user, evaluation: Evaluation) -> dict:
    """Everything the evaluation page shows this person. Which forms it offers follows from the
    moves they may make now (workflow.moves) and the rules of evaluations.permissions."""
    from evaluations.services import experts_suggest, grade_levels

    rounds = panel_rounds(evaluation)
    criteria = list(evaluation.rubric.criteria.all())
    conclusions = list(evaluation.conclusions.select_related("recorded_by"))
    all_rounds = {*rounds, evaluation.round, *(c.round for c in conclusions)}
    score_rounds = permissions.visible_score_rounds(user, evaluation, all_rounds)
    sections = score_sections(evaluation, rounds, criteria, score_rounds)
    targets = {m.to for m in moves(evaluation, user)}
    levels = grade_levels(evaluation)
    current = next((s["result"] for s in sections if s["round"] == evaluation.round and s["visible"]), None)
    computed_grade = grade_for(current.score, levels) if current and current.score is not None else ""
    current_conclusion = next((c for c in conclusions if c.round == evaluation.round), None)
    decision = getattr(evaluation, "decision", None)  # made with the move to finalized
    panel_experts = (
        ExpertProfile.objects.filter(
            assignments__evaluation=evaluation, assignments__status__in=[AStatus.ACCEPTED, AStatus.SUBMITTED]
        )
        .select_related("user")
        .distinct()
    )
    return {
        "evaluation": evaluation,
        "technique": evaluation.technique,
        "criteria": criteria,
        "rounds": rounds,
        "score_sections": sections,
        # Blind scoring (permissions.scores_visible_q): the rounds whose scores, conclusion figures
        # and disagreement flag this person may read.
        "score_rounds": score_rounds,
        "scores_shown": evaluation.round in score_rounds,
        "mine": next((a for a in rounds.get(evaluation.round, []) if a.expert.user_id == user.pk), None),
        "suggestions": experts_suggest(evaluation=evaluation, limit=30)
        if permissions.may_invite_experts(user, evaluation)
        else [],
        "levels": levels,
        "computed_grade": computed_grade,
        "conclusions": conclusions,
        "current_conclusion": current_conclusion,
        "decision": decision,
        "may_add_evidence": permissions.may_add_evidence(user, evaluation),
        "may_record_meeting": permissions.may_record_meeting(user, evaluation),
        "efficacy": evaluation.efficacy_records.select_related("recorded_by"),
        "follow_ups": evaluation.follow_ups.select_related("recorded_by"),
        "meetings": evaluation.meetings.prefetch_related(
            Prefetch("attendees", queryset=ExpertProfile.objects.select_related("user"))
        ),
        "panel_experts": panel_experts,
        # The forms of the moves made on this page (Evaluation.move_pages), offered when the
        # person may make the move now.
        "offers_conclusion": Status.CONCLUDED in targets,
        "offers_decision": bool({Status.FINALIZED, Status.ASSIGNING} & targets),
        "recommendations": PanelConclusion._meta.get_field("recommendation").choices,
        "history": evaluation_history(evaluation, scores_hidden=not all_rounds <= score_rounds),
        "judgements": EfficacyRecord.Judgement.choices,
        "methods": FollowUp.Method.choices,
        "outcomes": outcomes_section(user, evaluation, decision),
    }


def outcomes_section(user, evaluation: Evaluation, decision) -> dict:
    """The promotion listing and pricing of a technique that passed the final decision."""
    if decision is None or not decision.passed:
        return {}
    listing = (
        PromotionListing.objects.filter(technique_id=evaluation.technique_id)
        .prefetch_related("training_classes__trainees", "training_classes__holder", "clinics__organization")
        .first()
    )
    return {
        "listing": listing,
        "pricing": PricingProposal.objects.filter(evaluation=evaluation).first(),
        "can_promote": can(user, "promotion.manage", evaluation),
        "can_price": can(user, "pricing.manage", evaluation),
        "holders": list(evaluation.technique.holders.all()),
    }
