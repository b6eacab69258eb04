"""The teaching plan's workflow from its table: who is told of each arrival, whose workbench it
waits on, and its buttons through the one move endpoint."""

import pytest

from teaching import services
from teaching.models import TeachingPlan
from teaching.tests.factories import apprenticeship_for, move_url, plan_for, told
from workflow.models import AuditEntry
from workflow.services import moves, waiting_for

pytestmark = pytest.mark.django_db
Status = TeachingPlan.Status


@pytest.fixture
def draft(world):
    return plan_for(world, apprenticeship_for(world), agreed=False)


@pytest.fixture
def submitted(world, draft):
    services.plan_submit(plan=draft, actor=world.zhang)
    return draft


def _plans_waiting(user) -> list:
    return [w.obj for w in waiting_for(user) if isinstance(w.obj, TeachingPlan)]


def test_a_submitted_plan_tells_the_host_unit_once_and_nobody_else(world, draft):
    notices = told(lambda: services.plan_submit(plan=draft, actor=world.zhang))
    assert notices == {"zhao": ["请确认传承计划：张医生 → 李明"]}


def test_an_agreed_plan_tells_both_parties_once(world, submitted):
    notices = told(lambda: services.plan_decide(plan=submitted, actor=world.zhao, agree=True))
    assert notices == {
        "zhang": ["传承计划已确认，可以开始登记带教课时：张医生 → 李明"],
        "liming": ["传承计划已确认，可以开始登记带教课时：张医生 → 李明"],
    }


def test_a_returned_plan_tells_both_parties_with_the_reason(world, submitted):
    from notifications.models import Notification

    notices = told(lambda: services.plan_decide(plan=submitted, actor=world.zhao, agree=False, reason="请补充随诊安排"))
    assert notices == {"zhang": ["传承计划被退回修改：张医生 → 李明"], "liming": ["传承计划被退回修改：张医生 → 李明"]}
    assert Notification.objects.get(recipient=world.zhang, title__startswith="传承计划被退回").body == "请补充随诊安排"


def test_a_draft_waits_for_its_master_and_a_submitted_plan_for_the_host_unit(world, draft):
    assert _plans_waiting(world.zhang) == [draft]
    for persona in ("liming", "wang", "zhao", "chen", "sun", "zhou", "yang", "guo", "lin"):
        assert _plans_waiting(getattr(world, persona)) == [], persona
    services.plan_submit(plan=draft, actor=world.zhang)
    assert _plans_waiting(world.zhao) == [draft]
    assert [w.title for w in waiting_for(world.zhao) if w.obj == draft] == ["确认传承计划：张医生 → 李明"]
    for persona in ("zhang", "liming", "wang", "chen", "sun", "zhou", "yang", "guo", "lin"):
        assert _plans_waiting(getattr(world, persona)) == [], persona
    services.plan_decide(plan=draft, actor=world.zhao, agree=True)
    for persona in world.PERSONAS:
        assert _plans_waiting(getattr(world, persona)) == [], persona


def test_the_plan_of_an_ended_apprenticeship_waits_for_its_master_no_more(world, draft):
    draft.apprenticeship.status = "terminated"
    draft.apprenticeship.save(update_fields=["status"])
    assert _plans_waiting(world.zhang) == [] and moves(draft, world.zhang) == []


def test_the_buttons_are_the_masters_submit_and_the_host_units_decision(world, draft, client_for):
    assert [(m.to, m.button) for m in moves(draft, world.zhang)] == [(Status.SUBMITTED, "提交主办单位确认")]
    assert moves(draft, world.liming) == [] and moves(draft, world.zhao) == []
    services.plan_submit(plan=draft, actor=world.zhang)
    assert [(m.to, m.button) for m in moves(draft, world.zhao)] == [
        (Status.AGREED, "确认传承计划"),
        (Status.DRAFT, "退回修改"),
    ]
    assert moves(draft, world.zhang) == []
    page = client_for("zhao").get(draft.get_absolute_url()).content.decode()
    assert 'data-moves="agreed draft ' in page
    assert "workflow-moves" not in client_for("liming").get(draft.get_absolute_url()).content.decode()


def test_the_host_unit_agrees_through_the_move_endpoint(world, submitted, client_for):
    url = submitted.get_absolute_url()
    response = client_for("zhao").post(move_url(submitted), {"to": "agreed", "expect": "submitted", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    submitted.refresh_from_db()
    assert submitted.status == Status.AGREED and submitted.agreed_by == world.zhao
    assert AuditEntry.objects.filter(
        content_type__model="teachingplan", object_id=str(submitted.pk), to_state="已确认", outcome="success"
    ).exists()


def test_the_master_submits_through_the_move_endpoint(world, draft, client_for):
    response = client_for("zhang").post(move_url(draft), {"to": "submitted", "expect": "draft"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("persona", "status"), [("guo", 404), ("sun", 404), ("zhou", 403), ("zhang", 403), ("liming", 403)]
)
def test_only_the_host_unit_may_post_the_decision(world, submitted, client_for, persona, status):
    response = client_for(persona).post(move_url(submitted), {"to": "agreed", "expect": "submitted"})
    assert response.status_code == status
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_returning_without_a_reason_is_refused_and_changes_nothing(world, submitted, client_for):
    url = submitted.get_absolute_url()
    response = client_for("zhao").post(
        move_url(submitted), {"to": "draft", "expect": "submitted", "next": url}, follow=True
    )
    assert "退回传承计划必须填写原因" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_a_stale_page_is_told_someone_else_decided_and_nothing_changes(world, submitted, client_for):
    zhao, url = client_for("zhao"), submitted.get_absolute_url()
    zhao.post(move_url(submitted), {"to": "agreed", "expect": "submitted"})
    response = zhao.post(
        move_url(submitted), {"to": "draft", "expect": "submitted", "reason": "再议", "next": url}, follow=True
    )
    assert "已由其他人员处理" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.AGREED


@pytest.mark.parametrize("forged", ["published", "", "<script>"])
def test_a_forged_target_is_refused_and_changes_nothing(world, submitted, client_for, forged):
    response = client_for("zhao").post(move_url(submitted), {"to": forged, "expect": "submitted"})
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_a_real_target_not_allowed_from_here_is_refused(world, submitted, client_for):
    response = client_for("zhang").post(move_url(submitted), {"to": "submitted", "expect": "submitted"})
    assert response.status_code == 409
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
