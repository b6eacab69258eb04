"""Separated duties (三权分立, issue 13 §16): 系统管理员 runs the platform but cannot read the audit
log, 安全管理员 grants roles but cannot read the audit log, 审计管理员 reads the audit log and
changes nothing; one account holds one duty."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.duties import Duty, admin_may
from accounts.models import Membership, User
from chuancheng.test import PASSWORD
from workflow.models import AuditEntry
from workflow.services import audit_record


@pytest.fixture
def admins(world):
    def make(username: str, duty: str) -> User:
        user = User.objects.create_user(username=username, password=PASSWORD, full_name=username, is_staff=True)
        user.admin_duty = duty
        user.save()
        return user

    audit_record(action=AuditEntry.Action.EXPORT, actor=world.sun, obj=world.zhou, reason="导出技术库")
    return {
        "system": make("sysadmin", Duty.SYSTEM),
        "security": make("secadmin", Duty.SECURITY),
        "audit": make("auditor", Duty.AUDIT),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_system_administrator_cannot_read_or_export_the_audit_log(admins):
    client = _client(admins["system"])
    assert client.get("/admin/workflow/auditentry/").status_code == 403
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert client.get("/admin/accounts/organization/").status_code == 200


def test_a_superuser_without_the_audit_duty_cannot_read_the_audit_log_either(world):
    client = _client(world.admin)
    assert client.get("/admin/workflow/auditentry/").status_code == 403
    assert client.get("/audit/").status_code == 403


def test_the_audit_administrator_reads_and_exports_everything_and_changes_nothing(admins, world):
    client = _client(admins["audit"])
    listing = client.get("/admin/workflow/auditentry/")
    assert listing.status_code == 200 and "周科员" in listing.content.decode()
    assert "导出技术库" in client.get("/audit/").content.decode()
    export = client.get("/audit/export.csv")
    assert export.status_code == 200 and "导出技术库" in b"".join(export.streaming_content).decode("utf-8-sig")
    assert client.get(f"/admin/accounts/user/{world.sun.pk}/change/").status_code == 403
    assert client.get("/admin/accounts/organization/").status_code == 403
    response = client.post(f"/admin/accounts/user/{world.sun.pk}/change/", {"username": "hacked"})
    assert response.status_code == 403
    assert User.objects.get(pk=world.sun.pk).username == "sun"


def test_the_security_administrator_grants_roles_but_cannot_read_the_audit_log(admins, world):
    client = _client(admins["security"])
    assert client.get("/admin/workflow/auditentry/").status_code == 403
    assert client.get("/audit/").status_code == 403
    assert client.get("/admin/accounts/membership/add/").status_code == 200
    assert admin_may(admins["security"], "accounts.membership", "add")


def test_the_system_administrator_cannot_grant_roles(admins, world):
    client = _client(admins["system"])
    assert client.get("/admin/accounts/membership/add/").status_code == 403
    response = client.post(
        "/admin/accounts/membership/add/",
        {"user": world.sun.pk, "organization": world.sun.memberships.first().organization_id, "role": "unit_admin"},
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=world.sun, role="unit_admin").exists()


def test_nobody_makes_a_superuser_or_changes_their_own_duty_in_the_admin(admins, world):
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    model_admin = django_admin.site._registry[User]

    def readonly(who, whom) -> set:
        request = RequestFactory().get("/admin/")
        request.user = who
        return set(model_admin.get_readonly_fields(request, whom))

    for who in [*admins.values(), world.admin]:
        assert "is_superuser" in readonly(who, world.sun)
        assert "admin_duty" in readonly(who, who) and "is_staff" in readonly(who, who)
    # Only the security administrator (and the sealed installation account) sets who is staff
    # with which duty; the system and audit administrators cannot.
    assert "admin_duty" not in readonly(admins["security"], world.sun)
    assert "admin_duty" not in readonly(world.admin, world.sun)
    assert "admin_duty" in readonly(admins["system"], world.sun)
    assert "admin_duty" in readonly(admins["audit"], world.sun)
    # A person's details are the system administrator's, not the security administrator's.
    assert "full_name" in readonly(admins["security"], world.sun)
    assert "full_name" not in readonly(admins["system"], world.sun)


def test_one_account_holds_one_duty_and_a_duty_needs_staff_status(world):
    assert {c for c, _ in User._meta.get_field("admin_duty").choices} == {"system", "security", "audit"}
    person = world.sun
    person.admin_duty = Duty.AUDIT
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert "admin_duty" in refused.value.message_dict


def test_staff_without_a_duty_do_not_enter_the_admin(world):
    user = User.objects.create_user(username="plainstaff", password=PASSWORD, is_staff=True)
    assert _client(user).get("/admin/").status_code == 302
