"""The techniques API: declare, submit, move through the workflow, read lists within scope."""

import pytest

from accounts.services import api_token_create
from chuancheng.test import declaration_for
from techniques.models import Term


def _bearer(user):
    _, raw = api_token_create(user=user, name="测试")
    return {"Authorization": f"Bearer {raw}"}


def _payload(**extra):
    data = {
        "name": "郭氏脐灸治疗泄泻",
        "region": "140821",
        "category": Term.objects.get(vocabulary="category", name="灸法").pk,
        "inheritance": Term.objects.get(vocabulary="inheritance", name="家族传承").pk,
        "theory_features": "温中散寒",
        "operation_method": "神阙穴隔药灸，每次三壮。",
        "diseases": ["泄泻病", "某未收录病名"],
        "consent_publish": True,
        "consent_research": False,
    }
    data.update(extra)
    return data


def test_a_holder_declares_and_submits_through_the_api(world, client):
    headers = _bearer(world.guo)
    response = client.post("/api/v1/techniques", _payload(), content_type="application/json", headers=headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["diseases"] == ["泄泻病"] and body["indications_free"] == "某未收录病名"
    response = client.post(f"/api/v1/techniques/{body['id']}/submit", headers=headers)
    assert response.status_code == 200 and response.json()["status"] == "submitted"


def test_bad_input_gets_a_chinese_400(world, client):
    headers = _bearer(world.guo)
    response = client.post(
        "/api/v1/techniques", _payload(region="110101"), content_type="application/json", headers=headers
    )
    assert response.status_code == 400 and "不在运城市" in response.json()["detail"]
    response = client.post(
        "/api/v1/techniques", _payload(operation_method=""), content_type="application/json", headers=headers
    )
    technique_id = response.json()["id"]
    response = client.post(f"/api/v1/techniques/{technique_id}/submit", headers=headers)
    assert response.status_code == 400 and "操作方法或制备工艺" in response.json()["detail"]


def test_the_workflow_through_the_api_respects_levels_and_scope(world, client):
    t = declaration_for(world.guo, world.township_centre.region, submit=True)
    url = f"/api/v1/techniques/{t.pk}/advance"
    response = client.post(url, {"to": "received"}, content_type="application/json", headers=_bearer(world.yang))
    assert response.status_code == 403
    response = client.post(url, {"to": "received"}, content_type="application/json", headers=_bearer(world.zhou))
    assert response.status_code == 404
    response = client.post(url, {"to": "received"}, content_type="application/json", headers=_bearer(world.lin))
    assert response.status_code == 200 and response.json()["status"] == "received"
    response = client.post(url, {"to": "accepted"}, content_type="application/json", headers=_bearer(world.lin))
    assert response.status_code == 409 and "不能变更为" in response.json()["detail"]


@pytest.mark.parametrize("persona, visible", [("sun", True), ("zhou", False), ("guo", True)])
def test_lists_are_scoped(world, client, persona, visible, django_assert_max_num_queries):
    declaration_for(world.guo, world.township_centre.region, submit=True, name="盐湖验方")
    headers = _bearer(getattr(world, persona))
    with django_assert_max_num_queries(10):
        body = client.get("/api/v1/techniques", headers=headers).json()
    assert ("盐湖验方" in [t["name"] for t in body["items"]]) is visible


def test_the_public_api_lists_published_techniques_only(world, client, django_assert_max_num_queries):
    declaration_for(world.guo, name="草稿不可见")
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/public/techniques").json()
    assert body["count"] == 0
    assert client.get("/api/v1/terms", {"vocabulary": "category"}).json()["count"] == 12


def test_an_advance_from_a_state_that_has_moved_on_changes_nothing(world, client):
    t = declaration_for(world.guo, world.township_centre.region, submit=True)
    url = f"/api/v1/techniques/{t.pk}/advance"
    client.post(url, {"to": "received"}, content_type="application/json", headers=_bearer(world.lin))
    response = client.post(
        url,
        {"to": "returned", "reason": "材料不全", "expect": "submitted"},
        content_type="application/json",
        headers=_bearer(world.sun),
    )
    assert response.status_code == 409 and "已由其他人员处理" in response.json()["detail"]
    t.refresh_from_db()
    assert t.status == "received"
