"""Workbench to-dos of the evaluation that the transition tables cannot give.

What waits in a state comes from workflow.waiting_for: an invitation to answer and a sheet to
score (the expert; Assignment.owner_q keeps to the ones that can be acted on), an evaluation
to assemble a panel for or to decide (the city office). One move waits for more than a state:
the panel's conclusion is due only once the panel is done — every sheet in, or the deadline
passed (evaluations.permissions.conclusion_blocker) — so Evaluation.SIDE_MOVES leaves it out of
waiting_for and it is listed here when it is due. Bounded queries only."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.todos import Todo, provider


@provider
def conclusions_due(user) -> list[Todo]:
    from accounts.permissions import can, scope
    from evaluations.models import Evaluation
    from evaluations.permissions import ready_to_conclude_q, with_scores_visible

    # Superusers could do everything, so nothing waits for them (as in workflow.waiting_for).
    if user.is_superuser or not can(user, "evaluation.manage"):
        return []
    due = scope(user, "evaluation.manage", Evaluation.objects.filter(status=Evaluation.Status.SCORING))
    due = with_scores_visible(due.filter(ready_to_conclude_q(timezone.now())), user).select_related("technique")
    return [
        Todo(
            kind=str(Evaluation._meta.verbose_name),
            title=_("形成专家组结论：%(name)s") % {"name": evaluation},
            detail=_("专家意见存在分歧") if evaluation.flagged and evaluation.scores_visible else "",
            url=evaluation.move_pages()[Evaluation.Status.CONCLUDED],
            since=evaluation.stage_entered_at,
        )
        for evaluation in due.order_by("stage_entered_at")[:50]
    ]
