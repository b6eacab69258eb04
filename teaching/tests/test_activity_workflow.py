"""An activity's confirmation from its table: the apprentice is told once per decision (one or
many rows), the master's workbench has one line per apprentice, and the move endpoint."""

import pytest

from portal.todos import todos_for
from teaching import services
from teaching.models import Activity
from teaching.tests.factories import apprenticeship_for, log, move_url, plan_for, told
from workflow.models import AuditEntry
from workflow.services import moves, waiting_for

pytestmark = pytest.mark.django_db
Status = Activity.Status


@pytest.fixture
def learning(world):
    a = apprenticeship_for(world)
    plan_for(world, a)
    return a


@pytest.fixture
def pending(world, learning):
    return log(world, learning)


def test_logging_an_activity_tells_the_master_once(world, learning):
    notices = told(lambda: log(world, learning, hours="3"))
    assert list(notices) == ["zhang"] and len(notices["zhang"]) == 1
    assert notices["zhang"][0].startswith("请确认带教课时：李明")


def test_a_confirmation_tells_the_apprentice_once(world, pending):
    notices = told(lambda: services.activity_decide(activity=pending, actor=world.zhang, confirm=True))
    assert notices == {"liming": [f"带教课时已确认：{pending.date:%m-%d} 4 课时"]}


def test_a_refusal_tells_the_apprentice_once_with_the_reason(world, pending):
    from notifications.models import Notification

    notices = told(
        lambda: services.activity_decide(activity=pending, actor=world.zhang, confirm=False, reason="当日无面授")
    )
    assert notices == {"liming": [f"带教课时未予确认：{pending.date:%m-%d} {pending.topic}"]}
    assert Notification.objects.get(recipient=world.liming, title__startswith="带教课时未予确认").body == "当日无面授"


def test_a_batch_of_many_rows_is_one_notice(world, learning):
    ids = [log(world, learning, days_ago=d).pk for d in (1, 2, 3)]
    notices = told(lambda: services.activity_decide_batch(activity_ids=ids, actor=world.zhang, confirm=True))
    assert notices == {"liming": ["3 条带教活动已确认，共 12 课时"]}


def test_pending_hours_wait_for_the_master_as_one_line_per_apprentice(world, learning):
    log(world, learning)
    log(world, learning, days_ago=2)
    for persona in world.PERSONAS:
        assert not [w for w in waiting_for(getattr(world, persona)) if isinstance(w.obj, Activity)], persona
    assert [t.title for t in todos_for(world.zhang) if t.title.startswith("确认带教课时")] == [
        "确认带教课时：李明（2 条）"
    ]
    for persona in ("liming", "wang", "zhao", "chen", "zhou", "yang"):
        assert not [t for t in todos_for(getattr(world, persona)) if t.title.startswith("确认带教课时")], persona


def test_only_the_master_has_the_confirm_buttons(world, pending):
    assert [(m.to, m.button) for m in moves(pending, world.zhang)] == [
        (Status.CONFIRMED, "确认课时"),
        (Status.REJECTED, "不予确认"),
    ]
    for persona in ("liming", "zhao", "chen", "zhou"):
        assert moves(pending, getattr(world, persona)) == [], persona


def test_the_master_confirms_through_the_move_endpoint(world, pending, client_for):
    response = client_for("zhang").post(move_url(pending), {"to": "confirmed", "expect": "pending"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Status.CONFIRMED and pending.decided_by == world.zhang
    assert AuditEntry.objects.filter(
        content_type__model="activity", object_id=str(pending.pk), to_state="已确认", outcome="success"
    ).exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("guo", 404), ("lin", 404), ("chen", 403), ("liming", 403), ("zhao", 403)]
)
def test_only_the_master_may_post_a_confirmation(world, pending, client_for, persona, status):
    response = client_for(persona).post(move_url(pending), {"to": "confirmed", "expect": "pending"})
    assert response.status_code == status
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_a_stale_page_is_told_someone_else_decided_and_nothing_changes(world, pending, client_for):
    zhang, url = client_for("zhang"), pending.get_absolute_url()
    zhang.post(move_url(pending), {"to": "confirmed", "expect": "pending"})
    response = zhang.post(
        move_url(pending), {"to": "rejected", "expect": "pending", "reason": "重复", "next": url}, follow=True
    )
    assert "已由其他人员处理" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Status.CONFIRMED


@pytest.mark.parametrize("forged", ["approved", "pending", ""])
def test_a_forged_target_is_refused_and_changes_nothing(world, pending, client_for, forged):
    response = client_for("zhang").post(move_url(pending), {"to": forged, "expect": "pending"})
    assert response.status_code in (400, 409)
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_a_refusal_without_reason_is_refused_through_the_endpoint(world, pending, client_for):
    response = client_for("zhang").post(move_url(pending), {"to": "rejected", "expect": "pending"})
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
