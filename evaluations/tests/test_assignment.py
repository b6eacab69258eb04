"""Assignment with recusal (EVA-2): suggestions, conflicts and waivers, the personal link."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from evaluations import services
from evaluations.models import Assignment
from evaluations.tests.factories import accepted_technique, expert, hospital, invite_and_accept, open_evaluation
from lib.errors import ApplicationError
from notifications.models import Notification
from workflow.models import AuditEntry


def test_suggestions_come_by_specialty_match_then_by_load(world, experts):
    evaluation = open_evaluation(world)  # 小儿推拿 for 积滞 and 厌食
    acupuncture = expert(world, "范志远", specialties=("针刺疗法",))
    both = expert(world, "钱守仁", specialties=("小儿推拿", "积滞"))
    busy = experts["ma"]
    other = open_evaluation(world, accepted_technique(world, "郭氏艾灸治疗腹痛"))
    services.assignment_create(actor=world.yang, evaluation=other, expert=busy)
    order = [s.expert for s in services.experts_suggest(evaluation=evaluation, field="tcm")]
    assert order[0] == both  # two matching specialties
    assert order.index(busy) > order.index(experts["tian"])  # same match, more load
    assert order[-1] == acupuncture  # no match


def test_conflicts_are_detected_same_unit_same_county_and_declared(world, experts):
    evaluation = open_evaluation(world)  # 郭秀兰 of a 临猗县 village clinic; the technique in 盐湖区
    colleague = expert(world, "郭建平", organization=world.village_clinic)
    neighbour = expert(world, "", user=world.chen)  # 运城市中医医院, 盐湖区
    pupil = experts["he"]
    services.expert_relationship_declare(actor=pupil.user, expert=pupil, kind="teacher", holder_name="郭秀兰")
    suggestions = {s.expert: s.conflicts for s in services.experts_suggest(evaluation=evaluation, limit=50)}
    assert suggestions[colleague] == [f"与持有人同单位（{world.village_clinic.name}）"]
    assert suggestions[neighbour] == ["与技术同在盐湖区"]
    assert suggestions[pupil] == ["申报了与持有人「郭秀兰」的师承关系"]
    assert suggestions[experts["ma"]] == []


def test_a_conflicted_expert_is_refused_without_a_waiver_and_nothing_changes(world):
    evaluation = open_evaluation(world)
    neighbour = expert(world, "", user=world.chen)
    with pytest.raises(ApplicationError) as excinfo:
        services.assignment_create(actor=world.yang, evaluation=evaluation, expert=neighbour)
    assert excinfo.value.message.startswith("「陈专家」需回避：与技术同在盐湖区")
    assert excinfo.value.field == "waiver_reason"
    assert not Assignment.objects.exists()
    assert not Notification.objects.filter(recipient=world.chen).exists()


def test_with_a_waiver_the_office_may_assign_and_the_reason_is_kept(world):
    evaluation = open_evaluation(world)
    neighbour = expert(world, "", user=world.chen)
    assignment = services.assignment_create(
        actor=world.yang,
        evaluation=evaluation,
        expert=neighbour,
        waiver_reason="全市仅陈专家专长小儿推拿，回避后无法组成专家组",
    )
    assert assignment.conflicts == ["与技术同在盐湖区"]
    assert assignment.waiver_by == world.yang
    entry = AuditEntry.objects.get(action="create", content_type__model="assignment")
    assert "回避豁免" in entry.reason and "全市仅陈专家" in entry.reason
    notice = Notification.objects.get(recipient=world.chen)
    assert notice.url.startswith("/evaluations/invitations/")


def test_a_full_panel_refuses_another_expert_of_that_field(world, experts):
    evaluation = open_evaluation(world, tcm=3, western=0)
    invite_and_accept(world, evaluation, [experts["ma"], experts["tian"], experts["he"]])
    with pytest.raises(ApplicationError) as excinfo:
        services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["lu"])
    assert "中医专家已满 3 人" in excinfo.value.message
    with pytest.raises(ApplicationError):
        services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["xu"])


def test_the_same_expert_is_not_invited_twice_in_a_round(world, experts):
    evaluation = open_evaluation(world)
    services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    with pytest.raises(ApplicationError) as excinfo:
        services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    assert "已在本轮专家组中" in excinfo.value.message


def _invite(world, experts):
    evaluation = open_evaluation(world)
    services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    link = Notification.objects.get(recipient=experts["ma"].user).url
    return evaluation, Assignment.objects.get(), link


def test_the_invited_expert_accepts_with_one_click_of_the_personal_link(world, experts, client):
    _evaluation, assignment, link = _invite(world, experts)
    client.force_login(experts["ma"].user)
    page = client.get(link)
    assert page.status_code == 200 and "郭氏小儿推拿治疗积滞" in page.content.decode()
    response = client.post(link, {"answer": "accept"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == "accepted" and assignment.responded_at is not None
    # The link is spent.
    assert client.get(link).status_code == 404
    assert Notification.objects.filter(recipient=world.yang, title__contains="接受了").exists()


def test_declining_needs_a_reason(world, experts, client):
    _evaluation, assignment, link = _invite(world, experts)
    client.force_login(experts["ma"].user)
    response = client.post(link, {"answer": "decline", "reason": ""})
    assert "谢绝邀请请填写原因" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == "invited"
    client.post(link, {"answer": "decline", "reason": "三月赴京学习，无法参加"})
    assignment.refresh_from_db()
    assert (assignment.status, assignment.response_reason) == ("declined", "三月赴京学习，无法参加")


def test_another_expert_opening_the_link_is_refused_and_nothing_changes(world, experts, client):
    _evaluation, assignment, link = _invite(world, experts)
    client.force_login(experts["tian"].user)
    for response in (client.get(link), client.post(link, {"answer": "decline", "reason": "代答"})):
        assert response.status_code == 403
        assert "属于其他专家" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == "invited" and assignment.link_hash
    denied = AuditEntry.objects.filter(outcome="denied", content_type__model="assignment")
    assert denied.count() == 2 and denied.first().actor == experts["tian"].user


def test_another_expert_cannot_answer_through_the_queue_either(world, experts, client):
    _evaluation, assignment, _link = _invite(world, experts)
    client.force_login(experts["tian"].user)
    assert client.post(f"/evaluations/assignments/{assignment.pk}/respond/", {"answer": "accept"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.assignment_respond(actor=experts["tian"].user, assignment=assignment, accept=True)
    assignment.refresh_from_db()
    assert assignment.status == "invited"


def test_an_expired_link_is_refused(world, experts, client):
    _evaluation, assignment, link = _invite(world, experts)
    Assignment.objects.filter(pk=assignment.pk).update(link_expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(experts["ma"].user)
    response = client.post(link, {"answer": "accept"})
    assert response.status_code == 404 and "已过期" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == "invited"


def test_a_forged_link_is_refused(world, experts, client):
    _invite(world, experts)
    client.force_login(experts["ma"].user)
    assert client.get("/evaluations/invitations/not-a-real-token/").status_code == 404


def test_the_link_expires_no_later_than_the_deadline(world, experts):
    evaluation = open_evaluation(world, days=2)
    assignment = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    assert assignment.link_expires_at == evaluation.deadline


def test_scoring_starts_only_when_the_panel_is_complete(world, experts):
    evaluation = open_evaluation(world, tcm=2, western=1)
    invite_and_accept(world, evaluation, [experts["ma"], experts["tian"]])
    with pytest.raises(ApplicationError) as excinfo:
        services.evaluation_start_scoring(actor=world.yang, evaluation=evaluation)
    assert excinfo.value.message == "专家组尚未组建完成：中医已接受 2/2 人，西医已接受 0/1 人"
    invite_and_accept(world, evaluation, [experts["xu"]])
    services.evaluation_start_scoring(actor=world.yang, evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.status == "scoring"
    assert Notification.objects.filter(recipient=experts["xu"].user, title__startswith="请为").exists()


def test_a_withdrawn_expert_frees_the_seat(world, experts):
    evaluation = open_evaluation(world, tcm=3, western=0)
    first, *_ = invite_and_accept(world, evaluation, [experts["ma"], experts["tian"], experts["he"]])
    with pytest.raises(ApplicationError):
        services.assignment_withdraw(actor=world.yang, assignment=first, reason="")
    services.assignment_withdraw(actor=world.yang, assignment=first, reason="突发疾病住院")
    services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["lu"])
    hospital("河津市人民医院", "140882")  # the helper is idempotent
