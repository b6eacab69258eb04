"""Password change and reset: at least 10 characters, not common, not all digits."""

import re

import pytest
from django.core import mail
from django.test import Client

from chuancheng.test import PASSWORD


@pytest.mark.parametrize(
    "new_password, rule",
    [
        ("Short-1", "密码太短：至少包含 10 个字符"),
        ("3141592653589", "密码不能全部为数字"),
        ("password123", "密码过于常见"),
    ],
)
def test_a_weak_new_password_is_refused_with_the_rule_it_breaks(world, client_for, new_password, rule):
    response = client_for("sun").post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    assert rule in response.content.decode()
    world.sun.refresh_from_db()
    assert world.sun.check_password(PASSWORD)


def test_a_good_password_is_saved_and_the_change_keeps_the_session(world, client_for):
    client = client_for("sun")
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "盐湖区-药王-2026", "new_password2": "盐湖区-药王-2026"},
    )
    assert response.status_code == 302
    world.sun.refresh_from_db()
    assert world.sun.check_password("盐湖区-药王-2026")
    assert client.get("/workbench/").status_code == 200


def test_reset_by_email_sends_a_link_that_sets_a_new_password(world):
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": "sun@example.cn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sun@example.cn"] and "重置密码" in message.subject
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "设置新密码" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "Fresh-Start-2026", "new_password2": "Fresh-Start-2026"}
    )
    assert response.status_code == 302
    world.sun.refresh_from_db()
    assert world.sun.check_password("Fresh-Start-2026")


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(world):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.cn"}, follow=True)
    assert "如果该邮箱登记了账号" in response.content.decode()
    assert mail.outbox == []
