"""transition(): the table decides the move, the permission function decides the person, and
every attempt leaves an audit row."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404

from accounts.models import Organization
from accounts.services import workstation_decide
from chuancheng.test import as_table_owner
from workflow import services as workflow
from workflow.models import AuditEntry, AuditLogIsAppendOnly
from workflow.services import AlreadyDecided, TransitionNotAllowed, allowed_transitions, transition

Status = Organization.Status


def test_the_host_unit_approves_a_workstation_and_it_is_audited(world):
    workstation_decide(workstation=world.workstation, actor=world.zhao, approve=True, reason="材料齐全")
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.ACTIVE
    entry = AuditEntry.objects.filter(action="transition", object_id=str(world.workstation.pk)).get()
    assert entry.actor == world.zhao
    assert entry.organization == world.workstation
    assert (entry.from_state, entry.to_state, entry.reason, entry.outcome) == ("待批准", "有效", "材料齐全", "success")


def test_it_refuses_a_move_the_table_does_not_allow_and_audits_the_refusal(world):
    workstation_decide(workstation=world.workstation, actor=world.zhao, approve=True, reason="同意")
    with pytest.raises(TransitionNotAllowed) as excinfo, workflow.atomic():
        transition(workflow.lock(world.workstation), Status.REJECTED, actor=world.zhao, reason="改主意")
    assert "当前状态为「有效」" in excinfo.value.message
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.ACTIVE
    denied = AuditEntry.objects.filter(action="transition", outcome="denied").get()
    assert denied.actor == world.zhao and "改主意" in denied.reason


def test_a_person_outside_scope_gets_404_and_inside_without_role_403(world):
    with pytest.raises(Http404):
        workstation_decide(workstation=world.workstation, actor=world.wang, approve=True, reason="")
    with pytest.raises(PermissionDenied):
        workstation_decide(workstation=world.workstation, actor=world.zhou, approve=True, reason="")
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.PENDING
    assert AuditEntry.objects.filter(action="transition", outcome="denied").count() == 2


def test_not_approving_needs_a_reason(world):
    from lib.errors import ApplicationError

    with pytest.raises(ApplicationError) as excinfo:
        workstation_decide(workstation=world.workstation, actor=world.zhao, approve=False, reason="  ")
    assert excinfo.value.message == "不批准时必须填写原因"


def test_the_buttons_come_from_the_same_table(world):
    assert {to for to, _ in allowed_transitions(world.workstation, world.zhao)} == {Status.ACTIVE, Status.REJECTED}
    assert allowed_transitions(world.workstation, world.zhou) == []


def test_a_failure_after_the_change_rolls_the_change_back(world):
    from notifications.models import Notification

    with pytest.raises(RuntimeError), workflow.atomic():
        transition(workflow.lock(world.workstation), Status.ACTIVE, actor=world.zhao, reason="同意")
        raise RuntimeError("the filing with the guiding unit failed")
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.PENDING
    assert not AuditEntry.objects.filter(action="transition", outcome="success").exists()
    assert not Notification.objects.filter(title__contains="已批准设立").exists()  # nothing announced


def test_the_change_is_announced_once_when_the_step_has_done_its_work(world):
    from workflow.services import transitioned

    heard = []

    def listener(sender, obj, from_state, to_state, **kwargs):
        heard.append((from_state, to_state, obj.status))

    transitioned.connect(listener)
    try:
        with workflow.atomic():
            transition(workflow.lock(world.workstation), Status.ACTIVE, actor=world.zhao, reason="")
            assert heard == []  # not while the service is still at work
        assert heard == [(Status.PENDING, Status.ACTIVE, Status.ACTIVE)]
    finally:
        transitioned.disconnect(listener)


def test_a_move_outside_a_step_is_a_programming_error(world):
    with pytest.raises(RuntimeError, match="workflow.atomic"):
        transition(world.workstation, Status.ACTIVE, actor=world.zhao)
    with pytest.raises(RuntimeError, match="workflow.lock"), workflow.atomic():
        transition(world.workstation, Status.ACTIVE, actor=world.zhao)


def test_a_decision_on_a_stale_page_is_already_decided_and_audited(world):
    stale = Organization.objects.get(pk=world.workstation.pk)  # the colleague's page, loaded earlier
    workstation_decide(workstation=world.workstation, actor=world.zhao, approve=True, reason="同意")
    with pytest.raises(AlreadyDecided) as excinfo:
        workstation_decide(workstation=stale, actor=world.zhao, approve=False, reason="材料不全")
    assert "已由其他人员处理" in excinfo.value.message and "「有效」" in excinfo.value.message
    assert excinfo.value.status_code == 409
    denied = AuditEntry.objects.get(action="transition", outcome="denied")
    assert denied.to_state == "未批准" and "材料不全" in denied.reason


def test_an_explicit_expect_wins_over_the_copy_passed_in(world):
    from accounts.services import organization_move

    with pytest.raises(AlreadyDecided):
        organization_move(world.workstation, to=Status.ACTIVE, actor=world.zhao, expect=Status.REJECTED)
    world.workstation.refresh_from_db()
    assert world.workstation.status == Status.PENDING


def test_a_refusal_inside_an_outer_step_is_still_on_record(world):
    # The outer step catches the refusal and goes on: the refusal's audit row survives.
    with workflow.atomic():
        try:
            workstation_decide(workstation=world.workstation, actor=world.zhou, approve=True, reason="越权")
        except PermissionDenied:  # 周科员 reaches 永济's workstation but may not approve it
            pass
    assert AuditEntry.objects.filter(action="transition", outcome="denied", actor=world.zhou).count() == 1


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(world):
    entry = AuditEntry.objects.first()
    entry.reason = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().update(reason="rewritten")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()


def test_the_database_itself_refuses_to_rewrite_audit_rows(world):
    entry = AuditEntry.objects.first()
    # As the tables' owner: the runtime role is refused by its privileges before the trigger.
    with pytest.raises(Exception) as excinfo, transaction.atomic(), as_table_owner(), connection.cursor() as cursor:
        cursor.execute("UPDATE workflow_auditentry SET reason = 'rewritten' WHERE id = %s", [entry.pk])
    assert "append-only" in str(excinfo.value)
    if connection.vendor == "postgresql":
        with (
            pytest.raises(Exception) as excinfo,
            transaction.atomic(),
            as_table_owner(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM workflow_auditentry WHERE id = %s", [entry.pk])
        assert "append-only" in str(excinfo.value)
    assert AuditEntry.objects.filter(pk=entry.pk, reason=entry.reason).exists()


def test_not_even_the_audit_administrator_can_edit_audit_rows(world):
    from django.test import Client

    from accounts.models import User

    auditor = User.objects.create_user(username="auditor", is_staff=True, admin_duty="audit")
    admin = Client()
    admin.force_login(auditor)
    entry = AuditEntry.objects.first()
    assert admin.get("/admin/workflow/auditentry/").status_code == 200
    assert admin.get(f"/admin/workflow/auditentry/{entry.pk}/delete/").status_code == 403
    response = admin.post(f"/admin/workflow/auditentry/{entry.pk}/change/", {"reason": "rewritten"})
    assert response.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).reason == entry.reason


def test_audit_rows_are_recorded_in_chinese_whatever_the_readers_language(world):
    from django.utils import translation

    with translation.override("en"):
        workstation_decide(workstation=world.workstation, actor=world.zhao, approve=True, reason="ok")
    entry = AuditEntry.objects.filter(action="transition", object_id=str(world.workstation.pk)).get()
    assert (entry.from_state, entry.to_state) == ("待批准", "有效")


def test_a_step_that_fails_after_the_move_leaves_the_callers_copy_as_it_was(world):
    with pytest.raises(RuntimeError), workflow.atomic():
        transition(workflow.lock(world.workstation), Status.ACTIVE, actor=world.zhao)
        assert world.workstation.status == Status.ACTIVE  # the copy follows the move …
        raise RuntimeError("the filing with the guiding unit failed")
    assert world.workstation.status == Status.PENDING  # … and goes back with the rollback
