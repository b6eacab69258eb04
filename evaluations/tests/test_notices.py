"""Who hears of each arrival of the evaluation's two workflows (Evaluation.NOTIFY,
Assignment.NOTIFY): the right people, exactly once each, never the person who made the move —
and never an expert learning how another expert scored."""

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from evaluations import services
from evaluations.tests.factories import (
    city_colleague,
    concluded_evaluation,
    invite_and_accept,
    open_evaluation,
    scoring_evaluation,
    submit,
)
from notifications.models import Notification


def told(title_part: str) -> Counter:
    """username → how many notices with this in the title they received."""
    return Counter(
        Notification.objects.filter(title__contains=title_part).values_list("recipient__username", flat=True)
    )


def usernames(*people) -> Counter:
    return Counter(p.username for p in people)


# --- the evaluation ---------------------------------------------------------------------------------


def test_starting_to_score_tells_each_expert_who_accepted_once(world, experts):
    evaluation = open_evaluation(world)
    declined = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["lu"])
    services.assignment_respond(actor=experts["lu"].user, assignment=declined, accept=False, reason="需回避")
    panel = [experts[k] for k in ("ma", "tian", "he", "xu", "cao")]
    invite_and_accept(world, evaluation, panel)
    services.evaluation_start_scoring(actor=world.yang, evaluation=evaluation)
    assert told("请为「郭氏小儿推拿治疗积滞」评分") == usernames(*(e.user for e in panel))
    notice = Notification.objects.get(recipient=experts["ma"].user, title__startswith="请为")
    assert evaluation.deadline_text in notice.body and notice.url == f"/evaluations/{evaluation.pk}/"


def test_a_conclusion_tells_the_office_but_not_the_one_who_recorded_it(world, experts):
    colleague = city_colleague(world)
    concluded_evaluation(world, experts=experts)
    assert told("待终审") == usernames(colleague)
    notice = Notification.objects.get(recipient=colleague, title__contains="待终审")
    assert notice.body.startswith("专家组结论：乙级")


def test_a_final_decision_tells_the_holder_and_every_expert_of_the_panel_once(world, experts):
    colleague = city_colleague(world)
    evaluation, assignments = concluded_evaluation(world, experts=experts)
    services.evaluation_finalize(actor=world.yang, evaluation=evaluation, passed=True, grade="乙级")
    assert told("价值评估终审：乙级") == usernames(world.guo, *(a.expert.user for a in assignments))
    assert not told("价值评估终审")[colleague.username]


def test_a_technique_that_does_not_pass_is_told_so(world, experts):
    evaluation, _ = concluded_evaluation(world, experts=experts)
    services.evaluation_finalize(
        actor=world.yang, evaluation=evaluation, passed=False, grade="", reason="疗效证据不足，不予通过"
    )
    notice = Notification.objects.get(recipient=world.guo, title__contains="价值评估终审")
    assert notice.title.endswith("价值评估终审：未通过筛选") and "疗效证据不足" in notice.body


def test_a_re_review_tells_the_holder_and_the_office_once(world, experts):
    colleague = city_colleague(world)
    evaluation, _ = concluded_evaluation(world, experts=experts)
    services.evaluation_rereview(
        actor=world.yang, evaluation=evaluation, reason="随访病例不足", deadline=timezone.now() + timedelta(days=20)
    )
    assert told("将复评") == usernames(world.guo, colleague)
    assert "随访病例不足" in Notification.objects.get(recipient=world.guo, title__contains="将复评").body


def test_a_cancelled_evaluation_tells_the_holder_and_the_experts_still_on_it(world, experts):
    evaluation = open_evaluation(world)
    services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    declined = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["tian"])
    services.assignment_respond(actor=experts["tian"].user, assignment=declined, accept=False, reason="出差")
    services.evaluation_cancel(actor=world.yang, evaluation=evaluation, reason="技术已被撤销入库")
    assert told("价值评估已撤销") == usernames(world.guo, experts["ma"].user)


# --- the expert's assignment ------------------------------------------------------------------------


def test_an_answer_tells_the_office_once_and_not_the_expert(world, experts):
    colleague = city_colleague(world)
    evaluation = open_evaluation(world)
    first = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    second = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["tian"])
    services.assignment_respond(actor=experts["ma"].user, assignment=first, accept=True)
    services.assignment_respond(actor=experts["tian"].user, assignment=second, accept=False, reason="三月赴京学习")
    assert told("马建华接受了") == usernames(world.yang, colleague)
    assert told("田玉珍谢绝了") == usernames(world.yang, colleague)
    declined = Notification.objects.get(recipient=world.yang, title__contains="谢绝了")
    assert declined.body == "三月赴京学习" and declined.url == f"/evaluations/assignments/{second.pk}/"


def test_a_withdrawn_expert_is_told_with_the_reason(world, experts):
    evaluation = open_evaluation(world)
    assignment = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    services.assignment_withdraw(actor=world.yang, assignment=assignment, reason="突发疾病住院")
    assert told("的评估邀请已撤回") == usernames(experts["ma"].user)
    assert Notification.objects.get(title__contains="已撤回").body == "突发疾病住院"


def test_the_office_hears_once_when_the_last_sheet_is_in_and_no_expert_hears_of_another(world, experts):
    colleague = city_colleague(world)
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    panel = {a.expert.user.username for a in assignments}
    before = Counter(Notification.objects.values_list("recipient__username", flat=True))
    for a in assignments[:-1]:
        submit(a, {"安全性": 40, "有效性": 90, "传承价值": 80, "独特性": 80, "推广难易度": 75})
    assert not told("专家已全部提交评分")
    submit(assignments[-1])
    assert told("专家已全部提交评分") == usernames(world.yang, colleague)
    body = Notification.objects.get(recipient=colleague, title__contains="全部提交").body
    assert body.startswith("请汇总形成专家组结论。") and "分歧" in body  # 40 against 90 on 安全性
    # Blind: scoring tells the experts nothing about one another's sheets.
    after = Counter(Notification.objects.values_list("recipient__username", flat=True))
    assert all(after[name] == before[name] for name in panel)
