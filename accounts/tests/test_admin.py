"""The Django admin's user and membership pages: refusals are field errors, grants are audited."""

from accounts.models import User


def _change_form(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "region": user.region_id or "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_a_phone_already_used_by_another_account_is_a_field_error_not_a_500(world, client_for):
    admin = client_for("admin")
    response = admin.post(
        f"/admin/accounts/user/{world.sun.pk}/change/", _change_form(world.sun, phone=world.zhang.phone)
    )
    assert response.status_code == 200
    assert "该手机号码已登记在平台的另一账号下" in response.content.decode()
    world.sun.refresh_from_db()
    assert world.sun.phone != world.zhang.phone


def test_the_admin_may_keep_a_persons_own_phone_or_give_a_free_one(world, client_for):
    admin = client_for("admin")
    url = f"/admin/accounts/user/{world.sun.pk}/change/"
    assert admin.post(url, _change_form(world.sun)).status_code == 302
    assert admin.post(url, _change_form(world.sun, phone="13903599999")).status_code == 302
    world.sun.refresh_from_db()
    assert world.sun.phone == "13903599999"


# --- roles granted and revoked in the admin are audited (issue 13 §6) ---------------------------


def _with_memberships(user: User, rows: list[dict], **overrides) -> dict:
    """The user form with its membership inline: existing rows first (with their id), then new."""
    existing = list(user.memberships.order_by("pk"))
    data = _change_form(user, **overrides)
    data["memberships-INITIAL_FORMS"] = str(len(existing))
    data["memberships-TOTAL_FORMS"] = str(len(rows))
    for n, row in enumerate(rows):
        data[f"memberships-{n}-user"] = str(user.pk)
        for key, value in row.items():
            data[f"memberships-{n}-{key}"] = value
    return data


def _mark() -> int:
    """The last audit row so far: the personas' own grants come before it."""
    from workflow.models import AuditEntry

    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _role_rows(since: int):
    from workflow.models import AuditEntry

    return AuditEntry.objects.filter(content_type__model="membership", pk__gt=since).order_by("pk")


def test_a_role_granted_in_the_user_form_is_audited_with_who_whom_role_and_unit(world, client_for):
    mark = _mark()
    own = world.sun.memberships.get()
    rows = [
        {"id": str(own.pk), "organization": str(own.organization_id), "role": own.role},
        {"id": "", "organization": str(world.city_health.pk), "role": "reviewer"},
    ]
    url = f"/admin/accounts/user/{world.sun.pk}/change/"
    response = client_for("admin").post(url, _with_memberships(world.sun, rows))
    assert response.status_code == 302
    entry = _role_rows(mark).get()
    assert (entry.action, entry.actor, entry.organization, entry.to_state) == (
        "create",
        world.admin,
        world.city_health,
        "审核人员",
    )
    assert "孙科员" in entry.object_repr and "运城市卫生健康委员会" in entry.object_repr
    assert world.sun.memberships.count() == 2


def test_a_role_revoked_in_the_user_form_is_audited_before_it_goes(world, client_for):
    mark = _mark()
    own = world.sun.memberships.get()
    rows = [{"id": str(own.pk), "organization": str(own.organization_id), "role": own.role, "DELETE": "on"}]
    response = client_for("admin").post(
        f"/admin/accounts/user/{world.sun.pk}/change/", _with_memberships(world.sun, rows)
    )
    assert response.status_code == 302
    assert not world.sun.memberships.exists()
    entry = _role_rows(mark).get()
    assert (entry.action, entry.actor, entry.organization, entry.from_state, entry.to_state) == (
        "transition",
        world.admin,
        world.yanhu_health,
        "办公室工作人员",
        "已撤销",
    )
    assert entry.object_id == str(own.pk) and "孙科员" in entry.object_repr


def test_a_role_changed_in_the_user_form_is_a_revocation_and_a_grant(world, client_for):
    mark = _mark()
    own = world.sun.memberships.get()
    rows = [{"id": str(own.pk), "organization": str(own.organization_id), "role": "unit_admin"}]
    response = client_for("admin").post(
        f"/admin/accounts/user/{world.sun.pk}/change/", _with_memberships(world.sun, rows)
    )
    assert response.status_code == 302
    revoked, granted = _role_rows(mark)
    assert (revoked.from_state, revoked.to_state, granted.to_state) == ("办公室工作人员", "已撤销", "单位管理员")
    assert list(world.sun.memberships.values_list("role", flat=True)) == ["unit_admin"]


def test_the_membership_pages_audit_add_change_and_delete(world, client_for):
    mark = _mark()
    from accounts.models import Membership

    admin = client_for("admin")
    response = admin.post(
        "/admin/accounts/membership/add/",
        {"user": world.zhou.pk, "organization": world.city_health.pk, "role": "expert"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=world.zhou, organization=world.city_health)
    response = admin.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {"user": world.zhou.pk, "organization": world.city_health.pk, "role": "reviewer"},
    )
    assert response.status_code == 302
    moved = Membership.objects.get(user=world.zhou, organization=world.city_health)
    response = admin.post(f"/admin/accounts/membership/{moved.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=world.zhou, organization=world.city_health).exists()
    trail = [(e.action, e.from_state, e.to_state) for e in _role_rows(mark)]
    assert trail == [
        ("create", "", "评估专家"),
        ("transition", "评估专家", "已撤销"),
        ("create", "", "审核人员"),
        ("transition", "审核人员", "已撤销"),
    ]
    assert all(e.actor == world.admin and e.organization == world.city_health for e in _role_rows(mark))


def test_the_bulk_delete_of_memberships_audits_each(world, client_for):
    mark = _mark()
    from accounts.models import Membership

    ids = list(Membership.objects.filter(user__in=[world.sun, world.zhou]).values_list("pk", flat=True))
    response = client_for("admin").post(
        "/admin/accounts/membership/",
        {"action": "delete_selected", "_selected_action": [str(i) for i in ids], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk__in=ids).exists()
    assert sorted(int(e.object_id) for e in _role_rows(mark)) == sorted(ids)


# --- passwords set in the admin are audited -----------------------------------------------------


def test_a_password_set_by_the_admin_is_audited(world, client_for):
    from workflow.models import AuditEntry

    response = client_for("admin").post(
        f"/admin/accounts/user/{world.sun.pk}/password/",
        {"password1": "Admin-set-2026", "password2": "Admin-set-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PASSWORD_CHANGE)
    assert (entry.actor, entry.object_id) == (world.admin, str(world.sun.pk)) and "后台" in entry.reason
