"""Personal API tokens: created and revoked by their owner, shown once, stored hashed."""

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke, user_disable
from workflow.models import AuditEntry


def test_a_token_is_shown_once_and_works_as_bearer(world, client_for, client):
    page = client_for("sun").post("/accounts/tokens/", {"name": "省平台数据对接"}).content.decode()
    token = ApiToken.objects.get(user=world.sun)
    raw = page.split('id="new-token" class="fs-6">')[1].split("<")[0]
    assert raw.startswith(token.prefix) and token.key_hash != raw and raw not in token.key_hash
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200 and response.json()["username"] == "sun"
    # The list afterwards shows only the prefix.
    again = client_for("sun").get("/accounts/tokens/").content.decode()
    assert raw not in again and token.prefix in again


def test_a_revoked_token_is_refused(world, client):
    token, raw = api_token_create(user=world.sun, name="测试")
    api_token_revoke(token=token, actor=world.sun)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.TRANSITION, object_id=str(token.pk)).get()
    assert (entry.from_state, entry.to_state) == ("有效", "已撤销")


def test_a_disabled_persons_token_is_refused(world, client):
    _, raw = api_token_create(user=world.liming, name="测试")
    user_disable(user=world.liming, actor=world.admin, reason="离职")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_nobody_revokes_someone_elses_token(world, client_for):
    token, _ = api_token_create(user=world.sun, name="测试")
    response = client_for("yang").post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.status == ApiToken.Status.ACTIVE


def test_an_empty_or_overlong_token_name_is_refused_in_chinese(world, client_for):
    page = client_for("sun").post("/accounts/tokens/", {"name": "x" * 65}).content.decode()
    assert "64" in page and not ApiToken.objects.exists()
