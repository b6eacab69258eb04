"""lib.mining against a reference implementation (mlxtend's fpgrowth + association_rules, tests only)
on the classic formulas and on generated prescriptions, thresholds at the edges included."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.mining import (
    MiningError,
    association_rules,
    cooccurrence_network,
    core_herbs,
    frequent_itemsets,
    herb_frequency,
    min_count,
)

CLASSIC_FORMULAS = Path(__file__).resolve().parents[2] / "cases" / "data" / "classic_formulas.csv"

TOLERANCE = 1e-9
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def classic_formulas() -> list[list[str]]:
    with open(CLASSIC_FORMULAS, encoding="utf-8", newline="") as f:
        return [[h.strip() for h in row["herbs"].split(",") if h.strip()] for row in csv.DictReader(f)]


# --- the reference ------------------------------------------------------------------------------


def reference(transactions, min_support, min_confidence=None, max_len=None):
    """mlxtend's answer as {frozenset: support} and {(antecedent, consequent): (support, confidence,
    lift)}.

    mlxtend 0.25 keeps an item when count / n ≥ min_support but grows sets with the count threshold
    ceil(min_support × n), which floating point can push one too high (0.28 × 25 = 7.000000000000001,
    see rasbt/mlxtend#1191 for the same flaw in apriori's low_memory path): it then lists single herbs
    at count 7 and drops the pairs at count 7. Our rule is count / n ≥ min_support throughout. At such
    thresholds the reference is asked with the largest threshold below it that it turns into the
    same count, which is the answer it means to give."""
    # The reference is a test requirement (requirements-dev.txt): a missing one fails, not skips.
    import pandas as pd
    from mlxtend import frequent_patterns as fp

    n = len(transactions)
    wanted = min_count(min_support, n)
    asked = min_support
    while math.ceil(asked * n) > wanted:
        asked = math.nextafter(asked, 0)
    # The one-hot table that mlxtend's TransactionEncoder makes, without importing scikit-learn.
    columns = sorted({item for t in transactions for item in t})
    frame = pd.DataFrame([[item in set(t) for item in columns] for t in transactions], columns=columns, dtype=bool)
    found = fp.fpgrowth(frame, min_support=asked, use_colnames=True, max_len=max_len)
    itemsets = {frozenset(s): sup for s, sup in zip(found["itemsets"], found["support"], strict=True)}
    if min_confidence is None:
        return itemsets, None
    rules = {}
    if len(found):
        table = fp.association_rules(
            found,
            num_itemsets=n,
            metric="confidence",
            min_threshold=min_confidence,
            return_metrics=["support", "confidence", "lift"],
        )
        for row in table.itertuples(index=False):
            rules[(frozenset(row.antecedents), frozenset(row.consequents))] = (row.support, row.confidence, row.lift)
    return itemsets, rules


def ours(transactions, min_support, min_confidence=None, max_len=None):
    found = frequent_itemsets(transactions, min_support, max_len=max_len)
    itemsets = {frozenset(s.items): s.support for s in found}
    assert len(itemsets) == len(found), "an itemset was reported twice"
    if min_confidence is None:
        return itemsets, None
    rules = {}
    for r in association_rules(found, len(transactions), min_confidence):
        key = (frozenset(r.antecedent), frozenset(r.consequent))
        assert key not in rules, "a rule was reported twice"
        rules[key] = (r.support, r.confidence, r.lift)
    return itemsets, rules


def assert_same(transactions, min_support, min_confidence=None, max_len=None):
    expected_sets, expected_rules = reference(transactions, min_support, min_confidence, max_len)
    got_sets, got_rules = ours(transactions, min_support, min_confidence, max_len)
    assert got_sets.keys() == expected_sets.keys()
    for key, support in expected_sets.items():
        assert got_sets[key] == pytest.approx(support, abs=TOLERANCE)
    if min_confidence is None:
        return got_sets, got_rules

    # A confidence that equals the threshold is computed as count / count by us and as
    # support / support by mlxtend; the two may differ in the last bit, so rules right at a threshold
    # below 1.0 are compared by test_a_rule_exactly_at_the_confidence_threshold_is_kept instead.
    def away_from_edge(rules):
        return {k: v for k, v in rules.items() if min_confidence == 1.0 or abs(v[1] - min_confidence) > TOLERANCE}

    got, expected = away_from_edge(got_rules), away_from_edge(expected_rules)
    assert got.keys() == expected.keys()
    for key, (support, confidence, lift) in expected.items():
        assert got[key] == pytest.approx((support, confidence, lift), rel=TOLERANCE, abs=TOLERANCE)
    return got_sets, got_rules


# --- classic formulas ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("min_support", "min_confidence", "max_len"),
    [
        (0.02, 0.5, None),
        (0.05, 0.1, None),
        (3 / 235, 0.8, None),  # exactly the support of the sets that appear in three formulas
        (2 / 235, 1.0, 3),
        (0.01, 0.6, 2),
        (1.0, 1.0, None),  # no herb is in every formula
    ],
)
def test_it_matches_the_reference_on_the_classic_formulas(min_support, min_confidence, max_len):
    assert_same(classic_formulas(), min_support, min_confidence, max_len)


def test_the_classic_formulas_give_the_known_core_pairs():
    transactions = classic_formulas()
    found = frequent_itemsets(transactions, 0.03)
    assert [(s.items, s.count) for s in found[:3]] == [(("炙甘草",), 50), (("甘草",), 47), (("人参",), 46)]
    pairs = [s for s in found if len(s.items) == 2]
    # 四君子汤's core: 人参 with 炙甘草, the most frequent pair.
    assert (pairs[0].items, pairs[0].count) == (("人参", "炙甘草"), 17)
    assert pairs[0].count == sum({"人参", "炙甘草"} <= set(t) for t in transactions)
    assert pairs[0].support == 17 / len(transactions)


def test_a_threshold_equal_to_an_itemsets_support_keeps_it():
    transactions = classic_formulas()
    n = len(transactions)
    pairs = [s for s in frequent_itemsets(transactions, 0.01, max_len=2) if len(s.items) == 2]
    target = pairs[len(pairs) // 2]
    kept = {s.items for s in frequent_itemsets(transactions, target.count / n)}
    assert target.items in kept
    assert not any(s.count < target.count for s in frequent_itemsets(transactions, target.count / n))


# --- generated prescriptions --------------------------------------------------------------------

HERBS = ["甘草", "当归", "白芍", "川芎", "熟地黄", "人参", "白术", "茯苓", "黄芪", "陈皮"]


@st.composite
def prescriptions(draw, alphabet=HERBS, max_rows=40):
    herbs = draw(st.lists(st.sampled_from(alphabet), min_size=2, max_size=len(alphabet), unique=True))
    rows = draw(st.lists(st.lists(st.sampled_from(herbs), min_size=1, max_size=7), min_size=1, max_size=max_rows))
    return rows


@st.composite
def mining_case(draw):
    """Prescriptions with thresholds that land on the edges: a support equal to an actual count / n,
    1.0, the smallest possible; a confidence of 1.0 or anything in (0, 1]."""
    rows = draw(prescriptions())
    n = len(rows)
    support = draw(
        st.one_of(
            st.integers(min_value=1, max_value=n).map(lambda k: k / n),
            st.just(1.0),
            st.just(1e-9),
            st.floats(min_value=0.05, max_value=1.0),
        )
    )
    confidence = draw(st.one_of(st.just(1.0), st.floats(min_value=0.01, max_value=1.0), st.just(1e-9)))
    max_len = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=4)))
    return rows, support, confidence, max_len


@PROPERTY_SETTINGS
@given(mining_case())
def test_it_matches_the_reference_on_generated_prescriptions(case):
    rows, support, confidence, max_len = case
    assert_same(rows, support, confidence, max_len)


@settings(max_examples=60, deadline=None)
@given(prescriptions(), st.data())
def test_every_itemset_count_is_the_number_of_prescriptions_containing_it(rows, data):
    n = len(rows)
    support = data.draw(st.integers(min_value=1, max_value=n).map(lambda k: k / n))
    max_len = data.draw(st.one_of(st.none(), st.integers(min_value=1, max_value=3)))
    threshold = min_count(support, n)
    found = frequent_itemsets(rows, support, max_len=max_len)
    for s in found:
        assert s.count == sum(set(s.items) <= set(r) for r in rows)
        assert s.count >= threshold and s.support == s.count / n
        assert list(s.items) == sorted(s.items)
        assert max_len is None or len(s.items) <= max_len
    # Every herb that is frequent is listed: nothing is missed at the top level either.
    frequent_herbs = {h.name for h in herb_frequency(rows) if h.count >= threshold}
    assert {s.items[0] for s in found if len(s.items) == 1} == frequent_herbs


def test_support_threshold_is_count_over_n_even_where_floating_point_rounds_up():
    # 0.28 × 25 = 7.000000000000001 in floating point; a pair in 7 of 25 prescriptions has support
    # exactly 0.28 and is kept.
    rows = [["当归", "白芍"]] * 7 + [["甘草"]] * 18
    found = {s.items: s for s in frequent_itemsets(rows, 0.28)}
    assert found[("当归", "白芍")].count == 7
    assert found[("当归", "白芍")].support == 0.28
    assert min_count(0.28, 25) == 7


def test_support_of_one_means_in_every_prescription():
    rows = [["甘草", "当归"], ["甘草", "白芍"], ["甘草", "当归", "白芍"]]
    assert [s.items for s in frequent_itemsets(rows, 1.0)] == [("甘草",)]
    assert frequent_itemsets([["当归"], ["白芍"]], 1.0) == []


def test_a_tiny_support_keeps_every_combination_that_occurs():
    rows = [["甘草", "当归", "白芍"], ["川芎"]]
    found = {s.items for s in frequent_itemsets(rows, 1e-12)}
    expected = [["甘草"], ["当归"], ["白芍"], ["川芎"], ["当归", "甘草"], ["白芍", "甘草"], ["当归", "白芍"]]
    assert found == {tuple(sorted(s)) for s in [*expected, ["当归", "白芍", "甘草"]]}


def test_a_herb_written_twice_in_a_prescription_counts_once():
    found = {s.items: s.count for s in frequent_itemsets([["甘草", "甘草", "当归"], ["甘草"]], 0.5)}
    assert found == {("甘草",): 2, ("当归",): 1, ("当归", "甘草"): 1}


def test_max_len_limits_the_size_of_sets():
    rows = [["甘草", "当归", "白芍", "川芎"]] * 3
    assert {len(s.items) for s in frequent_itemsets(rows, 0.5, max_len=2)} == {1, 2}
    assert len(frequent_itemsets(rows, 0.5)) == 15
    assert len(frequent_itemsets(rows, 0.5, max_len=1)) == 4


def test_itemsets_come_most_frequent_first_in_a_stable_order():
    rows = [["甘草", "当归"], ["甘草", "白芍"], ["甘草"], ["当归", "白芍"]]
    found = frequent_itemsets(rows, 0.25)
    assert [(s.items, s.count) for s in found] == [
        (("甘草",), 3),
        (("当归",), 2),
        (("白芍",), 2),
        (("当归", "甘草"), 1),
        (("当归", "白芍"), 1),
        (("甘草", "白芍"), 1),  # items in code-point order: 甘 U+7518 < 白 U+767D
    ]
    assert found == frequent_itemsets(list(reversed(rows)), 0.25)


# --- rules --------------------------------------------------------------------------------------


def test_rules_have_support_confidence_and_lift():
    rows = [["甘草", "当归"], ["甘草", "当归"], ["甘草", "白芍"], ["川芎"]]
    sets = frequent_itemsets(rows, 0.25)
    rules = {(r.antecedent, r.consequent): r for r in association_rules(sets, len(rows), 0.5)}
    rule = rules[(("当归",), ("甘草",))]
    assert rule.count == 2 and rule.support == 0.5 and rule.confidence == 1.0
    assert rule.lift == pytest.approx(1.0 / (3 / 4))
    assert rules[(("甘草",), ("当归",))].confidence == pytest.approx(2 / 3)


def test_a_rule_exactly_at_the_confidence_threshold_is_kept():
    rows = [["甘草", "当归"]] * 4 + [["当归"]]  # 当归 → 甘草 holds in 4 of 5
    sets = frequent_itemsets(rows, 0.1)
    rules = association_rules(sets, len(rows), 0.8)
    assert [(r.antecedent, r.consequent, r.confidence) for r in rules] == [
        (("甘草",), ("当归",), 1.0),
        (("当归",), ("甘草",), 0.8),
    ]
    assert [r.antecedent for r in association_rules(sets, len(rows), 1.0)] == [("甘草",)]


def test_rules_cover_every_split_of_a_set():
    rows = [["甘草", "当归", "白芍"]] * 2
    rules = association_rules(frequent_itemsets(rows, 0.5), 2, 1.0)
    assert len(rules) == 3 * 2 + 6  # three pairs × two directions + six splits of the triple


def test_rules_need_every_subset_of_a_set():
    sets = [s for s in frequent_itemsets([["甘草", "当归"]], 1.0) if len(s.items) == 2]
    with pytest.raises(MiningError, match="频繁项集不完整"):
        association_rules(sets, 1, 0.5)


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 0.0, -0.1, 1.0000001, 2, float("nan"), "0.1", None, True])
def test_it_refuses_a_support_outside_zero_to_one(value):
    with pytest.raises(MiningError, match="最小支持度"):
        frequent_itemsets([["甘草"]], value)


@pytest.mark.parametrize("value", [0, -1, 1.5, float("nan"), "high"])
def test_it_refuses_a_confidence_outside_zero_to_one(value):
    with pytest.raises(MiningError, match="最小置信度"):
        association_rules(frequent_itemsets([["甘草"]], 0.5), 1, value)


@pytest.mark.parametrize("value", [0, -1, 1.5, "3", True])
def test_it_refuses_a_bad_max_len(value):
    with pytest.raises(MiningError, match="最大药味数"):
        frequent_itemsets([["甘草"]], 0.5, max_len=value)


def test_prescriptions_may_be_any_iterables_but_not_strings():
    rows = (iter(["甘草", "当归"]), ("甘草",), {"当归", "甘草"})
    assert {s.items: s.count for s in frequent_itemsets(rows, 1 / 3)} == {
        ("甘草",): 3,
        ("当归",): 2,
        ("当归", "甘草"): 2,
    }
    with pytest.raises(MiningError, match="药名的列表"):
        frequent_itemsets(["甘草当归"], 0.5)


def test_an_empty_selection_is_a_clear_error():
    with pytest.raises(MiningError, match="没有可分析的处方"):
        frequent_itemsets([], 0.1)
    with pytest.raises(MiningError, match="没有可分析的处方"):
        herb_frequency(iter([]))
    with pytest.raises(MiningError, match="没有可分析的处方"):
        cooccurrence_network([])


# --- frequency and network ----------------------------------------------------------------------


def test_herb_frequency_counts_prescriptions():
    rows = [["甘草", "当归", "甘草"], ["甘草"], ["白芍"]]
    assert [(h.name, h.count, h.support) for h in herb_frequency(rows)] == [
        ("甘草", 2, 2 / 3),
        ("当归", 1, 1 / 3),
        ("白芍", 1, 1 / 3),
    ]


def test_the_network_weights_edges_by_co_occurrence_and_finds_the_core():
    rows = [["甘草", "当归", "白芍"], ["甘草", "当归"], ["甘草", "川芎"], ["白芍"]]
    graph = cooccurrence_network(rows)
    assert graph.nodes["甘草"]["count"] == 3
    assert graph["甘草"]["当归"]["weight"] == 2
    assert graph.number_of_edges() == 4
    core = core_herbs(graph, top=2)
    assert [(h.name, h.degree, h.weighted_degree, h.count) for h in core] == [
        ("甘草", 3, 4, 3),
        ("当归", 2, 3, 2),
    ]
    sparse = cooccurrence_network(rows, min_count=2)
    assert [(*sorted((a, b)), w) for a, b, w in sparse.edges(data="weight")] == [("当归", "甘草", 2)]
    assert sparse.number_of_nodes() == 4  # herbs stay even when their edges fall below the cut


# --- hierarchical clustering into core combinations (CAS-3) ---------------------------------------


def test_clustering_recovers_base_formulas_from_their_variations():
    import random

    from lib.mining import core_combinations

    rng = random.Random(7)
    bases = [["桂枝", "白芍", "生姜", "大枣"], ["人参", "白术", "茯苓", "甘草"], ["柴胡", "黄芩", "半夏"]]
    noise = ["黄芪", "当归", "川芎", "陈皮", "丹参", "麦冬"]
    transactions = [[h for h in bases[i % 3] if rng.random() > 0.1] + rng.sample(noise, 2) for i in range(300)]
    combinations, tree = core_combinations(transactions, clusters=4)
    groups = [set(c.herbs) for c in combinations if len(c.herbs) > 1]
    for base in bases:
        assert any(set(base) <= g for g in groups), base
    assert tree["children"] and all(0 <= c.support <= 1 for c in combinations)


def test_clustering_with_one_herb_gives_nothing_and_bad_counts_are_refused():
    from lib.mining import MiningError, core_combinations

    assert core_combinations([["黄芪"], ["黄芪"]]) == ([], None)
    for bad in (1, 21, 2.5, True):
        with pytest.raises(MiningError, match="聚类组数"):
            core_combinations([["黄芪", "当归"]], clusters=bad)


def test_coverage_is_the_largest_share_of_one_combination():
    from lib.mining import combination_coverage

    assert combination_coverage(["桂枝", "白芍", "黄芪"], [["人参", "白术"], ["桂枝", "白芍", "生姜", "大枣"]]) == (
        0.5,
        1,
    )
    assert combination_coverage(["黄芪"], []) == (0.0, -1)


# --- issue 12 §17: no empty combination, communities ----------------------------------------------


def test_a_cluster_never_prescribed_together_is_not_a_core_combination():
    from lib.mining import core_combinations

    # 桂枝汤's herbs always together; 黄芪, 当归, 川芎 and 陈皮 each alone. Cut into two groups, Ward
    # puts the four loners together although no prescription holds any two of them.
    base = ["桂枝", "白芍", "生姜", "大枣"]
    transactions = [base] * 6 + [["黄芪"], ["当归"], ["川芎"], ["陈皮"]]
    combinations, tree = core_combinations(transactions, clusters=2)
    assert [(set(c.herbs), c.count) for c in combinations] == [(set(base), 6)]
    assert all(c.count > 0 for c in combinations) and tree["children"]


def test_the_network_is_split_into_communities_the_same_way_every_time():
    from lib.mining import herb_communities

    rows = [["桂枝", "白芍", "生姜", "大枣"]] * 5 + [["人参", "白术", "茯苓", "甘草"]] * 4 + [["桂枝", "甘草"]]
    graph = cooccurrence_network(rows)
    communities = herb_communities(graph)
    assert len(set(communities.values())) == 2
    assert len({communities[h] for h in ("桂枝", "白芍", "生姜", "大枣")}) == 1
    assert len({communities[h] for h in ("人参", "白术", "茯苓")}) == 1
    assert communities["桂枝"] != communities["人参"]
    assert all(herb_communities(cooccurrence_network(rows)) == communities for _ in range(5))
    assert herb_communities(cooccurrence_network([["黄芪"]])) == {"黄芪": 0}


def test_a_base_formula_grouped_with_the_add_ons_it_takes_in_turn_keeps_its_base():
    from lib.mining import core_combinations

    guizhi = ["桂枝", "白芍", "生姜", "大枣"]
    sijunzi = ["人参", "白术", "茯苓", "甘草"]
    add_ons = ["黄芪", "当归", "川芎", "陈皮", "半夏", "柴胡"]
    transactions = [(guizhi if i % 2 else sijunzi) + [add_ons[i % 6]] for i in range(40)]
    for clusters in range(2, 9):
        combinations, _tree = core_combinations(transactions, clusters=clusters)
        assert all(c.count > 0 for c in combinations), clusters
        groups = [set(c.herbs) for c in combinations if len(c.herbs) > 1]
        assert any(set(guizhi) <= g for g in groups) and any(set(sijunzi) <= g for g in groups), clusters
