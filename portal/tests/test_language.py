"""zh-hans is the default language; English is chosen by the browser (Accept-Language), by the
language cookie, or by the switcher in the navigation bar (Django's set_language view)."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation


@pytest.fixture(autouse=True)
def _restore_language():
    # LocaleMiddleware leaves the last request's language active in the thread; put it back so
    # that later tests which write audit labels outside a request still get Chinese.
    before = translation.get_language()
    yield
    translation.activate(before)


def english_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_home_page_is_chinese_by_default(world):
    response = Client().get("/")
    page = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in page
    assert "首页" in page and "中医药传承与优势技术信息平台" in page and ">登录<" in page
    assert "Home" not in page and "Sign in" not in page


def test_the_login_page_is_chinese_by_default(world):
    page = Client().get("/accounts/login/").content.decode()
    assert "用户名" in page and "密码" in page and "忘记密码？" in page
    assert "Username" not in page and "Forgot your password?" not in page


@pytest.mark.parametrize(
    "client",
    [lambda: Client(headers={"accept-language": "en"}), english_client],
    ids=["accept-language", "cookie"],
)
def test_the_home_page_is_english_when_asked(world, client):
    response = client().get("/")
    page = response.content.decode()
    assert response["Content-Language"] == "en" and '<html lang="en">' in page
    assert ">Home<" in page and ">Sign in<" in page
    assert "首页" not in page and ">登录<" not in page
    # The switcher names each language in that language, so the way back is always readable.
    assert "简体中文" in page and "English" in page


@pytest.mark.parametrize(
    "client",
    [lambda: Client(headers={"accept-language": "en"}), english_client],
    ids=["accept-language", "cookie"],
)
def test_the_login_page_is_english_when_asked(world, client):
    page = client().get("/accounts/login/").content.decode()
    assert "Username" in page and "Password" in page and "Forgot your password?" in page
    assert "用户名" not in page and "忘记密码？" not in page


def test_a_failed_sign_in_is_explained_in_english(world):
    response = english_client().post("/accounts/login/", {"username": "sun", "password": "wrong-password"})
    assert "Incorrect username or password" in response.content.decode()


def test_the_cookie_wins_over_the_browser(world):
    client = english_client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "首页" in page and ">Home<" not in page


def test_the_language_switcher_changes_the_language(world):
    client = Client()
    assert "首页" in client.get("/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/").content.decode()
    assert ">Home<" in page and "首页" not in page

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "首页" in client.get("/").content.decode()


def test_the_workbench_and_error_pages_follow_the_language(world, client_for):
    client = client_for("zhao")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/workbench/").content.decode()
    assert "To do" in page and "Approve project workstations: 项目永济工作站" in page and "待办事项" not in page
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()
    response = client_for("zhao").get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
