"""What waits for whom (workflow.waiting_for, and the one to-do evaluations/todos.py adds): an
expert's invitation while its round runs and their sheet while it is scored; the city office's
evaluations to assemble a panel for and to decide, and a conclusion once the panel is done."""

from datetime import timedelta

from django.utils import timezone

from evaluations import services
from evaluations.models import Assignment, Evaluation
from evaluations.tests.factories import (
    accepted_technique,
    city_colleague,
    concluded_evaluation,
    open_evaluation,
    scoring_evaluation,
    submit,
)
from portal.todos import todos_for
from workflow.services import waiting_for

EVERYONE_ELSE = ("zhang", "liming", "wang", "zhao", "chen", "sun", "zhou", "guo", "lin", "admin")


def mine(user) -> list:
    return [w for w in waiting_for(user) if isinstance(w.obj, Assignment | Evaluation)]


def test_an_invitation_waits_for_its_expert_and_the_panel_for_the_office(world, experts):
    colleague = city_colleague(world)
    evaluation = open_evaluation(world)
    invitation = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    [waiting] = mine(experts["ma"].user)
    assert (waiting.obj, waiting.title) == (invitation, "答复评估邀请：郭氏小儿推拿治疗积滞 · 马建华")
    assert waiting.url == f"/evaluations/assignments/{invitation.pk}/"
    for office in (world.yang, colleague):
        assert [(w.obj, w.title) for w in mine(office)] == [(evaluation, "组织价值评估：郭氏小儿推拿治疗积滞")]
    assert not mine(experts["tian"].user)
    for persona in EVERYONE_ELSE:
        assert not mine(getattr(world, persona)), persona


def test_an_accepted_expert_waits_for_nothing_until_scoring_starts_then_for_the_sheet(world, experts):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    ma = experts["ma"].user
    [waiting] = mine(ma)
    assert waiting.obj == assignments[0] and waiting.title.startswith("提交专家评分：郭氏小儿推拿治疗积滞")
    other = open_evaluation(world, accepted_technique(world, "郭氏艾灸治疗腹痛"))
    accepted = services.assignment_create(actor=world.yang, evaluation=other, expert=experts["ma"])
    services.assignment_respond(actor=ma, assignment=accepted, accept=True)
    assert [w.obj for w in mine(ma)] == [assignments[0]]  # the second panel is still being formed
    submit(assignments[0])
    assert not mine(ma)


def test_an_invitation_of_an_evaluation_that_ended_waits_for_nobody(world, experts):
    evaluation = open_evaluation(world)
    services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    services.evaluation_cancel(actor=world.yang, evaluation=evaluation, reason="技术已撤销")
    assert not mine(experts["ma"].user)
    assert not mine(world.yang)


def test_a_scoring_evaluation_waits_for_the_office_only_once_the_panel_is_done(world, experts):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    for a in assignments[:-1]:
        submit(a)
    titles = [t.title for t in todos_for(world.yang)]
    assert "形成专家组结论：郭氏小儿推拿治疗积滞" not in titles
    assert not mine(world.yang)  # nothing to assemble or decide either
    submit(assignments[-1])
    [todo] = [t for t in todos_for(world.yang) if t.title == "形成专家组结论：郭氏小儿推拿治疗积滞"]
    assert todo.url == f"/evaluations/{evaluation.pk}/#conclude-form"
    for persona in EVERYONE_ELSE:
        assert not [t for t in todos_for(getattr(world, persona)) if "形成专家组结论" in t.title], persona


def test_after_the_deadline_the_conclusion_is_due_on_the_sheets_in(world, experts):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    submit(assignments[0])
    Evaluation.objects.filter(pk=evaluation.pk).update(deadline=timezone.now() - timedelta(hours=1))
    assert "形成专家组结论：郭氏小儿推拿治疗积滞" in [t.title for t in todos_for(world.yang)]


def test_a_concluded_evaluation_waits_for_the_city_office_only(world, experts):
    colleague = city_colleague(world)
    evaluation, _ = concluded_evaluation(world, experts=experts)
    for office in (world.yang, colleague):
        assert [(w.obj, w.title) for w in mine(office)] == [(evaluation, "价值评估终审：郭氏小儿推拿治疗积滞")]
    for persona in EVERYONE_ELSE:
        assert not mine(getattr(world, persona)), persona
    for e in experts.values():
        assert not mine(e.user)
