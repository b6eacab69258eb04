"""The public catalogue shows published techniques only; the staff database shows what is in
scope, with facets; the dashboard counts by county, category, inheritance and status."""

from chuancheng.test import declaration_for
from techniques.models import Technique
from techniques.services import technique_advance


def _published(world, **fields):
    t = declaration_for(world.guo, world.township_centre.region, submit=True, **fields)
    for actor, to in (
        (world.lin, "received"),
        (world.sun, "verified"),
        (world.yang, "accepted"),
        (world.yang, "published"),
    ):
        technique_advance(technique=t, actor=actor, to=to)
    return t


def test_the_public_sees_published_techniques_only(world, client, django_assert_max_num_queries):
    published = _published(world, name="盐湖刮痧疗法")
    declaration_for(world.guo, name="尚未公开的草稿")
    # Facets are one grouped query per axis, whatever the number of techniques.
    with django_assert_max_num_queries(15):
        page = client.get("/techniques/").content.decode()
    assert "盐湖刮痧疗法" in page and "尚未公开的草稿" not in page
    assert client.get(f"/techniques/{published.pk}/").status_code == 200
    draft = Technique.objects.get(name="尚未公开的草稿")
    assert client.get(f"/techniques/{draft.pk}/").status_code == 404


def test_the_public_page_shows_no_holder_identity(world, client):
    t = _published(world)
    page = client.get(f"/techniques/{t.pk}/").content.decode()
    assert "13903590" not in page  # the holder's phone
    assert t.holders.get().name in page


def test_facets_count_within_the_filter(world, client_for, django_assert_max_num_queries):
    declaration_for(world.guo, world.township_centre.region, submit=True, name="甲技术")
    declaration_for(world.guo, world.township_centre.region, submit=True, name="乙技术")
    client = client_for("sun")
    with django_assert_max_num_queries(20):
        page = client.get("/techniques/manage/", {"status": "submitted"}).content.decode()
    assert "甲技术" in page and "乙技术" in page
    assert 'id="facet-county"' in page and "盐湖区" in page


def test_filters_by_region_and_category(world, client_for):
    from techniques.models import Term

    declaration_for(world.guo, world.township_centre.region, name="盐湖推拿")
    declaration_for(world.guo, name="临猗推拿")  # 临猗县
    client = client_for("yang")
    page = client.get("/techniques/manage/", {"region": "140821"}).content.decode()
    assert "临猗推拿" in page and "盐湖推拿" not in page
    other = Term.objects.get(vocabulary="category", name="灸法")
    page = client.get("/techniques/manage/", {"category": other.pk}).content.decode()
    assert "临猗推拿" not in page


def test_the_dashboard_counts_by_county_and_status(world, client_for, django_assert_max_num_queries):
    _published(world, name="已公开技术")
    declaration_for(world.guo, world.township_centre.region, submit=True, name="待受理技术")
    client = client_for("yang")
    with django_assert_max_num_queries(20):
        response = client.get("/techniques/dashboard/")
    figures = response.context["figures"]
    assert figures["total"] == 2 and figures["in_database"] == 1
    assert {"name": "盐湖区", "value": 2} in figures["county"]
    assert len(figures["county"]) == 13
    assert any(m["date"] == "2026-12-31" for m in figures["milestones"])
    assert "echarts.min.js" in response.content.decode()


def test_disease_facets_link_to_a_filter_that_narrows_the_list(world, client_for):
    from techniques.models import Term

    declaration_for(world.guo, world.township_centre.region, name="治积滞的推拿")
    other = declaration_for(world.guo, world.township_centre.region, name="治面瘫的针刺")
    other.diseases.set([Term.objects.get(vocabulary="disease", name="面瘫")])
    client = client_for("sun")
    page = client.get("/techniques/manage/").content.decode()
    jizhi = Term.objects.get(vocabulary="disease", name="积滞")
    assert f'href="?disease={jizhi.pk}"' in page and "面瘫" in page
    page = client.get("/techniques/manage/", {"disease": jizhi.pk}).content.decode()
    assert "治积滞的推拿" in page and "治面瘫的针刺" not in page
