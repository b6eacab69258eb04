"""Research projects linked to techniques (PRO-5): recorded by office staff for their unit,
linked only to techniques whose holder agreed to research use, shown on the technique's page,
and on the public page when flagged public. Every write is audited."""

import datetime

import pytest

from chuancheng.test import declaration_for
from lib.errors import ApplicationError
from techniques import research
from techniques.models import ResearchProject, Technique
from techniques.tests.factories import published as _published
from workflow.models import AuditEntry


def _project(world, title="盐湖区民间外治技术整理研究", *, actor=None, org=None, **fields):
    data = research.ProjectData(title=title, organization="运城市中医医院", **fields)
    return research.project_create(actor=actor or world.sun, recorded_org=org or world.yanhu_health, data=data)


def _technique(world, name="郭氏小儿推拿治疗积滞", **fields):
    return declaration_for(world.guo, world.township_centre.region, name=name, **fields)


def _audits(obj):
    return list(
        AuditEntry.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk))
        .order_by("pk")
        .values_list("to_state", "reason")
    )


def test_county_staff_record_a_project_and_link_a_technique_from_its_page(world, client_for):
    technique = _technique(world)
    client = client_for("sun")
    page = client.get("/techniques/research/new/").content.decode()
    assert "盐湖区卫生健康局" in page and "永济市卫生健康局" not in page
    response = client.post(
        "/techniques/research/new/",
        {
            "recorded_org": world.yanhu_health.pk,
            "title": "小儿推拿治疗积滞的临床研究",
            "organization": "运城市中医医院",
            "leader": "张医生",
            "started_on": "2026-01-01",
            "ended_on": "2027-12-31",
            "is_public": "on",
        },
    )
    project = ResearchProject.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/techniques/research/{project.pk}/"
    assert (project.recorded_org, project.recorded_by, project.is_public) == (world.yanhu_health, world.sun, True)
    response = client.post("/techniques/research/link/", {"project": project.pk, "technique": str(technique.pk)})
    assert response["Location"] == f"/techniques/research/{project.pk}/"
    assert list(project.techniques.all()) == [technique]
    html = client.get(f"/techniques/research/{project.pk}/").content.decode()
    assert 'id="linked-techniques"' in html and technique.name in html and "取消关联" in html
    assert ("科研项目", "小儿推拿治疗积滞的临床研究") in _audits(project)
    assert any(
        state == "关联科研项目" and "小儿推拿治疗积滞的临床研究" in reason for state, reason in _audits(technique)
    )
    # The technique's page lists it, with the way back.
    html = client_for("yang").get(f"/techniques/manage/{technique.pk}/").content.decode()
    assert 'id="research-projects"' in html and "小儿推拿治疗积滞的临床研究" in html


def test_a_technique_without_research_consent_is_not_linked(world, client_for):
    technique = _technique(world, consent_research=False)
    project = _project(world)
    with pytest.raises(ApplicationError, match="持有人未同意用于研究"):
        research.project_link(project=project, technique=technique, actor=world.sun)
    client = client_for("sun")
    response = client.post(
        "/techniques/research/link/", {"project": project.pk, "technique": technique.pk}, follow=True
    )
    assert "持有人未同意用于研究，不能关联科研项目" in response.content.decode()
    assert not project.techniques.exists()
    assert "登记知情同意后才能关联科研项目" in client.get(f"/techniques/manage/{technique.pk}/").content.decode()


def test_linking_twice_is_a_conflict_and_unlinking_returns_to_the_technique(world, client_for):
    technique = _technique(world)
    project = _project(world)
    research.project_link(project=project, technique=technique, actor=world.sun)
    with pytest.raises(ApplicationError, match="已关联到该项目"):
        research.project_link(project=project, technique=technique, actor=world.sun)
    back = f"/techniques/manage/{technique.pk}/"
    response = client_for("sun").post(
        "/techniques/research/unlink/", {"project": project.pk, "technique": technique.pk, "next": back}
    )
    assert response["Location"] == back and not project.techniques.exists()
    assert _audits(technique)[-1][0] == "取消关联"
    # An outside address in `next` is not followed.
    response = client_for("sun").post(
        "/techniques/research/link/",
        {"project": project.pk, "technique": technique.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/techniques/research/{project.pk}/"


def test_the_technique_page_links_a_project_the_person_keeps(world, client_for):
    technique = _technique(world)
    mine = _project(world, title="甲项目")
    _project(world, title="永济的项目", actor=world.zhou, org=world.yongji_health)
    client = client_for("sun")
    html = client.get(f"/techniques/manage/{technique.pk}/").content.decode()
    assert f'<option value="{mine.pk}">甲项目</option>' in html and "永济的项目" not in html
    assert f"/techniques/research/new/?technique={technique.pk}" in html
    client.post("/techniques/research/link/", {"project": mine.pk, "technique": technique.pk})
    assert list(technique.research_projects.all()) == [mine]
    # Registering a new project from the technique's page links it at once.
    response = client.post(
        f"/techniques/research/new/?technique={technique.pk}",
        {
            "recorded_org": world.yanhu_health.pk,
            "title": "乙项目",
            "organization": "山西中医药大学",
            "technique": technique.pk,
        },
    )
    assert response["Location"] == f"/techniques/manage/{technique.pk}/"
    assert sorted(p.title for p in technique.research_projects.all()) == ["乙项目", "甲项目"]


def test_projects_are_scoped_to_the_unit_that_recorded_them(world, client_for):
    project = _project(world)
    yongji = declaration_for(
        world.zhou, world.yongji_health.region, name="永济的技术", channel="offline", entered_org=world.yongji_health
    )
    assert client_for("zhou").get(f"/techniques/research/{project.pk}/").status_code == 404
    assert client_for("yang").get(f"/techniques/research/{project.pk}/").status_code == 200
    assert client_for("chen").get(f"/techniques/research/{project.pk}/").status_code == 404
    assert client_for("guo").get("/techniques/research/").status_code == 403
    response = client_for("zhou").post("/techniques/research/link/", {"project": project.pk, "technique": yongji.pk})
    assert response.status_code == 404 and not project.techniques.exists()
    # 孙科员 keeps the project but does not reach 永济市's technique.
    response = client_for("sun").post("/techniques/research/link/", {"project": project.pk, "technique": yongji.pk})
    assert response.status_code == 404
    with pytest.raises(ApplicationError, match="不是「永济市卫生健康局」的工作人员"):
        _project(world, org=world.yongji_health)


def test_bad_dates_are_refused_naming_the_field(world, client_for):
    response = client_for("sun").post(
        "/techniques/research/new/",
        {
            "recorded_org": world.yanhu_health.pk,
            "title": "项目",
            "organization": "单位",
            "started_on": "2027-01-01",
            "ended_on": "2026-01-01",
        },
    )
    assert response.status_code == 200 and "「结束日期」不能早于「开始日期」" in response.content.decode()
    assert not ResearchProject.objects.exists()
    with pytest.raises(ApplicationError, match="「项目名称」必须填写"):
        _project(world, title="  ")


def test_editing_is_audited_with_what_changed(world, client_for):
    project = _project(world)
    response = client_for("sun").post(
        f"/techniques/research/{project.pk}/edit/",
        {"title": project.title, "organization": "山西中医药大学", "leader": "李教授", "summary": "整理与验证"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.organization, project.leader, project.summary) == ("山西中医药大学", "李教授", "整理与验证")
    state, reason = _audits(project)[-1]
    assert state == "已修改" and reason == "修改了：承担单位、负责人、研究内容与成果"
    assert client_for("yang").get(f"/techniques/research/{project.pk}/edit/").status_code == 200
    assert client_for("zhou").get(f"/techniques/research/{project.pk}/edit/").status_code == 404


def test_the_public_page_shows_public_projects_of_published_techniques(world, client):
    technique = _published(world)
    shown = _project(world, title="公开的项目", is_public=True, started_on=datetime.date(2026, 3, 1))
    hidden = _project(world, title="内部的项目")
    for project in (shown, hidden):
        research.project_link(project=project, technique=technique, actor=world.sun)
    html = client.get(f"/techniques/{technique.pk}/").content.decode()
    assert "公开的项目" in html and "内部的项目" not in html
    rows = client.get(f"/api/v1/public/techniques/{technique.pk}/research-projects").json()
    assert [r["title"] for r in rows] == ["公开的项目"] and "summary" not in rows[0]


def test_the_list_page_queries_do_not_grow_with_projects(world, client_for, django_assert_max_num_queries):
    techniques = [_technique(world, name=f"技术{n}") for n in range(3)]
    for n in range(30):
        project = _project(world, title=f"项目{n}")
        for technique in techniques[: n % 4]:
            research.project_link(project=project, technique=technique, actor=world.sun)
    client = client_for("yang")
    with django_assert_max_num_queries(10):
        html = client.get("/techniques/research/").content.decode()
    assert html.count("/techniques/research/") >= 30 and "项目29" in html
    with django_assert_max_num_queries(10):
        rows = client.get("/api/v1/research-projects", {"limit": 50}).json()
    assert rows["count"] == 30 and sorted(len(r["techniques"]) for r in rows["items"])[-1] == 3
    assert "项目1" in client.get("/techniques/research/", {"q": "项目1"}).content.decode()


def test_the_api_creates_links_and_unlinks(world, client_for):
    technique = _technique(world)
    client = client_for("sun")
    response = client.post(
        "/api/v1/research-projects",
        {"recorded_org": world.yanhu_health.pk, "title": "API 项目", "organization": "运城市中医医院"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.post(
        f"/api/v1/research-projects/{pk}/techniques", {"technique": technique.pk}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["techniques"] == [technique.pk]
    response = client.put(
        f"/api/v1/research-projects/{pk}",
        {"title": "API 项目", "organization": "运城市中医医院", "started_on": "2026-05-01", "ended_on": "2026-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "结束日期" in response.json()["detail"]
    assert client.delete(f"/api/v1/research-projects/{pk}/techniques/{technique.pk}").json()["techniques"] == []
    assert client_for("zhou").get(f"/api/v1/research-projects/{pk}").status_code == 404
    assert client_for("guo").get("/api/v1/research-projects").status_code == 403
    unconsented = _technique(world, name="未同意研究", consent_research=False)
    response = client.post(
        f"/api/v1/research-projects/{pk}/techniques", {"technique": unconsented.pk}, content_type="application/json"
    )
    assert response.status_code == 400 and "未同意用于研究" in response.json()["detail"]
    assert Technique.objects.get(pk=unconsented.pk).research_projects.count() == 0
