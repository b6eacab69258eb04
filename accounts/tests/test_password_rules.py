"""Passwords and sessions (issue 13 §10): no spaces-only or single-kind passwords, none of the last
five again, staff and admin passwords expire, and at most three sessions per account."""

import contextlib
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import LoginSession, PasswordHistory, User
from chuancheng.test import PASSWORD
from workflow.models import AuditEntry

CHANGE = "/accounts/password/change/"


def _change(client: Client, old: str, new: str):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def _signed_in(username: str, password: str = PASSWORD, ip: str = "10.4.4.4") -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)
    assert response.status_code == 302, response.content.decode()[-500:]
    return client


# --- what a password may be ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "new_password, rule",
    [
        (" " * 12, "密码不能只由空格组成"),
        ("shennongbencaojing", "密码只包含一类字符"),
        ("SHENNONGBENCAOJING", "密码只包含一类字符"),
        ("神农本草经药王孙思邈传人", "密码只包含一类字符"),
        ("！@#￥%……&*（）——+", "密码只包含一类字符"),
    ],
)
def test_a_spaces_only_or_single_kind_password_is_refused_with_the_rule(world, client_for, new_password, rule):
    response = _change(client_for("sun"), PASSWORD, new_password)
    assert response.status_code == 200 and rule in response.content.decode()
    world.sun.refresh_from_db()
    assert world.sun.check_password(PASSWORD)


@pytest.mark.parametrize("new_password", ["shennong-bencao", "神农本草经2026年版", "Shennong Bencao"])
def test_two_kinds_of_character_are_enough(world, client_for, new_password):
    assert _change(client_for("sun"), PASSWORD, new_password).status_code == 302
    world.sun.refresh_from_db()
    assert world.sun.check_password(new_password)


def test_none_of_the_last_five_passwords_comes_back(world, client_for):
    client = client_for("sun")
    passwords = [PASSWORD, "Yanhu-first-1", "Yanhu-second-2", "Yanhu-third-3", "Yanhu-fourth-4"]
    for old, new in zip(passwords, passwords[1:], strict=False):
        assert _change(client, old, new).status_code == 302
    # The current one and the four before it are refused, the first with them.
    for again in passwords:
        response = _change(client, passwords[-1], again)
        assert response.status_code == 200 and "不能使用最近 5 次用过的密码" in response.content.decode()
    assert _change(client, passwords[-1], "Yanhu-fifth-5").status_code == 302
    # Now the first is six back and may be used again.
    assert _change(client, "Yanhu-fifth-5", PASSWORD).status_code == 302
    assert PasswordHistory.objects.filter(user=world.sun).count() == 5


def test_a_reset_cannot_bring_back_the_current_password_either(world):
    form = SetPasswordForm(world.sun, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert not form.is_valid() and "不能使用最近 5 次用过的密码" in str(form.errors)


def test_another_persons_old_password_is_no_concern(world, client_for):
    assert _change(client_for("sun"), PASSWORD, "Yanhu-first-1").status_code == 302
    assert _change(client_for("zhou"), PASSWORD, "Yanhu-first-1").status_code == 302


# --- expiry -------------------------------------------------------------------------------------


def _age_password(user: User, days: int) -> None:
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=days))
    user.refresh_from_db()


def test_a_staff_password_ninety_days_old_must_be_changed_before_anything_else(world, settings):
    assert settings.PASSWORD_MAX_AGE_DAYS == 90
    _age_password(world.sun, 91)
    client = _signed_in("sun")
    for url in ["/workbench/", "/techniques/manage/", "/accounts/tokens/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == CHANGE, url
    assert client.get("/api/v1/me").status_code == 403
    page = client.get(CHANGE)
    assert page.status_code == 200 and "请先修改密码" in page.content.decode()
    # The same password again does not count as a change.
    assert "不能使用最近" in _change(client, PASSWORD, PASSWORD).content.decode()
    assert _change(client, PASSWORD, "Yanhu-renewed-2027").status_code == 302
    assert client.get("/workbench/").status_code == 200


def test_eighty_nine_days_is_still_fine(world):
    _age_password(world.sun, 89)
    assert _signed_in("sun").get("/workbench/").status_code == 200


def test_an_apprentices_old_password_does_not_expire(world):
    _age_password(world.liming, 400)
    assert _signed_in("liming").get("/workbench/").status_code == 200


def test_a_superusers_old_password_expires_too(world, client_for):
    _age_password(world.admin, 91)
    client = client_for("admin")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == CHANGE


def test_the_age_is_a_setting(world, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 30
    _age_password(world.sun, 31)
    assert _signed_in("sun").get("/workbench/")["Location"] == CHANGE


# --- concurrent sessions ------------------------------------------------------------------------


def test_a_fourth_sign_in_ends_the_oldest_session(world, settings):
    assert settings.MAX_SESSIONS_PER_USER == 3
    clients = [_signed_in("sun", ip=f"10.6.0.{n}") for n in range(4)]
    other = _signed_in("zhou")
    assert clients[0].get("/workbench/").status_code == 302
    assert [c.get("/workbench/").status_code for c in clients[1:]] == [200, 200, 200]
    assert other.get("/workbench/").status_code == 200
    assert LoginSession.objects.filter(user=world.sun).count() == 3
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGOUT, actor=world.sun)
    assert "同时登录超过 3 处" in entry.reason and entry.ip == "10.6.0.3"


def test_the_limit_is_a_setting(world, settings):
    settings.MAX_SESSIONS_PER_USER = 1
    first, second = _signed_in("sun"), _signed_in("sun")
    assert first.get("/workbench/").status_code == 302 and second.get("/workbench/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_six_sign_ins_at_once_leave_three_sessions():
    from accounts.services import user_create

    person = user_create(username="busy", password=PASSWORD, full_name="忙人")
    errors: list[BaseException] = []
    codes: list[int] = []
    barrier = threading.Barrier(6)
    # PostgreSQL runs the sign-ins truly at once: the row lock on the person makes each count the
    # others. SQLite's shared in-memory test database reports "table is locked" instead of
    # waiting, so there they take turns (as evaluations/tests/test_race.py does).
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def sign_in(n: int):
        try:
            client = Client()
            barrier.wait(timeout=10)
            with turns:
                response = client.post(
                    "/accounts/login/", {"username": "busy", "password": PASSWORD}, REMOTE_ADDR=f"10.9.0.{n}"
                )
            codes.append(response.status_code)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # A sign-in whose session a later one ended before its reply went out is told so by Django
    # (SessionInterrupted: 400, "the session was deleted before the request completed").
    assert set(codes) <= {302, 400} and codes.count(302) >= 3
    keys = set(LoginSession.objects.filter(user=person).values_list("session_key", flat=True))
    assert len(keys) == 3
    alive = {s.session_key for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(person.pk)}
    assert alive == keys
