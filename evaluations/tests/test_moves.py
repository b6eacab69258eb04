"""The buttons of the evaluation's pages and the one move endpoint behind them
(POST /audit/move/<model>/<pk>/): the right person moves the record and the move is audited;
outside their scope the record does not exist (404), without the act it is refused (403); a page
that went stale is told someone else decided; a forged target changes nothing. And the rules that
are not moves, asked by service, view and template alike."""

import pytest

from evaluations import services
from evaluations.models import Evaluation
from evaluations.permissions import may_add_evidence
from evaluations.tests.factories import (
    accepted_technique,
    finalized_evaluation,
    invite_and_accept,
    open_evaluation,
    scoring_evaluation,
    submit,
)
from lib.errors import ApplicationError
from workflow.models import AuditEntry
from workflow.services import moves


def move_url(obj) -> str:
    return f"/audit/move/{obj._meta.app_label}.{obj._meta.model_name}/{obj.pk}/"


def panel_ready(world, experts, **kwargs) -> Evaluation:
    evaluation = open_evaluation(world, tcm=2, western=1, **kwargs)
    invite_and_accept(world, evaluation, [experts["ma"], experts["tian"], experts["xu"]])
    return evaluation


def status_of(obj) -> str:
    obj.refresh_from_db()
    return obj.status


# --- the evaluation ---------------------------------------------------------------------------------


def test_the_office_starts_scoring_with_the_button(world, experts, client_for):
    evaluation = panel_ready(world, experts)
    page = client_for("yang").get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert 'data-moves="scoring cancelled ' in page and "开始评分" in page
    response = client_for("yang").post(
        move_url(evaluation), {"to": "scoring", "expect": "assigning", "next": f"/evaluations/{evaluation.pk}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/evaluations/{evaluation.pk}/"
    assert status_of(evaluation) == "scoring" and evaluation.scoring_started_at is not None
    assert AuditEntry.objects.filter(
        content_type__model="evaluation", object_id=str(evaluation.pk), to_state="专家评分", outcome="success"
    ).exists()


def test_cancelling_needs_a_reason_and_then_ends_the_evaluation(world, experts, client_for):
    evaluation = open_evaluation(world)
    yang = client_for("yang")
    url = f"/evaluations/{evaluation.pk}/"
    response = yang.post(move_url(evaluation), {"to": "cancelled", "expect": "assigning", "next": url}, follow=True)
    assert "撤销评估须填写原因" in response.content.decode()
    assert status_of(evaluation) == "assigning"
    yang.post(move_url(evaluation), {"to": "cancelled", "expect": "assigning", "reason": "技术撤销入库"})
    assert status_of(evaluation) == "cancelled"
    assert "workflow-moves" not in yang.get(url).content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("zhou", 404), ("guo", 404), ("chen", 404), ("sun", 403), ("lin", 403)]
)
def test_people_without_the_act_cannot_move_an_evaluation(world, experts, client_for, persona, status):
    evaluation = panel_ready(world, experts)
    response = client_for(persona).post(move_url(evaluation), {"to": "scoring", "expect": "assigning"})
    assert response.status_code == status
    assert status_of(evaluation) == "assigning"
    # 孙科员 and 林干事 see the evaluation (their county's) but not its buttons.
    if status == 403:
        page = client_for(persona).get(f"/evaluations/{evaluation.pk}/").content.decode()
        assert "workflow-moves" not in page


def test_a_stale_page_is_told_someone_else_decided_and_nothing_changes(world, experts, client_for):
    evaluation = panel_ready(world, experts)
    url = f"/evaluations/{evaluation.pk}/"
    yang = client_for("yang")
    yang.post(move_url(evaluation), {"to": "cancelled", "expect": "assigning", "reason": "技术撤销入库"})
    response = yang.post(move_url(evaluation), {"to": "scoring", "expect": "assigning", "next": url}, follow=True)
    assert "已由其他人员处理" in response.content.decode()
    assert status_of(evaluation) == "cancelled"


@pytest.mark.parametrize(("forged", "status"), [("approved", 400), ("", 400), ("finalized", 400), ("concluded", 400)])
def test_a_forged_target_is_refused_and_changes_nothing(world, experts, client_for, forged, status):
    evaluation = panel_ready(world, experts)
    response = client_for("yang").post(move_url(evaluation), {"to": forged, "expect": "assigning"})
    assert response.status_code == status
    assert status_of(evaluation) == "assigning"


def test_a_move_the_table_does_not_allow_from_here_is_refused(world, experts, client_for):
    evaluation, _ = scoring_evaluation(world, experts=experts)
    response = client_for("yang").post(move_url(evaluation), {"to": "scoring", "expect": "scoring"})
    assert response.status_code == 409
    assert status_of(evaluation) == "scoring"


def test_the_conclusion_and_the_decision_are_links_to_their_forms(world, experts, client_for):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    for a in assignments:
        submit(a)
    url = f"/evaluations/{evaluation.pk}/"
    page = client_for("yang").get(url).content.decode()
    assert f'href="{url}#conclude-form" data-move="concluded"' in page and 'id="conclude-form"' in page
    assert 'id="decide-form"' not in page
    # County staff see the evaluation, not the forms.
    page = client_for("sun").get(url).content.decode()
    assert 'id="conclude-form"' not in page and "workflow-moves" not in page


def test_a_stale_conclusion_form_is_told_someone_else_decided(world, experts, client_for):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    for a in assignments:
        submit(a)
    yang = client_for("yang")
    url = f"/evaluations/{evaluation.pk}/"
    yang.post(move_url(evaluation), {"to": "cancelled", "expect": "scoring", "reason": "撤销"})
    response = yang.post(
        f"/evaluations/{evaluation.pk}/conclude/",
        {"passed": "yes", "grade": "乙级", "recommendation": "promote", "conclusion": "结论", "expect": "scoring"},
        HTTP_REFERER=url,
        follow=True,
    )
    assert status_of(evaluation) == "cancelled"
    assert "已由其他人员处理" in response.content.decode()


# --- the expert's assignment ------------------------------------------------------------------------


def test_the_expert_accepts_with_the_queue_button(world, experts, client):
    evaluation = open_evaluation(world)
    invitation = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    client.force_login(experts["ma"].user)
    page = client.get("/evaluations/mine/").content.decode()
    assert 'data-moves="accepted declined ' in page
    response = client.post(move_url(invitation), {"to": "accepted", "expect": "invited", "next": "/evaluations/mine/"})
    assert response.status_code == 302 and response["Location"] == "/evaluations/mine/"
    assert status_of(invitation) == "accepted" and invitation.responded_at is not None
    assert not invitation.link_hash
    assert AuditEntry.objects.filter(
        content_type__model="assignment", object_id=str(invitation.pk), to_state="已接受", outcome="success"
    ).exists()


def test_declining_with_the_button_needs_a_reason(world, experts, client):
    invitation = services.assignment_create(actor=world.yang, evaluation=open_evaluation(world), expert=experts["ma"])
    client.force_login(experts["ma"].user)
    response = client.post(
        move_url(invitation), {"to": "declined", "expect": "invited", "next": "/evaluations/mine/"}, follow=True
    )
    assert "谢绝邀请请填写原因" in response.content.decode()
    assert status_of(invitation) == "invited"


def test_another_expert_cannot_answer_an_invitation_with_the_button(world, experts, client):
    invitation = services.assignment_create(actor=world.yang, evaluation=open_evaluation(world), expert=experts["ma"])
    client.force_login(experts["tian"].user)
    assert client.post(move_url(invitation), {"to": "accepted", "expect": "invited"}).status_code == 404
    assert status_of(invitation) == "invited"
    assert AuditEntry.objects.filter(
        content_type__model="assignment", actor=experts["tian"].user, outcome="denied"
    ).exists()


@pytest.mark.parametrize(("persona", "status"), [("zhou", 404), ("sun", 403)])
def test_withdrawing_an_expert_is_the_city_offices(world, experts, client_for, persona, status):
    invitation = services.assignment_create(actor=world.yang, evaluation=open_evaluation(world), expert=experts["ma"])
    response = client_for(persona).post(move_url(invitation), {"to": "withdrawn", "expect": "invited", "reason": "x"})
    assert response.status_code == status
    assert status_of(invitation) == "invited"
    client_for("yang").post(move_url(invitation), {"to": "withdrawn", "expect": "invited", "reason": "改派"})
    assert status_of(invitation) == "withdrawn"


def test_an_answer_from_a_stale_queue_is_told_it_was_decided(world, experts, client):
    invitation = services.assignment_create(actor=world.yang, evaluation=open_evaluation(world), expert=experts["ma"])
    services.assignment_withdraw(actor=world.yang, assignment=invitation, reason="改派")
    client.force_login(experts["ma"].user)
    response = client.post(
        move_url(invitation), {"to": "accepted", "expect": "invited", "next": "/evaluations/mine/"}, follow=True
    )
    assert "已由其他人员处理" in response.content.decode()
    assert status_of(invitation) == "withdrawn"


def test_the_score_sheet_is_a_page_not_a_button(world, experts, client):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    a = assignments[0]
    client.force_login(a.expert.user)
    response = client.post(move_url(a), {"to": "submitted", "expect": "accepted"})
    assert response.status_code == 400 and status_of(a) == "accepted"
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    assert f'href="/evaluations/assignments/{a.pk}/score/" data-move="submitted"' in page


def test_moves_never_show_one_expert_another_experts_sheet(world, experts):
    _evaluation, assignments = scoring_evaluation(world, experts=experts)
    submit(assignments[0])
    tian = assignments[1].expert.user
    assert moves(assignments[0], tian) == []
    assert [m.to for m in moves(assignments[1], tian)] == ["submitted"]


def test_an_assignments_address_takes_each_where_they_act(world, experts, client, client_for):
    evaluation = open_evaluation(world)
    invitation = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    url = f"/evaluations/assignments/{invitation.pk}/"
    client.force_login(experts["ma"].user)
    assert client.get(url)["Location"] == f"/evaluations/mine/#assignment-{invitation.pk}"
    assert client_for("yang").get(url)["Location"] == f"/evaluations/{evaluation.pk}/#panel-1"
    assert client_for("zhou").get(url).status_code == 404
    # A second evaluation needs a technique of its own: the same declaration twice is now refused
    # as a duplicate (issue 12 §10).
    other = accepted_technique(world, name="郭氏捏脊治疗疳积")
    evaluation, assignments = scoring_evaluation(world, experts=experts, technique=other)
    client.force_login(assignments[1].expert.user)
    address = f"/evaluations/assignments/{assignments[1].pk}/"
    assert client.get(address)["Location"] == f"/evaluations/assignments/{assignments[1].pk}/score/"


# --- a rule that is not a move: may add evidence ------------------------------------------------------


def _page(client, evaluation) -> str:
    return client.get(f"/evaluations/{evaluation.pk}/").content.decode()


def _add(actor, evaluation):
    return services.efficacy_record_add(
        actor=actor, evaluation=evaluation, case="病例", measure="指标", before="1", after="2", judgement="effective"
    )


def test_service_page_and_predicate_agree_on_who_may_add_evidence(world, experts, client):
    evaluation = open_evaluation(world)
    invitation = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    ma = experts["ma"].user
    client.force_login(ma)
    # Invited only: no form, and the service refuses with the rule.
    assert not may_add_evidence(ma, evaluation) and 'id="ef_case"' not in _page(client, evaluation)
    with pytest.raises(ApplicationError) as excinfo:
        _add(ma, evaluation)
    assert excinfo.value.message == "接受评估邀请后才能记录证据"
    # Accepted: the form, and the service records.
    services.assignment_respond(actor=ma, assignment=invitation, accept=True)
    assert may_add_evidence(ma, evaluation) and 'id="ef_case"' in _page(client, evaluation)
    _add(ma, evaluation)


def test_nobody_adds_evidence_to_a_finalized_evaluation(world, experts, client_for):
    evaluation, _ = finalized_evaluation(world, experts=experts)
    assert not may_add_evidence(world.yang, evaluation)
    assert 'id="ef_case"' not in _page(client_for("yang"), evaluation)
    with pytest.raises(ApplicationError) as excinfo:
        _add(world.yang, evaluation)
    assert excinfo.value.message == "评估已终审，不能再补充证据"
