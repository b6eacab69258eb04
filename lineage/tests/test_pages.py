"""The lineage pages: the public person page over verified links (PIPL for the living), the path
page, and the staff's forms and buttons."""

import pytest
from django.urls import reverse

from lineage.models import Link, Person
from lineage.tests.factories import book, line, link, person
from workflow.models import AuditEntry


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_the_public_person_page_shows_verified_teachers_disciples_and_citations(world, client):
    fei, son, grandson = line(world, "费伯雄", "费绳甫", "徐相任")
    draft = person(world, "未核实弟子")
    link(world, grandson, draft, verify=False)
    page = client.get(reverse("lineage:person", args=[son.pk])).content.decode()
    assert "费伯雄" in page and "徐相任" in page and "孟河四家医集" in page
    assert "第 2 代" in page
    assert "未核实弟子" not in client.get(reverse("lineage:person", args=[grandson.pk])).content.decode()
    # A person with no verified link is a draft: not there for the public.
    assert client.get(reverse("lineage:person", args=[draft.pk])).status_code == 404


def test_a_living_person_who_is_not_a_certified_master_shows_only_the_name(world, client, client_for):
    teacher = person(world, "老先生", birth="1920", death="2001", biography="行医六十年")
    living = person(world, "在世弟子", birth="1960", living=True, biography="现居某村", courtesy_name="某字")
    link(world, teacher, living)
    page = client.get(reverse("lineage:person", args=[living.pk])).content.decode()
    assert "在世弟子" in page and "现居某村" not in page and "1960" not in page and "某字" not in page
    assert "行医六十年" in client.get(reverse("lineage:person", args=[teacher.pk])).content.decode()
    # Staff in scope read it, on record.
    staff_page = client_for("sun").get(reverse("lineage:person", args=[living.pk])).content.decode()
    assert "现居某村" in staff_page
    assert AuditEntry.objects.filter(action="view_personal", object_id=str(living.pk)).exists()


def test_the_path_page_tells_how_two_people_are_connected(world, client):
    a, b, c = line(world, "甲", "乙", "丙")
    page = client.get(reverse("lineage:path"), {"a": c.pk, "b": a.pk}).content.decode()
    assert page.index("丙") < page.index("乙") < page.index("甲", page.index("lineage-path"))
    lonely = person(world, "孤")
    link(world, lonely, person(world, "孤徒"))
    assert "没有已核实的师承路径" in client.get(reverse("lineage:path"), {"a": a.pk, "b": lonely.pk}).content.decode()
    assert client.get(reverse("lineage:path"), {"a": a.pk, "b": 999999}).status_code == 404


def test_the_list_searches_by_name(world, client):
    line(world, "丁甘仁", "程门雪")
    person(world, "未连接者")
    page = client.get(reverse("lineage:index"), {"q": "程"}).content.decode()
    assert "程门雪" in page and "丁甘仁" not in page
    assert "未连接者" not in client.get(reverse("lineage:index")).content.decode()


def test_staff_enter_a_person_and_a_link_with_a_new_source_then_submit_and_verify(world, client_for):
    sun = client_for("sun")
    response = sun.post(
        reverse("lineage:person-create"), {"name": "丁甘仁", "sex": "male", "birth": "同治四年", "death": "1926"}
    )
    ding = Person.objects.get(name="丁甘仁")
    assert response.status_code == 302 and ding.birth_earliest == 1865
    cheng = Person.objects.get(pk=person(world, "程门雪", birth="1902", death="1972").pk)
    response = sun.post(
        reverse("lineage:link-create"),
        {
            "teacher": ding.pk,
            "disciple": cheng.pk,
            "kind": "in_person",
            "certainty": 3,
            "citation_certainty": 2,
            "source_kind": "book",
            "source_title": "丁甘仁医案",
            "quoted_text": "门人程门雪",
        },
    )
    made = Link.objects.get()
    assert response.status_code == 302 and made.citations.get().source.title == "丁甘仁医案"
    detail = reverse("lineage:link", args=[made.pk])
    assert "提交核实" in sun.get(detail).content.decode()
    move = reverse("workflow:move", args=["lineage.link", made.pk])
    sun.post(move, {"to": "submitted", "expect": "draft", "next": detail})
    yang = client_for("yang")
    assert "核实无误" in yang.get(detail).content.decode()
    yang.post(move, {"to": "verified", "expect": "submitted", "next": detail})
    made.refresh_from_db()
    assert made.status == Link.Status.VERIFIED


def test_a_refused_link_shows_the_reason_on_the_form_and_leaves_no_source(world, client_for):
    teacher = person(world, "叶桂", death="1746")
    disciple = person(world, "后学", birth="1800")
    response = client_for("sun").post(
        reverse("lineage:link-create"),
        {
            "teacher": teacher.pk,
            "disciple": disciple.pk,
            "kind": "in_person",
            "certainty": 2,
            "citation_certainty": 2,
            "source_kind": "book",
            "source_title": "某书",
        },
    )
    assert response.status_code == 200
    assert "不可能亲炙" in response.content.decode()
    assert not Link.objects.exists()
    from lineage.models import Source

    assert not Source.objects.exists()


def test_a_draft_link_is_not_there_for_other_counties(world, client_for, client):
    made = link(world, person(world, "甲"), person(world, "乙"), verify=False)
    url = reverse("lineage:link", args=[made.pk])
    assert client_for("zhou").get(url).status_code == 404
    assert client.get(url).status_code == 404
    assert client_for("yang").get(url).status_code == 200


def test_the_source_file_is_for_staff_in_scope(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    source = book(world, file=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n"))
    url = reverse("lineage:source-file", args=[source.pk])
    response = client_for("sun").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client_for("zhou").get(url).status_code == 404


def test_staff_link_a_person_to_a_certified_master_once(world, client_for):
    from masters.tests.factories import applicant, certified

    master = certified(world, applicant(world, "张德润"))
    sun = client_for("sun")
    response = sun.post(reverse("lineage:person-create"), {"name": "张德润", "sex": "male", "master": master.pk})
    assert response.status_code == 302
    assert Person.objects.get().master == master
    response = sun.post(reverse("lineage:person-create"), {"name": "张德润二", "sex": "male", "master": master.pk})
    assert response.status_code == 200 and "同一人不能建两条记录" in response.content.decode()
    assert Person.objects.count() == 1
