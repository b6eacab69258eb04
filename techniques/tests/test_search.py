"""Full-text search over techniques (techniques/search.py), on whichever engine the tests run."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Region, User
from techniques.models import Technique, TechniqueHolder, Term
from techniques.search import build_search_text, like_search, reindex, search

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk() -> User:
    return User.objects.create_user(username="clerk", password="!", full_name="录入员")


def _technique(clerk: User, name: str, **fields) -> Technique:
    return Technique.objects.create(name=name, region=Region.objects.get(code="140802"), entered_by=clerk, **fields)


@pytest.fixture
def tuina(clerk) -> Technique:
    technique = _technique(
        clerk,
        "小儿推拿治疗积滞",
        category=Term.objects.get(vocabulary="category", name="小儿推拿"),
        origin_history="清代道光年间由河东名医所创，在解州一带世代相传。",
        operation_method="以清脾经、揉板门、摩腹为主，每日一次。",
    )
    technique.diseases.add(Term.objects.get(vocabulary="disease", name="积滞"))
    TechniqueHolder.objects.create(technique=technique, name="郭秀兰")
    return technique


@pytest.fixture
def guasha(clerk) -> Technique:
    return _technique(
        clerk,
        "刮痧退热法",
        theory_features="以刮痧板刮拭背部膀胱经，泄热透邪。",
        typical_cases="患儿，五岁，发热两日，刮痧后热退；后又配合推拿调理脾胃。",
    )


@pytest.fixture
def moxa(clerk) -> Technique:
    return _technique(clerk, "艾灸温阳法", operation_method="取关元、气海，艾条温和灸。")


@pytest.fixture
def indexed(tuina, guasha, moxa):
    reindex([tuina.pk, guasha.pk, moxa.pk])


def _found(query: str) -> list[str]:
    return [t.name for t in search(Technique.objects.all(), query)]


@pytest.mark.parametrize(
    "query",
    ["推拿", "积滞", "小儿推拿", "解州", "道光", "板门", "郭秀兰", "tuina", "xiaoer", "xetn", "Tuina", "guoxiulan"],
)
def test_it_finds_a_technique_by_any_word_or_its_pinyin(indexed, query):
    assert "小儿推拿治疗积滞" in _found(query)


def test_it_finds_a_single_character_of_a_name(indexed):
    assert _found("灸") == ["艾灸温阳法"]


def test_every_term_must_match(indexed):
    assert _found("推拿 积滞") == ["小儿推拿治疗积滞"]
    assert _found("推拿 解州 艾灸") == []
    assert _found("xiao tuina") == ["小儿推拿治疗积滞"]


def test_an_absent_word_finds_nothing(indexed):
    assert _found("拔罐") == []
    assert _found("zzzq") == []


def test_a_name_ranks_above_a_mention_in_a_case_report(indexed):
    assert _found("推拿") == ["小儿推拿治疗积滞", "刮痧退热法"]
    assert _found("刮痧") == ["刮痧退热法"]


def test_a_blank_query_changes_nothing_and_punctuation_finds_nothing(indexed):
    everything = Technique.objects.order_by("name")
    assert search(everything, "  ") is everything
    assert list(search(everything, "，。！？*")) == []


@pytest.mark.parametrize(
    "query",
    [
        '"推拿" OR *',
        "a:b",
        "(",
        ")",
        "NEAR",
        "NEAR(推拿 积滞)",
        "推拿 -积滞",
        "x*",
        "'",
        "\\",
        "&|!",
        "^推拿",
        "推拿:*",
    ],
)
def test_fts_syntax_in_a_query_never_raises(indexed, query):
    list(search(Technique.objects.all(), query))
    list(like_search(Technique.objects.all(), query))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=20))
def test_any_query_runs(indexed, query):
    list(search(Technique.objects.all(), query))


def test_reindex_after_a_rename_changes_the_results(indexed, tuina):
    Technique.objects.filter(pk=tuina.pk).update(name="捏脊疗法")
    # Until reindexed, the index still knows the old name.
    assert _found("xetn") == ["捏脊疗法"] and _found("捏脊") == []
    assert reindex([tuina.pk]) == 1
    assert _found("xetn") == []
    assert _found("捏脊") == ["捏脊疗法"]
    assert _found("njlf") == ["捏脊疗法"]


def test_a_deleted_technique_leaves_the_index(indexed, moxa):
    moxa.delete()
    assert _found("灸") == []
    assert reindex([moxa.pk]) == 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM techniques_fts WHERE rowid = %s", [moxa.pk])
            assert cursor.fetchone()[0] == 0


def test_search_composes_with_filters_counts_and_subqueries(indexed, tuina, guasha):
    results = search(Technique.objects.filter(pk=guasha.pk), "推拿")
    assert list(results) == [guasha] and results.count() == 1
    matching = search(Technique.objects.all(), "推拿")
    assert set(Technique.objects.filter(pk__in=matching)) == {tuina, guasha}
    # The facets of a search result group the same queryset without its ordering.
    assert matching.order_by().aggregate(n=Count("pk"))["n"] == 2
    assert sorted(r["n"] for r in matching.order_by().values("status").annotate(n=Count("pk"))) == [2]


def test_the_like_scan_finds_the_same(indexed):
    for query in ("推拿", "积滞", "xetn", "推拿 积滞", "拔罐"):
        assert sorted(t.name for t in like_search(Technique.objects.all(), query)) == sorted(_found(query))


def test_reindex_costs_the_same_queries_for_one_or_many(clerk, tuina, django_assert_max_num_queries):
    ids = [tuina.pk] + [_technique(clerk, f"正骨手法{n}").pk for n in range(30)]
    with django_assert_max_num_queries(12):
        assert reindex(ids) == 31
    assert len(_found("正骨")) == 30


def test_search_text_holds_words_terms_holders_and_pinyin(tuina):
    tokens = build_search_text(tuina).split()
    assert {
        "小儿",
        "推拿",
        "积滞",
        "小儿推拿",
        "郭秀兰",
        "xiaoertuinazhiliaojizhi",
        "xetnzljz",
        "tuinazhiliaojizhi",
        "gxl",
        "解州",
    } <= set(tokens)
    assert tokens.count("推拿") > tokens.count("解州")
