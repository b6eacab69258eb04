"""Sessions: 30 minutes idle, 12 hours at most, and disabling an account ends them all."""

import time
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.models import LoginSession
from accounts.services import user_disable
from chuancheng.test import PASSWORD
from workflow.models import AuditEntry


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_the_session_cookie_lives_thirty_minutes_and_is_renewed_on_each_request(world, settings):
    client = _signed_in("sun")
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    response = client.get("/workbench/")
    assert response.cookies["sessionid"]["max-age"] == 30 * 60


def test_it_signs_out_after_thirty_idle_minutes(world):
    client = _signed_in("sun")
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/workbench/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_signs_out_after_twelve_hours_however_active(world):
    client = _signed_in("sun")
    session = client.session
    session["signed_in_at"] = time.time() - 12 * 3600 - 1
    session.save()
    response = client.get("/workbench/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT, actor=world.sun).get()
    assert "12 小时" in entry.reason


def test_eleven_hours_is_still_fine(world):
    client = _signed_in("sun")
    session = client.session
    session["signed_in_at"] = time.time() - 11 * 3600
    session.save()
    assert client.get("/workbench/").status_code == 200


def test_disabling_an_account_ends_its_sessions(world):
    on_laptop, on_phone = _signed_in("liming"), _signed_in("liming")
    assert LoginSession.objects.filter(user=world.liming).count() == 2
    user_disable(user=world.liming, actor=world.admin, reason="已调离")
    assert LoginSession.objects.filter(user=world.liming).count() == 0
    for client in (on_laptop, on_phone):
        assert client.get("/workbench/").status_code == 302
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.TRANSITION, object_id=str(world.liming.pk)).get()
    assert (entry.from_state, entry.to_state, entry.reason, entry.actor) == ("启用", "停用", "已调离", world.admin)


def test_a_unit_admin_disables_a_colleague_from_the_person_page(world, client_for):
    client = client_for("yang")  # unit admin of the city health commission, city-wide office staff
    from accounts import services

    clerk = services.user_create(username="clerk", password=PASSWORD, full_name="钱文书", region=world.sun.region)
    services.membership_grant(user=clerk, organization=world.city_health, role="office_staff")
    page = client.get(f"/accounts/people/{clerk.pk}/").content.decode()
    assert "停用账号" in page
    response = client.post(f"/accounts/people/{clerk.pk}/active/", {"to": "False", "reason": ""}, follow=True)
    assert "停用账号必须填写原因" in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.is_active
    client.post(f"/accounts/people/{clerk.pk}/active/", {"to": "False", "reason": "退休"})
    clerk.refresh_from_db()
    assert not clerk.is_active


def test_a_county_clerk_cannot_disable_anyone(world, client_for):
    response = client_for("sun").post(f"/accounts/people/{world.zhang.pk}/active/", {"to": "False", "reason": "x"})
    assert response.status_code == 403
    world.zhang.refresh_from_db()
    assert world.zhang.is_active
