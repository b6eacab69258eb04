"""Self-registration (issue 12 §1): a person makes their own account with their real name, ID
number and a phone proved by a text-message code, consents to the privacy notice (twice: the ID
number is sensitive), and a unit they name confirms them before they hold any role there."""

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import sms
from accounts.models import Membership, MembershipRequest, PhoneCode, PrivacyConsent, User
from accounts.services import PRIVACY_NOTICE_VERSION
from chuancheng.demo import demo_id_number
from chuancheng.test import PASSWORD
from lib import fieldcrypt
from notifications.models import Notification
from workflow.services import waiting_for

REGISTER = "/accounts/register/"
CODE = "/accounts/register/code/"
PHONE = "13812345678"
ID_NUMBER = demo_id_number("140881", "19900315", 41)


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()


@pytest.fixture
def yongji_admin(world):
    """永济市中医医院's unit admin: the one who confirms its self-registered people."""
    from chuancheng.test import _person

    return _person("yjadmin", "韩院长", "140881", [(world.yongji_tcm, Membership.Role.UNIT_ADMIN)], 61)


def send_code(client: Client, phone: str = PHONE, **extra):
    return client.post(CODE, {"phone": phone}, HTTP_HX_REQUEST="true", **extra)


def form(world, **overrides) -> dict:
    data = {
        "role": "applicant",
        "full_name": "韩新",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "code": sms.last_code(PHONE) or "",
        "username": "hanxin",
        "password": PASSWORD,
        "password2": PASSWORD,
        "email": "",
        "region": "140881",
        "organization": world.yongji_tcm.pk,
        "consent_general": "on",
        "consent_sensitive": "on",
    }
    data.update(overrides)
    return data


def register(client: Client, world, **overrides):
    if "code" not in overrides:
        send_code(client, overrides.get("phone", PHONE))
    return client.post(REGISTER, form(world, **overrides))


def test_a_person_registers_with_a_verified_phone_and_is_told_to_sign_in(world, yongji_admin):
    client = Client()
    response = register(client, world)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    person = User.objects.get(username="hanxin")
    assert person.full_name == "韩新" and person.region_id == "140881" and person.is_active
    # Stored encrypted, one account per number: the hash is what the unique index holds.
    assert person.id_number == ID_NUMBER and ID_NUMBER not in person.id_number_encrypted
    assert person.id_number_hash == fieldcrypt.keyed_hash(ID_NUMBER)
    assert person.phone == PHONE and PHONE not in person.phone_encrypted
    signed_in = Client().post("/accounts/login/", {"username": "hanxin", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/workbench/"
    # Both consents, with the notice's version and the time.
    consents = {c.kind: c for c in PrivacyConsent.objects.filter(user=person)}
    assert set(consents) == {"general", "sensitive"}
    assert {c.version for c in consents.values()} == {PRIVACY_NOTICE_VERSION}
    assert all(timezone.now() - c.consented_at < timedelta(minutes=1) for c in consents.values())
    # The unit is asked, not granted: no membership until its admin confirms.
    assert not Membership.objects.filter(user=person).exists()
    request = MembershipRequest.objects.get(user=person)
    assert request.status == "pending" and request.organization == world.yongji_tcm and request.role == "applicant"
    assert Notification.objects.filter(recipient=yongji_admin, title__contains="韩新").exists()
    assert [w.obj for w in waiting_for(yongji_admin)] == [request]
    # The code was spent with the account.
    assert PhoneCode.objects.get().used_at is not None


def test_the_code_is_stored_hashed_sent_through_the_backend_and_logged_by_the_console_one(world, caplog):
    with caplog.at_level(logging.WARNING, logger="chuancheng.sms"):
        response = send_code(Client())
    assert response.status_code == 200 and "验证码已发送" in response.content.decode()
    code = sms.last_code(PHONE)
    assert code and len(code) == 6 and code in caplog.text
    row = PhoneCode.objects.get()
    assert code not in row.code_hash and PHONE not in row.phone_hash
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_the_production_adapter_interface_is_a_base_class_to_implement(settings, world):
    assert issubclass(sms.ConsoleSmsBackend, sms.BaseSmsBackend)
    settings.SMS_BACKEND = "accounts.sms.BaseSmsBackend"
    with pytest.raises(NotImplementedError):
        send_code(Client())


def test_a_taken_id_number_is_refused_naming_the_field_and_nothing_is_made(world):
    taken = world.liming.id_number
    response = register(Client(), world, id_number=taken)
    page = response.content.decode()
    assert response.status_code == 200 and "身份证号码：该号码已注册过账号" in page
    assert not User.objects.filter(username="hanxin").exists()
    assert not MembershipRequest.objects.exists() and not PrivacyConsent.objects.exists()
    # The code is not spent: the person corrects the number and goes on with it.
    assert PhoneCode.objects.get().used_at is None
    assert register(Client(), world, code=sms.last_code(PHONE)).status_code == 302


def test_a_wrong_code_is_refused_and_counted_and_too_many_retire_the_code(world, settings):
    settings.SMS_CODE_MAX_ATTEMPTS = 3
    client = Client()
    send_code(client)
    right = sms.last_code(PHONE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    page = client.post(REGISTER, form(world, code=wrong)).content.decode()
    assert "验证码：验证码不正确，还可以再试 2 次" in page and not User.objects.filter(username="hanxin").exists()
    client.post(REGISTER, form(world, code=wrong))
    page = client.post(REGISTER, form(world, code=wrong)).content.decode()
    assert "验证码：输错次数过多，请重新获取" in page
    # Even the right code no longer opens the door; a new one does.
    assert "输错次数过多" in client.post(REGISTER, form(world, code=right)).content.decode()
    assert PhoneCode.objects.get().attempts == 3
    assert register(client, world).status_code == 302


def test_an_expired_code_is_refused(world):
    client = Client()
    send_code(client)
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = client.post(REGISTER, form(world)).content.decode()
    assert "验证码：验证码已过期，请重新获取" in page and not User.objects.filter(username="hanxin").exists()


def test_a_new_code_retires_the_earlier_one(world):
    client = Client()
    send_code(client)
    first = sms.last_code(PHONE)
    send_code(client)
    if sms.last_code(PHONE) != first:
        assert "验证码不正确" in client.post(REGISTER, form(world, code=first)).content.decode()
    assert client.post(REGISTER, form(world)).status_code == 302


def test_code_requests_are_limited_per_number_and_per_address(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_code_phone": "2/h", "sms_code_ip": "4/h"}
    client = Client(REMOTE_ADDR="198.51.100.7")
    replies = [send_code(client).content.decode() for _ in range(3)]
    assert "验证码已发送" in replies[1] and "手机号码：获取验证码过于频繁" in replies[2]
    assert len(sms.outbox) == 2
    # Spread over numbers from one address: the address's count stops it.
    replies = [send_code(client, f"1391234000{n}").content.decode() for n in range(3)]
    assert "验证码已发送" in replies[0] and "获取验证码过于频繁" in replies[-1]
    # Without htmx the refusal is a 429 with Retry-After.
    refused = Client(REMOTE_ADDR="198.51.100.7").post(CODE, {"phone": PHONE})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_a_code_is_not_sent_to_a_number_already_registered_or_not_a_mobile(world):
    page = send_code(Client(), world.liming.phone).content.decode()
    assert "手机号码：该号码已登记在平台的另一账号下" in page
    assert "手机号码" in send_code(Client(), "12345").content.decode()
    assert not sms.outbox


def test_both_consents_are_required_and_the_sensitive_one_separately(world):
    page = register(Client(), world, consent_sensitive="").content.decode()
    assert "敏感个人信息单独同意" in page and not User.objects.filter(username="hanxin").exists()
    page = register(Client(), world, consent_general="").content.decode()
    assert "个人信息处理规则：须阅读并同意" in page and not User.objects.filter(username="hanxin").exists()


def test_a_staff_role_cannot_be_asked_for(world):
    for role in ("unit_admin", "reviewer", "office_staff", "expert"):
        page = register(Client(), world, role=role).content.decode()
        assert "注册身份" in page and not User.objects.filter(username="hanxin").exists()
    assert not MembershipRequest.objects.exists()


def test_the_password_rules_apply_and_the_two_entries_must_match(world):
    response = register(Client(), world, password="12345678", password2="12345678")
    assert "密码不能全部为数字" in " ".join(response.context["form"].errors["password"])
    page = register(Client(), world, password2=PASSWORD + "x").content.decode()
    assert "两次输入的密码不一致" in page
    assert not User.objects.filter(username="hanxin").exists()


def test_a_double_submit_makes_one_account(world):
    client = Client()
    send_code(client)
    data = form(world)
    assert client.post(REGISTER, data).status_code == 302
    page = client.post(REGISTER, data).content.decode()
    assert response_refuses(page) and User.objects.filter(full_name="韩新").count() == 1


def response_refuses(page: str) -> bool:
    return "已注册过账号" in page or "请先获取短信验证码" in page or "已登记" in page


def test_the_unit_admin_confirms_and_the_membership_is_made_with_the_role_asked(world, yongji_admin):
    register(Client(), world, role="holder")
    request = MembershipRequest.objects.get()
    admin = Client()
    admin.force_login(yongji_admin)
    detail = admin.get(f"/accounts/organizations/{world.yongji_tcm.pk}/").content.decode()
    assert "待确认的本单位人员" in detail and "韩新" in detail and "确认为本单位人员" in detail
    response = admin.post(
        f"/audit/move/accounts.membershiprequest/{request.pk}/", {"to": "approved", "expect": "pending"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_at
    person = User.objects.get(username="hanxin")
    assert list(Membership.objects.filter(user=person).values_list("organization", "role")) == [
        (world.yongji_tcm.pk, "holder")
    ]
    assert Notification.objects.filter(recipient=person, title__contains="单位已确认").exists()
    # Decided once: a second post of the same page is refused as already decided.
    again = admin.post(f"/audit/move/accounts.membershiprequest/{request.pk}/", {"to": "approved", "expect": "pending"})
    assert again.status_code == 409


@pytest.mark.parametrize(("persona", "status"), [("zhou", 403), ("zhao", 404), ("liming", 403), ("sun", 404)])
def test_only_the_units_admin_may_confirm(world, yongji_admin, client_for, persona, status):
    register(Client(), world)
    request = MembershipRequest.objects.get()
    response = client_for(persona).post(
        f"/audit/move/accounts.membershiprequest/{request.pk}/", {"to": "approved", "expect": "pending"}
    )
    assert response.status_code == status
    assert MembershipRequest.objects.get().status == "pending"
    assert not Membership.objects.filter(user__username="hanxin").exists()


def test_a_refusal_needs_a_reason_and_grants_nothing(world, yongji_admin):
    register(Client(), world)
    request = MembershipRequest.objects.get()
    admin = Client()
    admin.force_login(yongji_admin)
    url = f"/audit/move/accounts.membershiprequest/{request.pk}/"
    admin.post(url, {"to": "rejected", "expect": "pending"})
    assert MembershipRequest.objects.get().status == "pending"
    admin.post(url, {"to": "rejected", "expect": "pending", "reason": "本院无此人"})
    assert MembershipRequest.objects.get().status == "rejected"
    assert not Membership.objects.filter(user__username="hanxin").exists()


def test_the_login_page_and_the_public_home_link_to_registration(world):
    assert 'href="/accounts/register/"' in Client().get("/accounts/login/").content.decode()
    assert 'href="/accounts/register/"' in Client().get("/").content.decode()
    page = Client().get(REGISTER).content.decode()
    assert "/accounts/privacy/" in page and PRIVACY_NOTICE_VERSION in page
    notice = Client().get("/accounts/privacy/").content.decode()
    assert "敏感个人信息" in notice and "为什么收集" in notice


def test_a_signed_in_person_is_not_offered_registration(world, client_for):
    assert client_for("liming").get(REGISTER)["Location"] == "/workbench/"
