"""Bad input gets a clean Chinese page or message, never a 500 or a stack trace."""

from django.test import Client

from chuancheng.test import PASSWORD


def test_a_form_posted_without_a_csrf_token_gets_a_clean_page(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "sun", "password": PASSWORD})
    assert response.status_code == 403
    page = response.content.decode()
    assert "表单已失效" in page and "Traceback" not in page and "CSRF cookie" not in page


def test_a_replayed_csrf_token_from_another_session_is_refused(world):
    attacker = Client(enforce_csrf_checks=True)
    attacker.get("/accounts/login/")
    stolen = attacker.cookies["csrftoken"].value
    victim = Client(enforce_csrf_checks=True)
    victim.force_login(world.sun)
    response = victim.post("/accounts/tokens/", {"name": "x", "csrfmiddlewaretoken": stolen})
    assert response.status_code == 403 and "表单已失效" in response.content.decode()


def test_an_overlong_field_is_a_form_error_not_a_crash(world):
    response = Client().post("/accounts/login/", {"username": "张" * 5000, "password": "x"})
    assert response.status_code == 200
    assert "用户名不能超过 150 个字符（当前 5000 个）" in response.content.decode()


def test_an_overlong_reason_is_refused_and_changes_nothing(world, client_for):
    response = client_for("zhao").post(
        f"/accounts/organizations/{world.workstation.pk}/decide/", {"to": "active", "reason": "理" * 501}, follow=True
    )
    assert "原因：" in response.content.decode() and "500" in response.content.decode()
    world.workstation.refresh_from_db()
    assert world.workstation.status == "pending"


def test_a_forged_state_in_a_form_is_refused(world, client_for):
    # The form offers approve/reject; a hand-made post asking for "revoked" is not a legal move.
    response = client_for("zhao").post(
        f"/accounts/organizations/{world.workstation.pk}/decide/", {"to": "revoked", "reason": "x"}, follow=True
    )
    world.workstation.refresh_from_db()
    assert world.workstation.status in ("pending", "rejected")
    assert response.status_code == 200


def test_an_oversized_request_body_gets_a_clean_400(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client().post("/accounts/login/", {"username": "x" * 4096, "password": "y"})
    assert response.status_code == 400
    assert "请求无效" in response.content.decode()


def test_an_unknown_page_is_a_chinese_404(world):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_a_malformed_region_filter_is_explained(world, client_for):
    page = client_for("yang").get("/accounts/organizations/", {"region": "99999x"}).content.decode()
    assert "区划代码「99999x」不存在" in page
