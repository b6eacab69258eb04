"""Acts of the value evaluation (EVA-1..4, PRO-2), registered into accounts.permissions.ACTS, and
the rules of its pages that are not moves of a workflow.

The city office runs evaluations (003 §三(三).13: the city organizes the evaluation of the
techniques it accepted); county staff follow their county's evaluations; experts act on their
own invitations and see the evaluations they sit on.

Each rule below is the one answer for the service that enforces it, the view that offers it and
the template that shows it: a `…_refusal()` says why not (in Chinese, '' when allowed) and its
`may_…()` predicate is that answer as a yes or no.
"""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import ACTS, Act, Level, Role, can

CITY_OFFICE = dict(roles=frozenset({Role.OFFICE_STAFF}), region_levels=frozenset({Level.CITY}))

ACTS.update(
    {
        "expert.view": Act(gettext_lazy("查看评估专家"), roles=frozenset({Role.OFFICE_STAFF}), owner=True),
        "expert.manage": Act(gettext_lazy("管理专家库"), **CITY_OFFICE),
        # A declared relationship comes from the expert or is recorded by the office.
        "expert.declare": Act(gettext_lazy("申报利益关系"), **CITY_OFFICE, owner=True),
        "evaluation.view": Act(gettext_lazy("查看价值评估"), roles=frozenset({Role.OFFICE_STAFF}), owner=True),
        "evaluation.open": Act(gettext_lazy("发起价值评估"), **CITY_OFFICE),
        "evaluation.manage": Act(gettext_lazy("组织价值评估"), **CITY_OFFICE),
        "evaluation.finalize": Act(gettext_lazy("价值评估终审"), **CITY_OFFICE),
        # Evidence is gathered by the office and by the experts of the panel.
        "evaluation.evidence": Act(gettext_lazy("记录评估证据"), **CITY_OFFICE, owner=True),
        "assignment.respond": Act(gettext_lazy("答复评估邀请"), owner=True),
        "assignment.score": Act(gettext_lazy("提交专家评分"), owner=True),
        "promotion.manage": Act(gettext_lazy("维护推广名录"), **CITY_OFFICE),
        "pricing.manage": Act(gettext_lazy("提出价格与医保建议"), **CITY_OFFICE),
    }
)


# --- evidence (EVA-3) -------------------------------------------------------------------------------


def evidence_refusal(user, evaluation) -> str:
    """May this person add evidence (疗效判定, 患者随访) to this evaluation now? The office and the
    experts of the panel may (the act), while the evaluation is open, an expert only once they
    have accepted. '' when they may, else why not."""
    from evaluations.models import Assignment

    if not can(user, "evaluation.evidence", evaluation):
        return _("没有权限：%(act)s") % {"act": ACTS["evaluation.evidence"].label}
    if evaluation.is_closed:
        return _("评估已%(state)s，不能再补充证据") % {"state": evaluation.get_status_display().removeprefix("已")}
    if not can(user, "evaluation.manage", evaluation) and not (
        Assignment.objects.filter(
            evaluation=evaluation,
            expert__user=user,
            status__in=[Assignment.Status.ACCEPTED, Assignment.Status.SUBMITTED],
        ).exists()
    ):
        return _("接受评估邀请后才能记录证据")
    return ""


def may_add_evidence(user, evaluation) -> bool:
    return not evidence_refusal(user, evaluation)


def meeting_refusal(user, evaluation) -> str:
    """May this person record an expert meeting (专家论证会)? The office, while the evaluation is open."""
    if not can(user, "evaluation.manage", evaluation):
        return _("没有权限：%(act)s") % {"act": ACTS["evaluation.manage"].label}
    if evaluation.is_closed:
        return _("评估已结束，不能再记录论证会")
    return ""


def may_record_meeting(user, evaluation) -> bool:
    return not meeting_refusal(user, evaluation)


# --- the panel (EVA-2) ------------------------------------------------------------------------------


def inviting_refusal(user, evaluation) -> str:
    """May this person invite experts to the evaluation's current round? The office, while the
    panel works and before the scoring deadline."""
    if not can(user, "evaluation.manage", evaluation):
        return _("没有权限：%(act)s") % {"act": ACTS["evaluation.manage"].label}
    if evaluation.status not in evaluation.PANEL_STATES:
        return _("评估处于「%(state)s」阶段，不能再指派专家") % {"state": evaluation.get_status_display()}
    if evaluation.is_past_deadline:
        return _("评分已于 %(deadline)s 截止，不能再指派专家") % {"deadline": evaluation.deadline_text}
    return ""


def may_invite_experts(user, evaluation) -> bool:
    return not inviting_refusal(user, evaluation)


def may_set_availability(user, expert) -> bool:
    """The expert themselves or the office marks an expert (un)available for new panels."""
    return expert.user_id == user.pk or can(user, "expert.manage", expert)


def is_invited_expert(user, assignment) -> bool:
    """A personal invitation is answered by the invited expert only."""
    return assignment.expert.user_id == user.pk


# --- blind scoring (EVA-2, issue 13 §2) -------------------------------------------------------------
#
# The scores are every expert's sheet and weighted total, a round's aggregate (综合得分, by field,
# spreads), the disagreement flag, and the figures of the panel's conclusion. The final decision
# (passed, grade) is an outcome, not a score: the holders are told it.


def _party_q(user) -> Q:
    """Evaluations of a technique this person holds or declared online themselves (an office
    clerk who typed in a paper declaration is not its party)."""
    from techniques.models import Technique, TechniqueHolder

    held = TechniqueHolder.objects.filter(user_id=user.pk).values("technique_id")
    declared = Technique.objects.filter(entered_by_id=user.pk, channel=Technique.Channel.ONLINE).values("pk")
    return Q(technique_id__in=held) | Q(technique_id__in=declared)


def scores_visible_q(user, round_no: int | None = None) -> Q:
    """Blind scoring, the one rule, as a filter of evaluations: those whose scores of `round_no`
    (each evaluation's current round by default) this person may read, among the evaluations
    they may view at all (scope "evaluation.view").

    - The technique's holders and its online declarant never: they are the party evaluated.
    - An expert of the panel (Evaluation.owner_q's panel: invited, accepted or done, in any round)
      reads a round only once their own sheet for it is in, so that nobody scores anchored on
      the others' figures.
    - Everyone else who may view the evaluation — office staff by their role, superusers — reads
      every round as the sheets come in."""
    from evaluations.models import Assignment

    if not user.is_authenticated or not user.is_active:
        return Q(pk__isnull=True)  # never true (Q(pk__in=[]) cannot be annotated)
    mine = Assignment.objects.filter(evaluation=OuterRef("pk"), expert__user_id=user.pk)
    seated = mine.exclude(status__in=[Assignment.Status.DECLINED, Assignment.Status.WITHDRAWN])
    submitted = mine.filter(
        status=Assignment.Status.SUBMITTED, round=OuterRef("round") if round_no is None else round_no
    )
    return ~_party_q(user) & (Q(Exists(submitted)) | ~Q(Exists(seated)))


def with_scores_visible(queryset: QuerySet, user) -> QuerySet:
    """Evaluations annotated `scores_visible` (scores_visible_q for their current round): what a
    list shows a score and a disagreement flag for, in the list's own query."""
    return queryset.annotate(scores_visible=ExpressionWrapper(scores_visible_q(user), output_field=BooleanField()))


def visible_score_rounds(user, evaluation, rounds) -> set[int]:
    """Of these rounds of the evaluation, those whose scores this person may read (one query)."""
    from accounts.permissions import scope
    from evaluations.models import Evaluation

    rounds = sorted(set(rounds))
    if not rounds:
        return set()
    columns = {f"round_{r}": ExpressionWrapper(scores_visible_q(user, r), output_field=BooleanField()) for r in rounds}
    row = (
        scope(user, "evaluation.view", Evaluation.objects.filter(pk=evaluation.pk))
        .annotate(**columns)
        .values(*columns)
        .first()
    )
    return {r for r in rounds if row and row[f"round_{r}"]}


def scores_refusal(user, evaluation, round_no: int | None = None) -> str:
    """Why this person may not read the scores of the evaluation's round (by default the current
    one); '' when they may."""
    from evaluations.models import Evaluation

    round_no = round_no or evaluation.round
    if round_no in visible_score_rounds(user, evaluation, [round_no]):
        return ""
    if not can(user, "evaluation.view", evaluation):
        return _("没有权限：%(act)s") % {"act": ACTS["evaluation.view"].label}
    if Evaluation.objects.filter(_party_q(user), pk=evaluation.pk).exists():
        return _("您是该技术的持有人或申报人，不能查看专家评分")
    return _("背靠背评分：提交您本人的评分后才能查看其他专家的评分")


def may_see_scores(user, evaluation, round_no: int | None = None) -> bool:
    round_no = round_no or evaluation.round
    return round_no in visible_score_rounds(user, evaluation, [round_no])


# --- the panel's conclusion (issue 5 §6) --------------------------------------------------------------


def conclusion_blocker(evaluation, *, scored: bool, owing: int) -> str:
    """Whether the panel is done so that its conclusion can be recorded: at least one sheet in,
    and every accepted expert's sheet in unless the deadline has passed. '' when done."""
    if not scored:
        return _("尚无专家提交评分，不能形成结论")
    if owing and not evaluation.is_past_deadline:
        return _("尚有 %(n)d 位专家未提交评分，截止时间（%(deadline)s）前不能形成结论") % {
            "n": owing,
            "deadline": evaluation.deadline_text,
        }
    return ""


def ready_to_conclude_q(now) -> Q:
    """conclusion_blocker as a filter of evaluations in scoring: what waits for the office's
    conclusion (a score stored means a sheet is in)."""
    from evaluations.models import Assignment

    owing = Assignment.objects.filter(
        evaluation=OuterRef("pk"), round=F("evaluation__round"), status=Assignment.Status.ACCEPTED
    )
    return Q(score__isnull=False) & (~Exists(owing) | Q(deadline__lt=now))
