"""Audited text is cleaned (issue 13 §6): a probe that puts a NUL byte or a terminal escape in a
field can neither turn its own audit row into a 500 (PostgreSQL refuses NUL in text) nor rewrite
what an operator's terminal shows of the log."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.services import workstation_decide
from workflow.models import AuditEntry
from workflow.services import audit_record, audit_text


def test_a_reason_with_a_nul_byte_and_an_escape_sequence_is_stored_clean(world):
    entry = audit_record(action=AuditEntry.Action.EXPORT, actor=world.sun, reason="导出\x00名单\x1b[31m红\x1b[0m")
    entry.refresh_from_db()
    assert entry.reason == "导出名单红"


def test_every_text_of_the_row_is_cleaned(world):
    world.workstation.name = "工作站\x00\x1b]0;owned\x07甲"
    entry = audit_record(
        action=AuditEntry.Action.LOGIN_FAILED,
        actor_label="adm\x00in\x1b[2J",
        obj=world.workstation,
        from_state="待\x00批准",
        to_state="有\x7f效\u202e",
    )
    entry.refresh_from_db()
    assert (entry.actor_label, entry.object_repr, entry.from_state, entry.to_state) == (
        "admin",
        "工作站甲",
        "待批准",
        "有效",
    )


def test_line_breaks_and_tabs_stay_and_carriage_returns_become_line_breaks():
    assert audit_text("第一行\r\n第二行\r第三行\n\t缩进\x0b\x0c") == "第一行\n第二行\n第三行\n\t缩进"


def test_a_move_with_a_nul_in_its_reason_is_done_and_audited_clean(world):
    workstation_decide(workstation=world.workstation, actor=world.zhao, approve=False, reason="材料\x00不全\x1b[1m")
    entry = AuditEntry.objects.get(action="transition", object_id=str(world.workstation.pk))
    assert (entry.reason, entry.outcome) == ("材料不全", "success")


def test_a_refused_move_with_a_nul_in_its_reason_is_audited_clean(world):
    with pytest.raises(PermissionDenied):  # zhou has no role at the host
        workstation_decide(workstation=world.workstation, actor=world.zhou, approve=True, reason="试探\x00")
    entry = AuditEntry.objects.get(outcome="denied", object_id=str(world.workstation.pk))
    assert entry.reason.startswith("试探（未执行") and "\x00" not in entry.reason
