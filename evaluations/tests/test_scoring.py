"""Submitting scores (issue 5 §5): independent and blind; refused twice, late, out of range or
with a required criterion empty — with a clear message, and nothing written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from evaluations import services
from evaluations.models import Assignment, Evaluation, Score
from evaluations.tests.factories import UNIFORM, criteria_by_name, scoring_evaluation, sheet, submit
from lib.errors import ApplicationError


def _refused(assignment, values, message):
    assignment.refresh_from_db()
    with pytest.raises(ApplicationError) as excinfo:
        services.score_submit(actor=assignment.expert.user, assignment=assignment, sheet=sheet(values))
    assert message in excinfo.value.message
    assert not Score.objects.filter(assignment=assignment).exists()
    assignment.refresh_from_db()
    assert assignment.status == "accepted"
    return excinfo.value


def test_an_expert_submits_a_sheet_and_gets_a_weighted_total(world):
    evaluation, assignments = scoring_evaluation(world)
    submit(assignments[0])
    a = Assignment.objects.get(pk=assignments[0].pk)
    assert a.status == "submitted" and a.submitted_at is not None
    assert a.total == pytest.approx(82.5)
    assert Score.objects.filter(assignment=a).count() == 7
    evaluation.refresh_from_db()
    assert evaluation.score == pytest.approx(82.5)


def test_not_applicable_on_an_optional_criterion_is_excluded(world):
    _evaluation, assignments = scoring_evaluation(world)
    submit(assignments[0], {**UNIFORM, "经济价值": "n/a", "社会价值": "n/a"})
    a = Assignment.objects.get(pk=assignments[0].pk)
    # (0.25×90 + 0.25×85 + 0.15×80 + 0.1×80 + 0.1×75) / 0.85 = 71.25 / 0.85
    assert a.total == pytest.approx(71.25 / 0.85)


def test_scoring_twice_is_refused(world):
    _evaluation, assignments = scoring_evaluation(world)
    submit(assignments[0])
    with pytest.raises(ApplicationError) as excinfo:
        submit(assignments[0], {**UNIFORM, "安全性": 10})
    assert excinfo.value.message == "您已提交过本轮评分，不能重复评分"
    assert Score.objects.get(assignment=assignments[0], criterion__name="安全性").value == 90


def test_scoring_after_the_deadline_is_refused(world):
    evaluation, assignments = scoring_evaluation(world)
    Evaluation.objects.filter(pk=evaluation.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assignments[0].evaluation.refresh_from_db()
    _refused(assignments[0], UNIFORM, "评分已于")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (101, "「安全性」的分数必须在 0 到 100 之间"),
        (-1, "必须在 0 到 100 之间"),
        ("九十", "「安全性」的分数必须是数字"),
        ("90.25", "最多保留一位小数"),
    ],
)
def test_a_score_out_of_range_or_not_a_number_is_refused(world, value, message):
    _evaluation, assignments = scoring_evaluation(world)
    _refused(assignments[0], {**UNIFORM, "安全性": value}, message)


def test_leaving_a_required_criterion_empty_is_refused_naming_it(world):
    _evaluation, assignments = scoring_evaluation(world)
    values = {k: v for k, v in UNIFORM.items() if k != "有效性"}
    error = _refused(assignments[0], values, "「有效性」为必评项，请填写分数")
    assert error.field == f"c{criteria_by_name()['有效性']}"


def test_not_applicable_is_refused_where_the_rubric_does_not_allow_it(world):
    _evaluation, assignments = scoring_evaluation(world)
    _refused(assignments[0], {**UNIFORM, "安全性": "n/a"}, "「安全性」不允许选择「不适用」")


def test_all_errors_of_a_sheet_are_named_at_once(world):
    _evaluation, assignments = scoring_evaluation(world)
    error = _refused(assignments[0], {**UNIFORM, "安全性": 120, "有效性": ""}, "「安全性」")
    assert "「有效性」为必评项" in error.message


def test_an_expert_who_has_not_accepted_may_not_score(world, experts):
    evaluation, _assignments = scoring_evaluation(world)
    services.assignment_withdraw(actor=world.yang, assignment=_assignments[0], reason="改派")
    invited = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["lu"])
    with pytest.raises(ApplicationError) as excinfo:
        services.score_submit(actor=experts["lu"].user, assignment=invited, sheet=sheet(UNIFORM))
    assert "接受邀请后才能评分" in excinfo.value.message


def test_one_expert_cannot_score_on_anothers_sheet(world, client):
    from django.http import Http404

    _evaluation, assignments = scoring_evaluation(world)
    intruder = assignments[1].expert.user
    with pytest.raises(Http404):
        services.score_submit(actor=intruder, assignment=assignments[0], sheet=sheet(UNIFORM))
    client.force_login(intruder)
    assert client.get(f"/evaluations/assignments/{assignments[0].pk}/score/").status_code == 404


def test_scores_are_blind_until_the_expert_has_submitted(world, client):
    evaluation, assignments = scoring_evaluation(world)
    submit(assignments[0], {**UNIFORM, "安全性": 61})
    client.force_login(assignments[1].expert.user)
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "提交您本人的评分后" in page and "61.0" not in page
    assert client.get(f"/api/v1/evaluations/{evaluation.pk}/aggregate").status_code == 403
    submit(assignments[1])
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "61.0" in page
    assert client.get(f"/api/v1/evaluations/{evaluation.pk}/aggregate").json()["score"] is not None


def test_the_office_sees_every_score_as_it_comes(world, client_for):
    evaluation, assignments = scoring_evaluation(world)
    submit(assignments[0], {**UNIFORM, "安全性": 61})
    assert "61.0" in client_for("yang").get(f"/evaluations/{evaluation.pk}/").content.decode()


def test_disagreement_flags_the_evaluation_and_shows_the_criterion(world, client_for):
    evaluation, assignments = scoring_evaluation(world)
    submit(assignments[0])
    submit(assignments[1], {**UNIFORM, "有效性": 40})
    evaluation.refresh_from_db()
    assert evaluation.flagged
    page = client_for("yang").get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert "专家意见分歧" in page and "有效性：最低 40.0，最高 85.0，相差 45.0" in page


def test_the_score_sheet_page_shows_the_error_and_keeps_what_was_typed(world, client):
    _evaluation, assignments = scoring_evaluation(world)
    a = assignments[0]
    client.force_login(a.expert.user)
    ids = criteria_by_name()
    data = {f"c{ids[name]}": v for name, v in UNIFORM.items()}
    data[f"c{ids['安全性']}"] = "150"
    response = client.post(f"/evaluations/assignments/{a.pk}/score/", data)
    body = response.content.decode()
    assert response.status_code == 200 and "「安全性」的分数必须在 0 到 100 之间" in body and 'value="150"' in body
    data[f"c{ids['安全性']}"] = "88"
    response = client.post(f"/evaluations/assignments/{a.pk}/score/", data)
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == "submitted"


def test_aggregating_many_evaluations_at_once_agrees_with_one_by_one(world, experts, django_assert_max_num_queries):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    submit(assignments[0])
    submit(assignments[1], {**UNIFORM, "有效性": 40, "经济价值": "n/a"})
    with django_assert_max_num_queries(4):
        many = services.evaluations_aggregate_many([evaluation.pk])
    one = services.evaluation_aggregate(evaluation)
    assert many[evaluation.pk].score == pytest.approx(one.score)
    assert many[evaluation.pk].flagged == one.flagged is True
