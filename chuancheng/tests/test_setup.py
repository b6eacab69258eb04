"""The set-up contract of the README: development runs with no configuration, production refuses
to start half-configured and passes Django's deployment check, the demo data loads (again and
again) everywhere except production, and the interface is Chinese unless asked otherwise."""

from __future__ import annotations

import base64
import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command

from chuancheng.demo import DEMO_PASSWORD
from chuancheng.test import login_request

PROJECT = Path(__file__).resolve().parents[2]
DEMO_USERNAMES = ["admin", "guide", "host", "organizer", "master", "apprentice", "expert", "holder", "county"]


def _production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CHUANCHENG_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60)[:60],
        ALLOWED_HOSTS="chuancheng.example.cn",
        # Neither the deployment check nor load_demo's refusal needs a live database.
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(32),
        CERTIFICATE_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        DJANGO_SETTINGS_MODULE="chuancheng.settings",
    )
    for name in ("DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD"):
        env.pop(name, None)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_the_console_sms_backend(tmp_path):
    # It would write every registration code to the log instead of to a phone (issue 12 §1).
    env = _production_env(tmp_path, SMS_BACKEND="accounts.sms.ConsoleSmsBackend")
    result = _manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "accounts.E001" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    result = _manage("check", env=_production_env(tmp_path, SECRET_KEY=None))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_load_demo_refuses_production(tmp_path):
    result = _manage("load_demo", env=_production_env(tmp_path))
    assert result.returncode != 0
    assert "生产环境" in result.stdout + result.stderr


def _counts() -> dict[str, int]:
    from accounts.models import Membership, Organization, User
    from techniques.models import Technique

    return {model.__name__: model.objects.count() for model in (User, Organization, Membership, Technique)}


def test_load_demo_is_idempotent(db):
    from accounts.models import Organization, User

    # A small technique set keeps the test quick; the full demo makes 320.
    call_command("load_demo", "--techniques", "24", stdout=io.StringIO())
    first = _counts()
    call_command("load_demo", "--techniques", "24", stdout=io.StringIO())
    assert _counts() == first
    assert first["Technique"] == 24
    assert first["User"] >= len(DEMO_USERNAMES) and first["Organization"] > 0 and first["Membership"] > 0

    assert set(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)) == set(
        DEMO_USERNAMES
    )
    for username in DEMO_USERNAMES:
        user = authenticate(request=login_request(), username=username, password=DEMO_PASSWORD)
        assert user is not None and user.username == username, f"{username} cannot sign in with the demo password"
    # One workstation waits for the host unit, one was approved — the second run approved nothing again.
    stations = Organization.objects.filter(kind=Organization.Kind.WORKSTATION)
    assert sorted(stations.values_list("status", flat=True)) == ["active", "pending"]


def test_there_are_no_missing_migrations(db):
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())
    except SystemExit as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"makemigrations --check found model changes without a migration (exit {exc.code})")


def test_zh_hans_is_the_default_language_and_english_is_available(client, db):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ and settings.USE_I18N

    response = client.get("/")
    assert "HTTP_ACCEPT_LANGUAGE" not in response.wsgi_request.META
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_demos_administrators_sign_in_with_the_code_demo_code_prints(db):
    """The demo's separated duties exist, and an administrator of the demo passes the second factor
    with the code `manage.py demo_code` prints (as a reviewer without a phone would)."""
    import re

    from django.test import Client

    from accounts.duties import Duty
    from accounts.models import User

    call_command("load_demo", "--techniques", "24", stdout=io.StringIO())
    duties = dict(User.objects.exclude(admin_duty="").values_list("username", "admin_duty"))
    assert duties == {"sysadmin": Duty.SYSTEM, "secadmin": Duty.SECURITY, "auditor": Duty.AUDIT}
    out = io.StringIO()
    call_command("demo_code", stdout=out)
    code = re.match(r"\d{6}", out.getvalue()).group()
    client = Client()
    response = client.post("/accounts/login/", {"username": "auditor", "password": DEMO_PASSWORD})
    assert response["Location"] == "/accounts/mfa/"
    assert client.post("/accounts/mfa/", {"code": code}).status_code == 302
    assert client.get("/audit/").status_code == 200
