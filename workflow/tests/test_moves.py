"""The buttons, the one move endpoint, the to-do list and the notices all come from a model's
TRANSITIONS table and its maps. Shown here on the workstation's approval (accounts.Organization);
each app proves its own workflows the same way."""

import pytest

from accounts.models import Organization
from notifications.models import Notification
from workflow.models import AuditEntry
from workflow.services import moves, waiting_for

Status = Organization.Status


def move_url(obj) -> str:
    return f"/audit/move/{obj._meta.app_label}.{obj._meta.model_name}/{obj.pk}/"


def test_the_host_unit_sees_approve_and_reject_buttons_and_others_none(world, client_for):
    assert [(m.to, m.button) for m in moves(world.workstation, world.zhao)] == [
        (Status.ACTIVE, "批准设立"),
        (Status.REJECTED, "不批准"),
    ]
    assert moves(world.workstation, world.zhou) == []
    page = client_for("zhao").get(f"/accounts/organizations/{world.workstation.pk}/").content.decode()
    assert 'data-moves="active rejected ' in page and "批准设立" in page
    page = client_for("zhou").get(f"/accounts/organizations/{world.workstation.pk}/").content.decode()
    assert "workflow-moves" not in page


def test_the_host_unit_approves_through_the_move_endpoint(world, client_for):
    url = f"/accounts/organizations/{world.workstation.pk}/"
    response = client_for("zhao").post(
        move_url(world.workstation), {"to": "active", "expect": "pending", "reason": "同意", "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.ACTIVE
    assert AuditEntry.objects.filter(object_id=str(world.workstation.pk), outcome="success", reason="同意").exists()


def test_a_rejection_without_reason_is_refused_with_the_rule_and_changes_nothing(world, client_for):
    url = f"/accounts/organizations/{world.workstation.pk}/"
    response = client_for("zhao").post(
        move_url(world.workstation), {"to": "rejected", "expect": "pending", "next": url}, follow=True
    )
    assert "不批准时必须填写原因" in response.content.decode()
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.PENDING


@pytest.mark.parametrize(("persona", "status"), [("wang", 404), ("zhou", 403), ("liming", 404)])
def test_people_without_the_act_cannot_post_a_move(world, client_for, persona, status):
    response = client_for(persona).post(move_url(world.workstation), {"to": "active", "expect": "pending"})
    assert response.status_code == status
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.PENDING


def test_a_signed_out_visitor_is_sent_to_sign_in(world, client):
    response = client.post(move_url(world.workstation), {"to": "active", "expect": "pending"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_stale_page_is_told_someone_else_decided_and_nothing_changes(world, client_for):
    url = f"/accounts/organizations/{world.workstation.pk}/"
    zhao = client_for("zhao")
    zhao.post(move_url(world.workstation), {"to": "rejected", "expect": "pending", "reason": "材料不全"})
    response = zhao.post(move_url(world.workstation), {"to": "active", "expect": "pending", "next": url}, follow=True)
    assert "已由其他人员处理" in response.content.decode()
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.REJECTED


def test_without_a_page_to_return_to_the_refusal_is_a_409_page(world, client_for):
    zhao = client_for("zhao")
    zhao.post(move_url(world.workstation), {"to": "rejected", "expect": "pending", "reason": "材料不全"})
    response = zhao.post(move_url(world.workstation), {"to": "active", "expect": "pending"})
    assert response.status_code == 409 and "已由其他人员处理" in response.content.decode()


@pytest.mark.parametrize("forged", ["approved", "", "published", "<script>"])
def test_a_forged_target_is_refused_and_changes_nothing(world, client_for, forged):
    response = client_for("zhao").post(move_url(world.workstation), {"to": forged, "expect": "pending"})
    assert response.status_code == 400
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.PENDING


def test_a_move_the_table_does_not_allow_from_here_is_refused(world, client_for):
    # REVOKED is a real target (from ACTIVE) but not from PENDING.
    response = client_for("zhao").post(
        move_url(world.workstation), {"to": "revoked", "expect": "pending", "reason": "撤销"}
    )
    assert response.status_code == 409
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.PENDING


@pytest.mark.parametrize(
    "label", ["workflow.auditentry", "accounts.membership", "nosuch.model", "accounts", "notifications.notification"]
)
def test_models_without_moves_have_no_move_endpoint(world, client_for, label):
    response = client_for("admin").post(f"/audit/move/{label}/1/", {"to": "active"})
    assert response.status_code == 404


def test_a_get_is_not_a_move(world, client_for):
    assert client_for("zhao").get(move_url(world.workstation)).status_code == 405


def test_the_pending_workstation_waits_for_the_host_unit_only(world):
    assert [w.obj for w in waiting_for(world.zhao)] == [world.workstation]
    assert waiting_for(world.zhao)[0].url == f"/accounts/organizations/{world.workstation.pk}/"
    for persona in ("zhang", "liming", "wang", "chen", "sun", "zhou", "yang", "guo", "lin"):
        assert not [w for w in waiting_for(getattr(world, persona)) if isinstance(w.obj, Organization)], persona


def test_an_approved_workstation_waits_for_nobody(world, client_for):
    client_for("zhao").post(move_url(world.workstation), {"to": "active", "expect": "pending"})
    assert not [w for w in waiting_for(world.zhao) if isinstance(w.obj, Organization)]


def test_each_arrival_tells_the_people_its_map_names_exactly_once(world, client_for):
    from accounts.services import membership_grant, organization_move

    membership_grant(user=world.liming, organization=world.workstation, role="unit_admin")
    before = Notification.objects.count()
    client_for("zhao").post(
        move_url(world.workstation), {"to": "rejected", "expect": "pending", "reason": "缺少场地证明"}
    )
    told = list(Notification.objects.order_by("pk")[before:])
    assert [(n.recipient, n.title, n.body) for n in told] == [
        (world.liming, "项目工作站未获批准：项目永济工作站", "缺少场地证明")
    ]
    assert told[0].url == f"/accounts/organizations/{world.workstation.pk}/"
    # Resubmitted by its own admin: the host unit's approvers hear of it, the admin does not.
    world.workstation.refresh_from_db()
    organization_move(world.workstation, to=Status.PENDING, actor=world.liming, reason="已补充")
    told = list(Notification.objects.order_by("pk")[before + 1 :])
    assert [(n.recipient, n.title) for n in told] == [(world.zhao, "项目工作站待批准：项目永济工作站")]


def test_a_refused_move_tells_nobody(world, client_for):
    before = Notification.objects.count()
    client_for("zhou").post(move_url(world.workstation), {"to": "active", "expect": "pending"})
    assert Notification.objects.count() == before


def test_a_step_that_moves_many_records_tells_each_person_once_about_all_of_them(world):
    from accounts.models import Region
    from accounts.services import membership_grant, organization_create, organization_move
    from workflow import services as workflow

    region = Region.objects.get(code="140881")
    stations = [world.workstation] + [
        organization_create(name=f"项目永济第{n}工作站", kind="workstation", region=region, host=world.host)
        for n in (2, 3)
    ]
    for station in stations:
        membership_grant(user=world.liming, organization=station, role="unit_admin")
        organization_move(station, to=Status.REJECTED, actor=world.zhao, reason="缺少场地证明")
    before = Notification.objects.count()
    with workflow.atomic():  # one step: the admin resubmits all three at once
        for station in stations:
            organization_move(station, to=Status.PENDING, actor=world.liming, reason="已补充")
    told = list(Notification.objects.order_by("pk")[before:])
    assert [(n.recipient, n.title) for n in told] == [(world.zhao, "项目工作站待批准：项目永济工作站 等 3 项")]
    assert "项目永济第2工作站" in told[0].body and "项目永济第3工作站" in told[0].body
    assert told[0].url == "/workbench/"
