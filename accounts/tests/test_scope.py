"""Scope (ORG-3): a county's staff see their county and below; a unit's people see their unit's
records; out of scope is a 404, in scope without the role a 403."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Organization
from accounts.permissions import authorize, can, scope


def test_county_staff_see_organizations_in_their_county_and_below(world):
    visible = set(scope(world.sun, "organization.view", Organization.objects.all()))
    assert world.yanhu_health in visible
    assert world.city_tcm in visible  # 盐湖区
    assert world.organizer in visible  # 盐湖区
    assert world.yongji_tcm not in visible
    assert world.city_health not in visible  # the city is above the county


def test_city_staff_see_every_county_of_the_city(world):
    visible = set(scope(world.yang, "organization.view", Organization.objects.all()))
    assert {world.yanhu_health, world.yongji_health, world.yongji_tcm, world.village_clinic} <= visible
    assert world.host not in visible  # in Beijing


def test_county_staff_get_404_for_another_countys_record(client_for, world):
    response = client_for("sun").get(f"/accounts/organizations/{world.yongji_tcm.pk}/")
    assert response.status_code == 404
    assert "不在您的查看范围内" in response.content.decode()
    assert client_for("zhou").get(f"/accounts/organizations/{world.yongji_tcm.pk}/").status_code == 200


def test_in_scope_without_the_role_is_403(world):
    # 李明 reaches his own hospital's people, but an apprentice may not open their records.
    colleague = world.liming
    authorize(world.liming, "person.view", colleague)  # his own record
    from accounts import services

    other = services.user_create(username="colleague", password=None, full_name="同事", region=None)
    services.membership_grant(user=other, organization=world.yongji_tcm, role="apprentice")
    with pytest.raises(PermissionDenied):
        authorize(world.liming, "person.view", other)
    with pytest.raises(Http404):
        authorize(world.liming, "person.view", world.zhang)


def test_a_units_reviewers_see_their_units_records_only(world):
    # The host unit's reviewers reach the workstation they approve, wherever it is.
    assert can(world.zhao, "workstation.approve", world.workstation)
    assert not can(world.wang, "workstation.approve", world.workstation)
    with pytest.raises(Http404):
        authorize(world.wang, "workstation.approve", world.workstation)


def test_county_staff_may_not_approve_a_workstation_in_their_county(world):
    # 周科员 reaches the workstation (it is in 永济市) but only the host unit approves it.
    with pytest.raises(PermissionDenied):
        authorize(world.zhou, "workstation.approve", world.workstation)


def test_organization_list_page_is_scoped_and_has_bounded_queries(client_for, world, django_assert_max_num_queries):
    client = client_for("yang")
    with django_assert_max_num_queries(12):
        response = client.get("/accounts/organizations/")
    page = response.content.decode()
    assert world.yongji_tcm.name in page and world.host.name not in page


def test_api_organization_list_is_scoped(client_for, world, django_assert_max_num_queries):
    client = client_for("sun")
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/organizations").json()
    names = {o["name"] for o in body["items"]}
    assert world.city_tcm.name in names and world.yongji_tcm.name not in names
    assert client.get(f"/api/v1/organizations/{world.yongji_tcm.pk}").status_code == 404


def test_anonymous_api_caller_gets_401_for_organizations(client, world):
    assert client.get("/api/v1/organizations").status_code == 401
