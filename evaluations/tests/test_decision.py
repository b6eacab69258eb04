"""The panel's conclusion, the office's separate final decision, re-review rounds (issue 5 §6)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from evaluations import services
from evaluations.models import Evaluation, FinalDecision, PanelConclusion
from evaluations.tests.factories import (
    UNIFORM,
    city_colleague,
    concluded_evaluation,
    invite_and_accept,
    scoring_evaluation,
    submit,
)
from lib.errors import ApplicationError
from notifications.models import Notification
from workflow.services import TransitionNotAllowed


def _conclude(world, evaluation, **overrides):
    values = dict(
        actor=world.yang,
        evaluation=evaluation,
        passed=True,
        grade="乙级",
        recommendation="promote",
        conclusion="疗效确切，操作安全。",
    )
    values.update(overrides)
    return services.evaluation_conclude(**values)


def test_the_panel_cannot_conclude_while_experts_still_owe_scores(world):
    evaluation, assignments = scoring_evaluation(world)
    submit(assignments[0])
    with pytest.raises(ApplicationError) as excinfo:
        _conclude(world, evaluation)
    assert "尚有 4 位专家未提交评分" in excinfo.value.message
    evaluation.refresh_from_db()
    assert evaluation.status == "scoring" and not PanelConclusion.objects.exists()


def test_after_the_deadline_the_panel_concludes_on_the_scores_it_has(world):
    evaluation, assignments = scoring_evaluation(world)
    submit(assignments[0])
    Evaluation.objects.filter(pk=evaluation.pk).update(deadline=timezone.now() - timedelta(hours=1))
    evaluation.refresh_from_db()
    conclusion = _conclude(world, evaluation)
    assert conclusion.score == pytest.approx(82.5) and conclusion.computed_grade == "乙级"


def test_the_conclusion_records_the_aggregate_per_panel_and_the_computed_grade(world):
    colleague = city_colleague(world)
    evaluation, assignments = scoring_evaluation(world)
    for a in assignments[:3]:
        submit(a)  # TCM: 82.5 each
    for a in assignments[3:]:
        submit(a, {**UNIFORM, "安全性": 70, "有效性": 65})  # Western: 82.5 − 5 − 5 = 72.5
    evaluation.refresh_from_db()
    conclusion = _conclude(world, evaluation, grade="乙级")
    assert conclusion.tcm_score == pytest.approx(82.5)
    assert conclusion.western_score == pytest.approx(72.5)
    # Five experts: drop one 82.5 and one 72.5 → (82.5 + 82.5 + 72.5) / 3
    assert conclusion.score == pytest.approx(79.17, abs=0.01)
    assert conclusion.computed_grade == "乙级"
    evaluation.refresh_from_db()
    assert evaluation.status == "concluded"
    # The office hears that the decision waits for it; 杨主任, who recorded the conclusion, is not
    # told of his own move (the workflow core's rule), his colleague is.
    assert Notification.objects.filter(recipient=colleague, title__contains="待终审").exists()
    assert not Notification.objects.filter(recipient=world.yang, title__contains="待终审").exists()


@pytest.mark.parametrize(
    ("passed", "grade", "message"),
    [
        (True, "", "通过筛选须评定等级"),
        (True, "优秀", "通过筛选须评定等级"),
        (False, "丙级", "未通过筛选的技术不评定等级"),
    ],
)
def test_the_grade_must_fit_the_screening_outcome_and_the_scale(world, passed, grade, message):
    evaluation, assignments = scoring_evaluation(world)
    for a in assignments:
        submit(a)
    evaluation.refresh_from_db()
    with pytest.raises(ApplicationError) as excinfo:
        _conclude(world, evaluation, passed=passed, grade=grade)
    assert message in excinfo.value.message
    assert not PanelConclusion.objects.exists()


def test_the_office_finalizes_and_the_grade_reaches_the_technique_database(world):
    evaluation, _ = concluded_evaluation(world)
    decision = services.evaluation_finalize(
        actor=world.yang, evaluation=evaluation, passed=True, grade="乙级", management_class="推广类"
    )
    assert (decision.grade, decision.technique_grade) == ("乙级", "B")
    evaluation.refresh_from_db()
    evaluation.technique.refresh_from_db()
    assert evaluation.status == "finalized" and evaluation.finalized_at is not None
    assert (evaluation.technique.grade, evaluation.technique.management_class) == ("B", "推广类")
    assert Notification.objects.filter(recipient=world.guo, title__contains="终审：乙级").exists()


def test_a_final_decision_that_differs_from_the_panel_needs_a_reason(world):
    evaluation, _ = concluded_evaluation(world)
    with pytest.raises(ApplicationError) as excinfo:
        services.evaluation_finalize(actor=world.yang, evaluation=evaluation, passed=True, grade="甲级")
    assert "与专家组结论（乙级）不同，须说明理由" in excinfo.value.message
    services.evaluation_finalize(
        actor=world.yang, evaluation=evaluation, passed=True, grade="甲级", reason="省级非遗项目，社会影响大，提级"
    )
    evaluation.technique.refresh_from_db()
    assert evaluation.technique.grade == "A"


def test_county_staff_may_not_finalize(world):
    from django.core.exceptions import PermissionDenied

    evaluation, _ = concluded_evaluation(world)
    with pytest.raises(PermissionDenied):
        services.evaluation_finalize(actor=world.sun, evaluation=evaluation, passed=True, grade="乙级")
    evaluation.refresh_from_db()
    assert evaluation.status == "concluded" and not FinalDecision.objects.exists()


def test_finalizing_twice_is_refused(world):
    evaluation, _ = concluded_evaluation(world)
    services.evaluation_finalize(actor=world.yang, evaluation=evaluation, passed=True, grade="乙级")
    stale = Evaluation.objects.get(pk=evaluation.pk)
    stale.status = "concluded"  # a page opened before the first decision
    with pytest.raises(TransitionNotAllowed):
        services.evaluation_finalize(actor=world.yang, evaluation=stale, passed=False, grade="", reason="改判")
    assert FinalDecision.objects.get().grade == "乙级"


def test_a_re_review_round_keeps_the_earlier_round_visible(world, experts, client_for):
    evaluation, first_round = concluded_evaluation(world, experts=experts)
    with pytest.raises(ApplicationError):
        services.evaluation_rereview(actor=world.yang, evaluation=evaluation, reason="", deadline=None)
    services.evaluation_rereview(
        actor=world.yang,
        evaluation=evaluation,
        reason="随访病例不足，补充后复评",
        deadline=timezone.now() + timedelta(days=20),
    )
    evaluation.refresh_from_db()
    assert (evaluation.status, evaluation.round, evaluation.score) == ("assigning", 2, None)
    # The same experts may sit again in the new round.
    second_round = invite_and_accept(world, evaluation, [experts[k] for k in ("ma", "lu", "song", "xu", "deng")])
    services.evaluation_start_scoring(actor=world.yang, evaluation=evaluation)
    for a in second_round:
        submit(a, {**UNIFORM, "安全性": 95, "有效性": 95})
    evaluation.refresh_from_db()
    services.evaluation_conclude(
        actor=world.yang,
        evaluation=evaluation,
        passed=True,
        grade="甲级",
        recommendation="promote",
        conclusion="补充随访后疗效确切",
    )
    assert list(PanelConclusion.objects.order_by("round").values_list("round", "grade")) == [(1, "乙级"), (2, "甲级")]
    page = client_for("yang").get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "第 1 轮专家组结论" in page and "第 2 轮专家组结论" in page and 'id="panel-1"' in page
    assert len(first_round) == 5
