"""The pages: what each person sees, and lists within a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations import services
from evaluations.tests.factories import open_evaluation, scoring_evaluation, submit
from workflow.models import AuditEntry


def test_an_expert_of_the_panel_sees_the_declaration_and_all_evidence(world, experts, client):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    services.efficacy_record_add(
        actor=world.yang,
        evaluation=evaluation,
        case="患儿，4岁，积滞",
        measure="食欲评分",
        before="2",
        after="8",
        judgement="marked",
    )
    from datetime import date

    services.follow_up_add(
        actor=assignments[0].expert.user,
        evaluation=evaluation,
        patient="患儿甲",
        followed_on=date(2026, 1, 5),
        method="phone",
        outcome="三月未复发",
        adverse_events="",
    )
    services.meeting_add(
        actor=world.yang,
        evaluation=evaluation,
        held_on=date(2026, 1, 10),
        minutes="与会专家逐项讨论。",
        conclusion="同意推荐",
        attendees=[a.expert for a in assignments[:3]],
        place="运城市卫生健康委员会",
    )
    client.force_login(assignments[1].expert.user)
    page = client.get(f"/evaluations/{evaluation.pk}/").content.decode()
    for text in ("补脾经三百次", "患儿，4岁，积滞", "三月未复发", "同意推荐", "郭秀兰"):
        assert text in page
    assert AuditEntry.objects.filter(action="view_personal", actor=assignments[1].expert.user).exists()


def test_an_expert_who_only_was_invited_may_not_add_evidence(world, experts):
    import pytest

    from lib.errors import ApplicationError

    evaluation = open_evaluation(world)
    a = services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    with pytest.raises(ApplicationError) as excinfo:
        services.efficacy_record_add(
            actor=a.expert.user,
            evaluation=evaluation,
            case="病例",
            measure="指标",
            before="1",
            after="2",
            judgement="effective",
        )
    assert excinfo.value.message == "接受评估邀请后才能记录证据"


def test_an_outsider_does_not_see_the_evaluation(world, client_for):
    evaluation = open_evaluation(world)
    assert client_for("zhou").get(f"/evaluations/{evaluation.pk}/").status_code == 404


def test_the_list_queue_and_dashboard_stay_within_a_fixed_number_of_queries(world, experts, client_for):
    evaluation, assignments = scoring_evaluation(world, experts=experts)
    submit(assignments[0])
    yang = client_for("yang")
    ma = client_for("admin")
    ma.force_login(assignments[0].expert.user)
    for client, url, most in (
        (yang, "/evaluations/", 12),
        (yang, "/evaluations/dashboard/", 16),
        (yang, "/evaluations/graded/", 12),
        (ma, "/evaluations/mine/", 12),
        (yang, "/workbench/", 40),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        assert len(queries) <= most, f"{url}: {len(queries)} queries"


def test_the_workbench_shows_the_expert_what_to_do_and_the_office_what_to_decide(world, experts, client_for):
    evaluation = open_evaluation(world)
    services.assignment_create(actor=world.yang, evaluation=evaluation, expert=experts["ma"])
    ma = client_for("admin")
    ma.force_login(experts["ma"].user)
    assert "答复评估邀请：郭氏小儿推拿治疗积滞" in ma.get("/workbench/").content.decode()
    from evaluations.tests.factories import accepted_technique, concluded_evaluation

    concluded_evaluation(world, experts=experts, technique=accepted_technique(world, "郭氏艾灸治疗腹痛"))
    assert "终审：郭氏艾灸治疗腹痛" in client_for("yang").get("/workbench/").content.decode()


def test_the_dashboard_shows_stages_overdue_and_who_acts_next(world, experts, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from evaluations.models import Evaluation

    evaluation, assignments = scoring_evaluation(world, experts=experts)
    submit(assignments[0])
    Evaluation.objects.filter(pk=evaluation.pk).update(deadline=timezone.now() - timedelta(days=2))
    page = client_for("yang").get("/evaluations/dashboard/").content.decode()
    assert "田玉珍" in page  # overdue
    assert "办公室：形成专家组结论" in page
    figures = client_for("yang").get("/api/v1/evaluations-dashboard").json()
    assert {"name": "专家评分", "value": 1} in figures["stages"]
    assert len(figures["overdue"]) == 4 and figures["overdue"][0]["days_late"] == 2
