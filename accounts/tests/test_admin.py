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
