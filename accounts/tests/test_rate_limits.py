"""Rate limits (issue 13 §9): sign-in by account and by address, password reset by address typed
and by client address, the public verification and search pages by address, and the API by token."""

import threading
import time
import types
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import caches
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create
from chuancheng.test import PASSWORD
from workflow.models import AuditEntry

LOGIN = "/accounts/login/"
OFFICE = "10.20.30.40"  # one county bureau's NAT address


@pytest.fixture
def one_window(monkeypatch):
    """django-ratelimit counts in fixed windows of the wall clock; hold the clock inside one window
    so a test's burst is never split by a minute's turn."""
    import django_ratelimit.core

    now = 1_800_000_000.0
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))


def _sign_in(username: str, password: str, ip: str = OFFICE):
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


# --- sign-in ------------------------------------------------------------------------------------


def test_fifty_failures_from_one_address_pause_sign_in_from_it_but_not_elsewhere(world, settings):
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_IP_FAILURE_LIMIT) == (5, 50)
    # A password sprayer: one guess at each of fifty usernames, never five at any one.
    codes = [_sign_in(f"probe{n}", "Spring-2026!").status_code for n in range(50)]
    assert codes[:49] == [200] * 49 and codes[49] == 429
    response = _sign_in("sun", PASSWORD)
    assert response.status_code == 429 and "登录已暂停" in response.content.decode()
    assert _sign_in("sun", PASSWORD, ip="10.99.0.1").status_code == 302
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED, reason__contains="该地址").first()
    assert entry is not None and entry.ip == OFFICE


def test_an_office_typing_badly_all_morning_is_not_locked_out(world):
    # Twenty colleagues behind one address, two typos each: forty failures, no lock.
    for n in range(20):
        for _ in range(2):
            assert _sign_in(f"colleague{n}", "wrong-password-1").status_code == 200
    assert _sign_in("zhou", PASSWORD).status_code == 302


def test_one_success_does_not_wipe_the_addresses_failures(world):
    for n in range(49):
        _sign_in(f"probe{n}", "Spring-2026!")
    # The sprayer's own account signs in between guesses; the address's count stays.
    assert _sign_in("sun", PASSWORD).status_code == 302
    assert _sign_in("probe49", "Spring-2026!").status_code == 429


def test_the_account_lock_still_comes_at_five(world):
    codes = [_sign_in("sun", "wrong-password-1", ip=f"10.0.0.{n}").status_code for n in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    response = _sign_in("sun", PASSWORD, ip="10.0.9.9")
    assert response.status_code == 429 and "账号已锁定" in response.content.decode()


# --- password reset -----------------------------------------------------------------------------


def _reset(email: str, ip: str = OFFICE):
    return Client().post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=ip)


def test_a_reset_request_is_audited_with_the_account_it_names(world, one_window):
    assert _reset("sun@example.cn").status_code == 302
    assert _reset("nobody@example.cn").status_code == 302
    found, unknown = AuditEntry.objects.filter(action=AuditEntry.Action.PASSWORD_RESET).order_by("pk")
    assert (found.actor_label, found.object_id, found.outcome) == ("sun@example.cn", str(world.sun.pk), "success")
    assert (unknown.actor_label, unknown.object_id, unknown.outcome) == ("nobody@example.cn", "", "success")
    assert found.ip == OFFICE


def test_the_sixth_reset_for_one_address_within_the_hour_is_refused_from_any_address(world, one_window):
    codes = [_reset("SUN@example.cn ", ip=f"10.1.0.{n}").status_code for n in range(6)]
    assert codes == [302] * 5 + [429]
    assert len(mail.outbox) == 5
    response = _reset("sun@example.cn", ip="10.1.9.9")
    assert response.status_code == 429 and "请求过于频繁" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    denied = AuditEntry.objects.filter(action=AuditEntry.Action.PASSWORD_RESET, outcome="denied")
    assert denied.count() == 2 and "过于频繁" in denied.first().reason
    # Someone else's reset is untouched.
    assert _reset("zhou@example.cn", ip="10.1.9.9").status_code == 302


def test_one_address_asking_for_thirty_one_resets_is_refused(world, one_window):
    codes = [_reset(f"guess{n}@example.cn").status_code for n in range(31)]
    assert codes == [302] * 30 + [429]
    assert _reset("sun@example.cn").status_code == 429
    assert _reset("sun@example.cn", ip="10.7.7.7").status_code == 302


# --- public pages -------------------------------------------------------------------------------


def test_the_verification_pages_allow_sixty_a_minute_per_address(world, one_window):
    client = Client()
    codes = [client.get("/verify/", REMOTE_ADDR=OFFICE).status_code for _ in range(30)]
    codes += [client.get(f"/verify/ZZ-{n}/", REMOTE_ADDR=OFFICE).status_code for n in range(30)]
    assert 429 not in codes
    response = client.get("/verify/ZZ-61/", REMOTE_ADDR=OFFICE)
    assert response.status_code == 429 and "请求过于频繁" in response.content.decode()
    # Another address is answered as usual (not found, however that page says it).
    assert client.get("/verify/ZZ-61/", REMOTE_ADDR="10.3.3.3").status_code in (200, 404)


def test_the_public_searches_share_one_count_per_address(world, settings, one_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "public_search_ip": "4/m"}
    client = Client()
    codes = [client.get(url, REMOTE_ADDR=OFFICE).status_code for url in ["/techniques/", "/masters/"] * 2]
    assert codes == [200] * 4
    assert client.get("/masters/?q=张", REMOTE_ADDR=OFFICE).status_code == 429
    assert client.get("/techniques/?q=针", REMOTE_ADDR=OFFICE).status_code == 429
    assert client.get("/techniques/", REMOTE_ADDR="10.3.3.3").status_code == 200


def test_a_forged_forwarded_header_is_counted_by_the_connection_not_a_500(world, settings, one_window):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    response = Client().get("/verify/", REMOTE_ADDR=OFFICE, HTTP_X_FORWARDED_FOR="<script>, also-not-an-ip")
    assert response.status_code == 200


# --- API tokens ---------------------------------------------------------------------------------


def _me(raw: str, ip: str = OFFICE):
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}, REMOTE_ADDR=ip)


def test_a_token_lives_ninety_days_and_the_list_says_until_when(world, client_for):
    token, _ = api_token_create(user=world.sun, name="省平台数据对接")
    assert abs(token.expires_at - (token.created_at + timedelta(days=90))) < timedelta(seconds=5)
    page = client_for("sun").get("/accounts/tokens/").content.decode()
    assert "有效期至" in page and timezone.localtime(token.expires_at).strftime("%Y-%m-%d") in page


def test_an_expired_token_is_refused(world, client_for):
    token, raw = api_token_create(user=world.sun, name="测试")
    assert _me(raw).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _me(raw).status_code == 401
    assert "已过期" in client_for("sun").get("/accounts/tokens/").content.decode()


def test_a_token_stops_working_while_its_account_is_locked(world):
    _, raw = api_token_create(user=world.sun, name="测试")
    assert _me(raw).status_code == 200
    for n in range(5):
        _sign_in("sun", "wrong-password-1", ip=f"10.0.0.{n}")
    assert _me(raw, ip="10.8.8.8").status_code == 401
    # Another person's token is unaffected.
    _, other = api_token_create(user=world.zhou, name="测试")
    assert _me(other).status_code == 200


def test_a_token_is_limited_per_minute_with_a_429_in_chinese(world, settings, one_window):
    assert settings.RATE_LIMITS["api_token"] == "600/m"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_token": "3/m"}
    _, raw = api_token_create(user=world.sun, name="对接一")
    _, second = api_token_create(user=world.sun, name="对接二")
    assert [_me(raw, ip=f"10.5.0.{n}").status_code for n in range(3)] == [200, 200, 200]
    response = _me(raw)
    assert response.status_code == 429 and "请求过于频繁" in response.json()["detail"]
    # The client learns when to come back, in the header its HTTP library reads.
    assert 0 < int(response["Retry-After"]) <= 60
    assert _me(second).status_code == 200


# --- the count itself ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_increments_at_once_are_all_counted():
    cache = caches["ratelimit"]
    cache.set("burst", 0, 60)
    errors: list[BaseException] = []

    def incr() -> None:
        # The tests' in-memory SQLite refuses a second writer at once ("database table is locked")
        # where a database file waits its busy timeout; a refused statement changed nothing, so it
        # is tried again. Counts lost between a read and a write would still show.
        while True:
            try:
                cache.incr("burst")
                return
            except OperationalError as exc:
                if connection.vendor != "sqlite" or "locked" not in str(exc):
                    raise
                time.sleep(0.001)

    def hammer():
        try:
            for _ in range(10):
                incr()
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and cache.get("burst") == 60
    cache.delete("burst")


def test_the_count_cache_adds_once_per_window_and_counts_from_there(db):
    cache = caches["ratelimit"]
    assert cache.add("k", 1, 60) is True
    assert cache.add("k", 1, 60) is False
    assert cache.incr("k") == 2 and cache.get("k") == 2
    with pytest.raises(ValueError):
        cache.incr("absent")
    cache.set("old", 9, -1)  # already expired: add takes the row over
    assert cache.get("old") is None and cache.add("old", 1, 60) is True and cache.get("old") == 1
    with pytest.raises(TypeError):
        cache.set("text", "not a count")
