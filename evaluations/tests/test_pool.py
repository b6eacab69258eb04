"""The expert pool (EVA-1): who may be in it, declared relationships, availability, history."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Membership
from evaluations import services
from evaluations.models import ExpertProfile
from evaluations.selectors import expert_history
from evaluations.tests.factories import accepted_technique, expert, invite_and_accept, open_evaluation, submit
from lib.errors import ApplicationError
from workflow.models import AuditEntry


def test_chen_with_the_expert_role_joins_the_pool_with_his_units_region(world):
    profile = expert(world, "", user=world.chen, field="western", specialties=("小儿推拿", "积滞"))
    assert profile.organization == world.city_tcm
    assert profile.region.code == "140802"
    assert sorted(t.name for t in profile.specialties.all()) == ["小儿推拿", "积滞"]
    assert AuditEntry.objects.filter(object_id=str(profile.pk), to_state="入库").exists()


def test_it_refuses_a_person_without_the_expert_role(world):
    with pytest.raises(ApplicationError) as excinfo:
        services.expert_profile_create(actor=world.yang, user=world.zhang, field="tcm", title="chief")
    assert "没有「评估专家」角色" in excinfo.value.message
    assert not ExpertProfile.objects.exists()


def test_only_the_city_office_manages_the_pool(world):
    with pytest.raises(PermissionDenied):
        services.expert_profile_create(actor=world.sun, user=world.chen, field="tcm", title="chief")


def test_an_expert_declares_a_relationship_to_a_holder(world):
    profile = expert(world, "", user=world.chen)
    relationship = services.expert_relationship_declare(
        actor=world.chen, expert=profile, kind="teacher", holder_name="郭秀兰", note="曾随郭氏学习推拿"
    )
    assert str(relationship) == "师承关系：郭秀兰"


def test_a_relationship_needs_a_party(world):
    profile = expert(world, "", user=world.chen)
    with pytest.raises(ApplicationError) as excinfo:
        services.expert_relationship_declare(actor=world.chen, expert=profile, kind="kin")
    assert excinfo.value.field == "holder_name"
    assert not profile.relationships.exists()


def test_pausing_needs_a_reason_and_a_paused_expert_is_not_suggested(world, experts):
    ma = experts["ma"]
    with pytest.raises(ApplicationError):
        services.expert_availability_set(actor=ma.user, expert=ma, available=False, note="")
    services.expert_availability_set(actor=ma.user, expert=ma, available=False, note="赴省城进修三个月")
    evaluation = open_evaluation(world)
    assert ma not in [s.expert for s in services.experts_suggest(evaluation=evaluation)]


def test_an_experts_history_counts_invited_accepted_declined_completed_and_overdue(world, experts):
    from datetime import timedelta

    from django.utils import timezone

    ma = experts["ma"]
    first = open_evaluation(world)
    assignment = invite_and_accept(world, first, [ma])[0]
    others = invite_and_accept(world, first, [experts["tian"], experts["he"], experts["xu"], experts["cao"]])
    services.evaluation_start_scoring(actor=world.yang, evaluation=first)
    submit(assignment)
    second = open_evaluation(world, accepted_technique(world, "郭氏艾灸治疗腹痛"))
    declined = services.assignment_create(actor=world.yang, evaluation=second, expert=ma)
    services.assignment_respond(actor=ma.user, assignment=declined, accept=False, reason="时间冲突")
    third = open_evaluation(world, accepted_technique(world, "郭氏刮痧治疗感冒"), days=1)
    services.assignment_create(actor=world.yang, evaluation=third, expert=ma)
    type(third).objects.filter(pk=third.pk).update(deadline=timezone.now() - timedelta(hours=1))
    history = expert_history(ma)
    assert (history.invited, history.accepted, history.declined, history.completed, history.overdue) == (3, 1, 1, 1, 1)
    assert len(others) == 4


def test_the_pool_page_lists_history_without_a_query_per_expert(
    world, experts, client_for, django_assert_max_num_queries
):
    client = client_for("yang")
    with django_assert_max_num_queries(10):
        response = client.get("/evaluations/experts/")
    assert response.status_code == 200
    assert "马建华" in response.content.decode()
    assert Membership.objects.filter(role="expert").count() >= 8


def test_the_expert_page_shows_a_relationship_declared_with_only_a_holder_name(world, client):
    # The page once resolved the organization's name as the fallback of the holder's, and a
    # relationship without an organization made that a server error (issue 12 §22).
    profile = expert(world, "", user=world.chen)
    services.expert_relationship_declare(actor=world.chen, expert=profile, kind="teacher", holder_name="郭秀兰")
    client.force_login(world.chen)
    response = client.get(f"/evaluations/experts/{profile.pk}/")
    assert response.status_code == 200
    assert "师承关系：郭秀兰" in response.content.decode()
