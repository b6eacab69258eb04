import pytest

from portal.todos import todos_for
from teaching import services
from teaching.tests.factories import (
    apprenticeship_for,
    log,
    materials_for,
    plan_for,
    ready_to_graduate,
    term_ending_today,
)

pytestmark = pytest.mark.django_db


def _titles(user):
    return [t.title for t in todos_for(user)]


def test_each_role_sees_its_teaching_to_dos(world):
    a = term_ending_today(world)
    assert "制定传承计划：李明" in _titles(world.zhang)
    plan = plan_for(world, a, agreed=False)
    services.plan_submit(plan=plan, actor=world.zhang)
    assert "确认传承计划：张医生 → 李明" in _titles(world.zhao)
    services.plan_decide(plan=plan, actor=world.zhao, agree=True)
    log(world, a)
    log(world, a, days_ago=2)
    assert "确认带教课时：李明（2 条）" in _titles(world.zhang)
    materials_for(world, a)
    services.graduation_submit(apprenticeship=a, actor=world.liming)
    assert "出师考核：李明" in _titles(world.zhang)
    assert not any("传承计划" in t for t in _titles(world.zhao))


def test_the_host_unit_is_asked_to_issue_and_the_workbench_links_there(world, client_for):
    a = ready_to_graduate(world, term="half_year")
    assert "颁发师承证书：李明" in _titles(world.zhao)
    page = client_for("zhao").get("/workbench/").content.decode()
    assert f"/teaching/{a.pk}/graduation/" in page
    assert not any("颁发师承证书" in t for t in _titles(world.wang))


def test_the_to_do_providers_make_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(3):
        a = apprenticeship_for(world)
        plan_for(world, a)
        log(world, a)
    from teaching import todos

    for user in (world.zhang, world.zhao, world.liming):
        with django_assert_max_num_queries(8):
            for provider in (todos.hours_to_confirm, todos.plans_to_draft, todos.certificates_to_issue):
                provider(user)


def test_a_master_finds_the_hours_queue_in_the_menu_and_an_apprentice_does_not(world, client_for):
    assert "学时确认" in client_for("zhang").get("/workbench/").content.decode()
    assert "学时确认" not in client_for("liming").get("/workbench/").content.decode()
