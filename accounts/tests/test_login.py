"""Signing in: every attempt is audited; five failures within 15 minutes lock the account."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from chuancheng.test import PASSWORD
from workflow.models import AuditEntry

LOGIN = "/accounts/login/"


def _attempt(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


def test_it_signs_in_and_audits_the_success(client, world):
    response = _attempt(client, "sun", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/workbench/"
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).get()
    assert entry.actor == world.sun and entry.outcome == "success" and entry.ip == "10.1.2.3"


def test_a_wrong_password_is_refused_in_chinese_and_audited(client, world):
    response = _attempt(client, "sun", "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).get()
    assert entry.actor_label == "sun" and entry.outcome == "failed" and entry.ip == "10.1.2.3"


def test_the_sixth_wrong_password_meets_a_locked_account(client, world):
    codes = [_attempt(client, "sun", "wrong-password-1").status_code for _ in range(5)]
    # Four failures are answered "wrong password"; the fifth failure locks the account.
    assert codes == [200, 200, 200, 200, 429]
    response = _attempt(client, "sun", "wrong-password-1")
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    # Locked means locked: the right password does not help now, from any address.
    other = Client()
    response = other.post(LOGIN, {"username": "sun", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429 and "15 分钟" in response.content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED, outcome="denied").exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()


def test_the_lock_is_per_account_not_per_office(client, world):
    for _ in range(5):
        _attempt(client, "sun", "wrong-password-1")
    # 周科员 signs in from the same government NAT address.
    assert _attempt(Client(), "zhou", PASSWORD).status_code == 302


def test_failures_older_than_fifteen_minutes_no_longer_count(client, world):
    for _ in range(5):
        _attempt(client, "sun", "wrong-password-1")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _attempt(client, "sun", PASSWORD).status_code == 302


def test_a_disabled_account_cannot_sign_in(client, world):
    from accounts.services import user_disable

    user_disable(user=world.liming, actor=world.admin, reason="离职")
    response = _attempt(client, "liming", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_sign_out_is_audited(client, world):
    _attempt(client, "sun", PASSWORD)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT, actor=world.sun).exists()
