"""Password change and reset are audited (issue 13 §6): who, whose, by which way."""

import re

from django.core import mail
from django.test import Client

from chuancheng.test import PASSWORD
from workflow.models import AuditEntry


def test_a_password_change_is_audited(world, client_for):
    response = client_for("sun").post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "Yanhu-changed-1", "new_password2": "Yanhu-changed-1"},
        REMOTE_ADDR="10.2.2.2",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PASSWORD_CHANGE)
    assert (entry.actor, entry.object_id, entry.reason, entry.ip) == (
        world.sun,
        str(world.sun.pk),
        "本人修改密码",
        "10.2.2.2",
    )


def test_a_refused_change_writes_no_change_row(world, client_for):
    client_for("sun").post(
        "/accounts/password/change/",
        {"old_password": "not-the-password", "new_password1": "Yanhu-changed-1", "new_password2": "Yanhu-changed-1"},
    )
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PASSWORD_CHANGE).exists()


def test_a_reset_is_audited_when_asked_and_when_completed(world):
    client = Client()
    client.post("/accounts/password/reset/", {"email": "sun@example.cn"}, REMOTE_ADDR="10.2.2.3")
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True, REMOTE_ADDR="10.2.2.3")
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Fresh-Start-2026", "new_password2": "Fresh-Start-2026"},
        REMOTE_ADDR="10.2.2.3",
    )
    assert response.status_code == 302
    asked, completed = AuditEntry.objects.filter(action=AuditEntry.Action.PASSWORD_RESET).order_by("pk")
    assert asked.reason == "申请重置密码" and asked.object_id == str(world.sun.pk)
    assert (completed.actor, completed.object_id, completed.ip) == (world.sun, str(world.sun.pk), "10.2.2.3")
    assert "邮件链接" in completed.reason
