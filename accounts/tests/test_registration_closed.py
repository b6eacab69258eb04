"""Without an SMS gateway (SMS_BACKEND unset, production's default) self-registration is closed:
the page says so and whom to ask, and neither a code request nor a forged registration writes
anything (issue 12 §1)."""

import pytest
from django.urls import reverse

from accounts.models import PhoneCode, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_gateway(settings):
    settings.SMS_BACKEND = ""


def test_the_registration_page_says_it_is_closed_and_whom_to_ask(client, world, no_gateway):
    response = client.get(reverse("accounts:register"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "自助注册暂未开放" in body and "卫生健康部门开设账号" in body
    assert 'id="register-form"' not in body


def test_neither_a_code_nor_a_forged_registration_gets_through(client, world, no_gateway):
    users = User.objects.count()
    code = client.post(reverse("accounts:register-code"), {"phone": "13903590777"})
    assert code.status_code == 400 and "自助注册暂未开放" in code.content.decode()
    forged = client.post(
        reverse("accounts:register"),
        {"role": "applicant", "full_name": "吕文博", "phone": "13903590777", "code": "000000", "username": "lwb"},
    )
    assert forged.status_code == 403
    assert User.objects.count() == users and not PhoneCode.objects.exists()
