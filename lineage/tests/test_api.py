"""The lineage API: the public reads and the staff's writes, refused like the pages."""

import pytest
from django.test import Client

from lineage.models import Link, Person, Source
from lineage.tests.factories import line, person


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_people_person_and_path_are_public_over_verified_links(world):
    a, b, c = line(world, "费伯雄", "费绳甫", "徐相任")
    c.birth_earliest = 1880  # the order follows the lives; the unknown come last
    c.save(update_fields=["birth_earliest"])
    anon = Client()
    names = [p["name"] for p in anon.get("/api/v1/lineage/people").json()["items"]]
    assert names == ["徐相任", "费伯雄", "费绳甫"]
    body = anon.get(f"/api/v1/lineage/people/{b.pk}").json()
    assert [t["teacher"]["name"] for t in body["teachers"]] == ["费伯雄"]
    assert [d["disciple"]["name"] for d in body["disciples"]] == ["徐相任"]
    assert body["teachers"][0]["citations"][0]["source"].endswith("2006")
    assert body["generation"] == 2
    path = anon.get("/api/v1/lineage/path", {"a": c.pk, "b": a.pk}).json()
    assert [s["person"]["name"] for s in path] == ["徐相任", "费绳甫", "费伯雄"]


def test_staff_post_a_person_and_a_link_with_a_new_source(world, client_for):
    sun = client_for("sun")
    ding = sun.post(
        "/api/v1/lineage/people",
        {"name": "丁甘仁", "birth": "同治四年", "death": "1926"},
        content_type="application/json",
    )
    assert ding.status_code == 201 and ding.json()["birth"] == "同治四年"
    cheng = sun.post("/api/v1/lineage/people", {"name": "程门雪"}, content_type="application/json").json()
    response = sun.post(
        "/api/v1/lineage/links",
        {
            "teacher": ding.json()["id"],
            "disciple": cheng["id"],
            "kind": "in_person",
            "citation": {"new_source": {"kind": "book", "title": "丁甘仁医案"}, "quoted_text": "门人程门雪"},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "draft"
    assert response.json()["citations"][0]["source"] == "《丁甘仁医案》"


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(world, client_for):
    sun = client_for("sun")
    response = sun.post("/api/v1/lineage/people", {"name": "某", "birth": "大顺二年"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "birth"
    a, b = line(world, "甲", "乙")
    response = sun.post(
        "/api/v1/lineage/links",
        {
            "teacher": b.pk,
            "disciple": a.pk,
            "kind": "in_person",
            "citation": {"new_source": {"kind": "book", "title": "新书"}},
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "disciple"
    assert not Source.objects.filter(title="新书").exists()
    response = sun.post(
        "/api/v1/lineage/links",
        {"teacher": a.pk, "disciple": b.pk, "kind": "private", "citation": {}},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["field"] == "citation.source"
    assert Link.objects.count() == 1


def test_the_wrong_person_is_refused(world, client_for):
    assert (
        client_for("chen").post("/api/v1/lineage/people", {"name": "某"}, content_type="application/json").status_code
        == 403
    )
    draft = person(world, "草稿人")
    assert client_for("zhou").get(f"/api/v1/lineage/people/{draft.pk}").status_code == 404
    assert client_for("sun").get(f"/api/v1/lineage/people/{draft.pk}").status_code == 200


def test_a_person_is_linked_to_a_certified_master_through_the_api(world, client_for):
    from masters.tests.factories import applicant, certified

    master = certified(world, applicant(world, "张德润"))
    sun = client_for("sun")
    made = sun.post("/api/v1/lineage/people", {"name": "张德润", "master": master.pk}, content_type="application/json")
    assert made.status_code == 201
    again = sun.post("/api/v1/lineage/people", {"name": "张", "master": master.pk}, content_type="application/json")
    assert again.status_code == 400 and again.json()["field"] == "master"
    missing = sun.post("/api/v1/lineage/people", {"name": "张", "master": 999999}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["field"] == "master"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"sex": "»d\u001b¯ï\u0006ºdtØí"}, "sex"),  # not one of the choices (found by the API fuzz test)
        ({"name": "名" * 300}, "name"),  # longer than the column: PostgreSQL would refuse the write
        ({"courtesy_name": "字" * 300}, "courtesy_name"),
    ],
)
def test_a_value_the_model_does_not_allow_is_a_400_naming_the_field(world, client_for, fields, field):
    sun = client_for("sun")
    response = sun.post("/api/v1/lineage/people", {"name": "某", **fields}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == field
    assert not Person.objects.filter(entered_by=world.sun).exists()
