"""The public catalogue shows published techniques only; the staff database shows what is in
scope, with facets; the dashboard counts by county, category, inheritance and status."""

from django.contrib.staticfiles import finders

from chuancheng.test import declaration_for
from techniques.models import Technique
from techniques.tests.factories import published as _published


def test_the_public_sees_published_techniques_only(world, client, django_assert_max_num_queries):
    published = _published(world, name="盐湖刮痧疗法")
    declaration_for(world.guo, name="尚未公开的草稿")
    # Facets are a fixed number of grouped queries whatever the number of techniques, plus the
    # five statements of writing them to the cache on a first view.
    with django_assert_max_num_queries(20):
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
    with django_assert_max_num_queries(25):  # a first view: the facets are counted and cached
        page = client.get("/techniques/manage/", {"status": "submitted"}).content.decode()
    assert "甲技术" in page and "乙技术" in page
    assert 'id="facet-region"' in page and "盐湖区" in page


def _in(region_code: str, name: str, world, **fields):
    from accounts.models import Region

    return declaration_for(world.guo, Region.objects.get(code=region_code), name=name, **fields)


def test_the_region_tree_counts_county_township_and_village_within_the_filter(world, client_for):
    from techniques.selectors import facets

    _in("140802001001", "村里的推拿", world)  # 盐湖区 中城街道 西花园社区
    _in("140802001002", "邻村的推拿", world)
    _in("140802002", "镇上的艾灸", world)  # recorded at township level
    _in("140821", "县里的刮痧", world)  # 临猗县, recorded at county level
    tree = facets(Technique.objects.all())["region_tree"]
    assert [(c.code, c.name, c.count) for c in tree] == [("140802", "盐湖区", 3), ("140821", "临猗县", 1)]
    yanhu = tree[0]
    assert [(t.code, t.count) for t in yanhu.children] == [("140802001", 2), ("140802002", 1)]
    assert [(v.code, v.count) for v in yanhu.children[0].children] == [("140802001001", 1), ("140802001002", 1)]
    assert tree[1].children == []
    # Within the current filter: only what the search finds is counted.
    narrowed = facets(Technique.objects.filter(name__contains="推拿"))["region_tree"]
    assert [(c.code, c.count) for c in narrowed] == [("140802", 2)]


def test_the_region_tree_is_two_queries_whatever_the_number_of_regions(world, django_assert_num_queries):
    from accounts.models import Region
    from techniques.selectors import region_tree

    villages = Region.objects.filter(level="village", prefix__startswith="1408").order_by("code")[:60:3]
    for n, village in enumerate(villages):
        _in(village.code, f"技术{n}", world)
    with django_assert_num_queries(2):
        tree = region_tree(Technique.objects.all())
    assert sum(c.count for c in tree) == 20
    assert sum(len(t.children) for c in tree for t in c.children) == 20


def test_villages_are_left_out_of_a_large_tree_until_a_county_is_chosen(world, settings, monkeypatch):
    from techniques import selectors

    monkeypatch.setattr(selectors, "MAX_VILLAGE_NODES", 1)
    _in("140802001001", "甲", world)
    _in("140802001002", "乙", world)
    township = selectors.region_tree(Technique.objects.all())[0].children[0]
    assert township.children == [] and township.villages_hidden
    township = selectors.region_tree(Technique.objects.all(), selected="140802")[0].children[0]
    assert len(township.children) == 2 and not township.villages_hidden and not township.open
    county = selectors.region_tree(Technique.objects.all(), selected="140802001")[0]
    assert county.open and county.children[0].open


def test_the_tree_links_keep_the_other_filters_and_open_the_chosen_branch(
    world, client_for, django_assert_max_num_queries
):
    _in("140802001001", "村里的推拿", world)
    _in("140821", "县里的刮痧", world)
    client = client_for("yang")
    # Whatever the number of techniques and regions: the facets, the tree's two, the page, and
    # the facets written to the cache.
    with django_assert_max_num_queries(27):
        page = client.get(
            "/techniques/manage/", {"status": "draft", "region": "140802001", "page": "1"}
        ).content.decode()
    assert "村里的推拿" in page and "县里的刮痧" not in page
    assert 'href="?status=draft&amp;region=140802001001"' in page  # the page number is dropped
    assert '<details open data-code="140802">' in page and '<details open data-code="140802001">' in page
    assert 'class="fw-bold" aria-current="true">中城街道' in page
    # The chosen branch only: the filter already leaves 临猗县 out.
    assert 'data-code="140821"' not in page


def test_the_public_catalogue_has_the_region_tree_of_published_techniques(world, client, django_assert_max_num_queries):
    _published(world, name="盐湖刮痧疗法")
    declaration_for(world.guo, name="尚未公开的草稿")  # 临猗县
    with django_assert_max_num_queries(20):
        page = client.get("/techniques/").content.decode()
    assert 'id="facet-region"' in page and 'data-code="140802"' in page and 'data-code="140821"' not in page


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


def test_the_dashboard_tree_counts_city_counties_and_townships_by_status(
    world, client_for, django_assert_max_num_queries
):
    from accounts.models import Region

    _published(world, name="已公开技术")  # 盐湖区, at 林干事's township
    declaration_for(world.guo, world.township_centre.region, submit=True, name="待受理技术")
    declaration_for(world.guo, name="临猗草稿")  # a township of 临猗县
    declaration_for(world.guo, Region.objects.get(code="140821"), name="县级草稿")
    townships = Region.objects.filter(level="township", prefix__startswith="1408").order_by("code")[:40]
    for n, township in enumerate(townships):
        declaration_for(world.guo, township, name=f"技术{n}")
    client = client_for("yang")
    # Queries do not grow with the techniques or the regions.
    with django_assert_max_num_queries(20):
        response = client.get("/techniques/dashboard/")
    tree = response.context["figures"]["region_tree"]
    assert (tree["name"], tree["value"]) == ("运城市", 44)
    counties = {c["name"]: c for c in tree["children"]}
    linyi = counties["临猗县"]
    assert linyi["status"] == {"草稿": linyi["value"]}
    yanhu = counties["盐湖区"]
    centre = next(t for t in yanhu["children"] if t["code"] == world.township_centre.region.code)
    assert centre["status"] == {"已公开": 1, "已提交": 1, "草稿": 1} and centre["value"] == 3
    assert sum(t["value"] for t in linyi["children"]) == linyi["value"] - 1  # one at county level
    html = response.content.decode()
    # The chart's set-up is a static script since the CSP allows no inline script (issue 13 §11).
    assert 'id="chart-region-tree"' in html and 'src="/static/js/techniques-dashboard.js"' in html
    script = finders.find("js/techniques-dashboard.js")
    assert 'type: "treemap"' in open(script, encoding="utf-8").read()
    assert 'id="region-tree-table"' in html and "草稿 1；已提交 1；已公开 1" in html
    # The API gives the same figures.
    data = client.get("/api/v1/techniques-dashboard").json()
    assert data["region_tree"]["value"] == 44 and data["milestones"]


def test_the_dashboard_tree_is_within_scope(world, client_for):
    declaration_for(
        world.sun, world.township_centre.region, name="盐湖草稿", channel="offline", entered_org=world.yanhu_health
    )
    declaration_for(
        world.zhou, world.yongji_health.region, name="永济草稿", channel="offline", entered_org=world.yongji_health
    )
    tree = client_for("sun").get("/techniques/dashboard/").context["figures"]["region_tree"]
    assert [c["name"] for c in tree["children"]] == ["盐湖区"] and tree["value"] == 1


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
