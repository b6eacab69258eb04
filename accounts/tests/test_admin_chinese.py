"""The Django admin speaks Chinese throughout (issue 12 §3): every app and model on the index, and
every changelist's title and column headers, our apps' and the third-party ones' (axes, the
second-factor devices, background tasks) alike — walked as the superuser, and the audit-only
models as the audit administrator."""

import re

import pytest
from django.contrib.admin.utils import label_for_field
from django.test import Client
from django.utils import translation

from accounts.duties import Duty
from accounts.models import User
from chuancheng.test import PASSWORD

# Latin words that are names in Chinese text too, not English left untranslated.
NAMES = {"API", "TOTP", "IP", "URL", "ID", "JSON", "QR", "PDF", "HTML", "CSV", "SHA", "HTTP", "GET", "POST"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")


def english(text: str) -> list[str]:
    return [w for w in LATIN_WORD.findall(text) if w not in NAMES]


def headers(html: str) -> list[str]:
    """The changelist's column headers, as shown (tags stripped)."""
    cells = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html, flags=re.S)
    return [re.sub(r"<[^>]+>", " ", c).strip() for c in cells]


@pytest.fixture
def auditor(world):
    return User.objects.create_user(
        username="auditor_t", password=PASSWORD, is_staff=True, admin_duty=Duty.AUDIT, full_name="审计员"
    )


def _app_list(client: Client) -> list[dict]:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.context["app_list"]


def test_every_app_and_model_on_the_admin_index_is_named_in_chinese(world, auditor):
    superuser, audit = Client(), Client()
    superuser.force_login(world.admin)
    audit.force_login(auditor)
    seen = {}
    with translation.override("zh-hans"):
        for client in (superuser, audit):
            for app in _app_list(client):
                seen[app["app_label"]] = app["name"]
                for model in app["models"]:
                    seen[f"{app['app_label']}.{model['object_name']}"] = model["name"]
    # The third-party apps are there, so the walk covers them.
    assert {"axes", "otp_totp", "otp_static", "django_tasks_database"} <= set(seen)
    untranslated = {key: name for key, name in seen.items() if english(str(name))}
    assert not untranslated, untranslated


def test_every_changelist_has_a_chinese_title_and_chinese_column_headers(world, auditor):
    superuser, audit = Client(), Client()
    superuser.force_login(world.admin)
    audit.force_login(auditor)
    problems, walked = [], 0
    for client in (superuser, audit):
        for app in _app_list(client):
            for model in app["models"]:
                response = client.get(model["admin_url"])
                assert response.status_code == 200, model["admin_url"]
                walked += 1
                html = response.content.decode()
                title = re.search(r"<title>(.*?)</title>", html, flags=re.S).group(1)
                # Every column, whether or not the list has rows now.
                changelist = response.context["cl"]
                columns = [
                    str(label_for_field(name, changelist.model, changelist.model_admin))
                    for name in changelist.list_display
                    if name != "action_checkbox"
                ]
                for text in [title, *headers(html), *columns]:
                    if english(text):
                        problems.append(f"{model['admin_url']}: {text}")
    assert walked >= 15 and not problems, "\n".join(problems)


def test_a_third_party_record_page_is_in_chinese_too(world, auditor, client):
    from axes.models import AccessAttempt, AccessFailureLog

    attempt = AccessAttempt.objects.create(
        username="u1",
        ip_address="10.0.0.1",
        user_agent="Chromium",
        http_accept="text/html",
        path_info="/accounts/login/",
        failures_since_start=2,
        get_data="",
        post_data="",
    )
    failure = AccessFailureLog.objects.create(
        username="u1",
        ip_address="10.0.0.1",
        user_agent="Chromium",
        http_accept="text/html",
        path_info="/accounts/login/",
        locked_out=False,
    )
    superuser, audit = Client(), Client()
    superuser.force_login(world.admin)
    audit.force_login(auditor)
    pages = [
        superuser.get(f"/admin/axes/accessattempt/{attempt.pk}/change/"),
        superuser.get("/admin/axes/accessattempt/"),
        audit.get(f"/admin/axes/accessfailurelog/{failure.pk}/change/"),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        labels = re.findall(r"<label[^>]*>(.*?)</label>|<h2[^>]*>(.*?)</h2>|<h3[^>]*>(.*?)</h3>", html, flags=re.S)
        shown = [re.sub(r"<[^>]+>", " ", part).strip() for group in labels for part in group if part]
        assert shown and not [t for t in shown if english(t)], shown
