"""Administrators sign in with two factors (issue 13 §15): 赵主任 (unit admin) and the superuser
need a code from an authenticator after the password; 孙科员 (office staff) does not."""

import re
import time

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from chuancheng.test import PASSWORD, second_factor_code
from workflow.models import AuditEntry


def _password(client: Client, username: str, next_url: str = ""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def _signed_in(client: Client) -> bool:
    return client.get("/workbench/").status_code == 200


def _bind(client: Client, user) -> list[str]:
    """First sign-in: the setup page, then the authenticator's code; returns the recovery codes."""
    assert client.get("/accounts/mfa/setup/").status_code == 200
    response = client.post("/accounts/mfa/setup/", {"code": second_factor_code(user)})
    assert response.status_code == 200
    return re.findall(r"<li>([a-z0-9]{8})</li>", response.content.decode())


def test_office_staff_sign_in_with_the_password_alone(world):
    client = Client()
    assert _password(client, "sun").status_code == 302
    assert _signed_in(client)


def test_a_unit_admin_is_not_signed_in_by_the_password_alone(world):
    client = Client()
    response = _password(client, "zhao")
    assert response.status_code == 302 and response["Location"] == "/accounts/mfa/setup/"
    assert not _signed_in(client)
    assert "_auth_user_id" not in client.session


def test_first_sign_in_binds_an_authenticator_and_shows_ten_recovery_codes_once(world):
    client = Client()
    _password(client, "zhao")
    page = client.get("/accounts/mfa/setup/").content.decode()
    assert "<svg" in page and 'id="mfa-key"' in page
    codes = _bind(client, world.zhao)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _signed_in(client)
    assert client.session.get("otp_device_id", "").startswith("otp_totp.totpdevice/")
    assert TOTPDevice.objects.get(user=world.zhao).confirmed
    assert AuditEntry.objects.filter(actor=world.zhao, to_state="绑定动态口令").exists()
    # The codes are never shown again: the setup page of a bound account sends to the code.
    other = Client()
    _password(other, "zhao")
    assert other.get("/accounts/mfa/setup/")["Location"] == "/accounts/mfa/"


def test_a_wrong_code_does_not_sign_in_and_is_audited(world):
    client = Client()
    _password(client, "zhao")
    _bind(client, world.zhao)
    second = Client()
    assert _password(second, "zhao")["Location"] == "/accounts/mfa/"
    response = second.post(
        "/accounts/mfa/", {"code": "000000" if second_factor_code(world.zhao) != "000000" else "111111"}
    )
    assert response.status_code == 200
    assert "动态口令或恢复码：不正确或已过期" in response.content.decode()
    assert not _signed_in(second)
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.LOGIN_FAILED, actor_label="zhao", reason="第二因素（动态口令）错误"
    ).exists()
    empty = second.post("/accounts/mfa/", {"code": "  "})
    assert "动态口令或恢复码：必须填写" in empty.content.decode()


def test_the_right_code_signs_in_and_goes_to_next_but_never_off_site(world):
    Client().get("/")  # nothing signed in yet
    setup = Client()
    _password(setup, "zhao")
    _bind(setup, world.zhao)
    client = Client()
    _password(client, "zhao", next_url="/apprenticeships/")
    response = client.post("/accounts/mfa/", {"code": second_factor_code(world.zhao)})
    assert response.status_code == 302 and response["Location"] == "/apprenticeships/"
    assert _signed_in(client)
    away = Client()
    _password(away, "zhao", next_url="https://evil.example/")
    response = away.post("/accounts/mfa/", {"code": second_factor_code(world.zhao)})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert not response["Location"].startswith("http")


def test_a_recovery_code_works_once(world):
    first = Client()
    _password(first, "zhao")
    codes = _bind(first, world.zhao)
    client = Client()
    _password(client, "zhao")
    assert client.post("/accounts/mfa/", {"code": codes[0].upper()}).status_code == 302
    assert _signed_in(client)
    again = Client()
    _password(again, "zhao")
    assert again.post("/accounts/mfa/", {"code": codes[0]}).status_code == 200
    assert not _signed_in(again)
    assert StaticToken.objects.filter(device__user=world.zhao).count() == 9


def test_a_spent_code_is_not_accepted_twice(world):
    first = Client()
    _password(first, "zhao")
    _bind(first, world.zhao)
    device = TOTPDevice.objects.get(user=world.zhao)
    from django_otp.oath import TOTP

    spent = f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
    # The setup just used this half-minute's code (or the next one): the same code again is refused.
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = device.last_t * device.step
    spent = f"{totp.token():06d}"
    client = Client()
    _password(client, "zhao")
    assert client.post("/accounts/mfa/", {"code": spent}).status_code == 200
    assert not _signed_in(client)


def test_five_wrong_codes_end_the_attempt_even_for_the_right_code_after(world):
    first = Client()
    _password(first, "zhao")
    _bind(first, world.zhao)
    client = Client()
    _password(client, "zhao")
    right = second_factor_code(world.zhao)
    wrong = "123456" if right != "123456" else "654321"
    for _ in range(mfa.MAX_TRIES - 1):
        assert client.post("/accounts/mfa/", {"code": wrong}).status_code == 200
    response = client.post("/accounts/mfa/", {"code": wrong})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.post("/accounts/mfa/", {"code": right})["Location"] == "/accounts/login/"
    assert not _signed_in(client)


def test_the_password_step_expires_after_five_minutes(world):
    client = Client()
    _password(client, "zhao")
    session = client.session
    session[mfa.PENDING]["at"] = time.time() - mfa.PENDING_SECONDS - 1
    session.save()
    response = client.post("/accounts/mfa/setup/", {"code": "123456"})
    assert response["Location"] == "/accounts/login/"
    assert not _signed_in(client)


@pytest.mark.parametrize("url", ["/accounts/mfa/", "/accounts/mfa/setup/"])
def test_the_second_step_cannot_be_reached_without_the_first(world, url):
    for client in (Client(), Client(enforce_csrf_checks=False)):
        assert client.get(url)["Location"] == "/accounts/login/"
        assert client.post(url, {"code": "123456"})["Location"] == "/accounts/login/"
    signed_in_as_sun = Client()
    signed_in_as_sun.force_login(world.sun)
    assert signed_in_as_sun.post(url, {"code": "123456"})["Location"] == "/accounts/login/"


def test_the_superuser_and_a_city_unit_admin_need_two_factors_too(world):
    assert mfa.mfa_required(world.admin) and mfa.mfa_required(world.yang) and mfa.mfa_required(world.zhao)
    assert not any(mfa.mfa_required(getattr(world, n)) for n in ("sun", "zhang", "liming", "chen", "wang", "guo"))
    client = Client()
    assert _password(client, "admin")["Location"] == "/accounts/mfa/setup/"
    assert client.get("/admin/").status_code == 302 and not _signed_in(client)
