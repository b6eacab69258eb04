"""The database page's facet counts are cached per result set and per state of the data: a
second view is cheaper, and whatever anyone changes is counted on the next view."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chuancheng.test import declaration_for
from techniques.models import Technique, Term
from techniques.services import technique_advance, term_rename


def _facet(page_context, axis: str) -> dict:
    return {f["label"]: f["count"] for f in page_context["facets"][axis]}


def _view(client, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/techniques/manage/", params)
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries]


def _counting(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if "techniques_technique_diseases" in sql and "COUNT(" in sql]


def test_a_second_view_of_the_same_result_set_reads_its_counts_from_the_cache(world, client_for):
    declaration_for(world.guo, world.township_centre.region, submit=True, name="甲技术")
    client = client_for("sun")
    first, first_sqls = _view(client, status="submitted")
    again, again_sqls = _view(client, status="submitted")
    assert _counting(first_sqls) and not _counting(again_sqls)
    assert len(again_sqls) <= len(first_sqls) - 8
    assert _facet(again.context, "status") == _facet(first.context, "status") == {"已提交": 1}
    assert again.context["facets"]["region_tree"][0].count == 1


def test_a_declaration_moved_on_by_a_colleague_is_counted_on_the_next_view(world, client_for):
    technique = declaration_for(world.guo, world.township_centre.region, submit=True, name="甲技术")
    declaration_for(world.guo, world.township_centre.region, submit=True, name="乙技术")
    client = client_for("sun")
    before, _ = _view(client)
    assert _facet(before.context, "status") == {"已提交": 2}
    technique_advance(technique=technique, actor=world.lin, to=Technique.Status.RECEIVED)
    after, sqls = _view(client)
    assert _counting(sqls)  # counted afresh, not read from the cache
    assert _facet(after.context, "status") == {"已提交": 1, "已受理": 1}


def test_a_new_declaration_is_counted_on_the_next_view(world, client_for):
    declaration_for(world.guo, world.township_centre.region, submit=True, name="甲技术")
    client = client_for("sun")
    assert _facet(_view(client)[0].context, "category") == {"小儿推拿": 1}
    declaration_for(
        world.guo,
        world.township_centre.region,
        name="乙技术",
        category=Term.objects.get(vocabulary="category", name="灸法"),
    )
    assert _facet(_view(client)[0].context, "category") == {"小儿推拿": 1, "灸法": 1}


def test_a_renamed_term_shows_its_new_name_even_when_the_counts_come_from_the_cache(world, client_for):
    declaration_for(world.guo, world.township_centre.region, name="甲技术")
    client = client_for("sun")
    _view(client)
    category = Term.objects.get(vocabulary="category", name="小儿推拿")
    term_rename(term=category, actor=world.yang, new_name="小儿推拿疗法", reason="与市级目录一致")
    page, sqls = _view(client)
    assert not _counting(sqls)
    assert _facet(page.context, "category") == {"小儿推拿疗法": 1}


def test_people_with_different_scopes_never_share_counts(world, client_for):
    declaration_for(
        world.sun, world.township_centre.region, name="盐湖草稿", channel="offline", entered_org=world.yanhu_health
    )
    declaration_for(
        world.zhou, world.yongji_health.region, name="永济草稿", channel="offline", entered_org=world.yongji_health
    )
    city = _view(client_for("yang"))[0]
    yanhu = _view(client_for("sun"))[0]
    yongji = _view(client_for("zhou"))[0]
    assert sum(_facet(city.context, "status").values()) == 2
    assert [c.name for c in yanhu.context["facets"]["region_tree"]] == ["盐湖区"]
    assert [c.name for c in yongji.context["facets"]["region_tree"]] == ["永济市"]
