"""The aggregation rules against hand-computed cases, and their properties (hypothesis)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluations.scoring import CriterionSpec, Sheet, aggregate, grade_for, trimmed_mean, weighted_total

SAFETY, EFFICACY, ECONOMY = 1, 2, 3
CRITERIA = [
    CriterionSpec(SAFETY, "安全性", 0.5),
    CriterionSpec(EFFICACY, "有效性", 0.3),
    CriterionSpec(ECONOMY, "经济价值", 0.2),
]
LEVELS = [("甲级", 85.0), ("乙级", 75.0), ("丙级", 60.0)]


def test_an_experts_total_is_the_weighted_mean():
    # 0.5×90 + 0.3×80 + 0.2×70 = 45 + 24 + 14 = 83
    assert weighted_total(CRITERIA, {SAFETY: 90, EFFICACY: 80, ECONOMY: 70}) == pytest.approx(83.0)


def test_not_applicable_is_left_out_and_the_other_weights_renormalised():
    # (0.5×90 + 0.3×80) / 0.8 = 69 / 0.8 = 86.25
    assert weighted_total(CRITERIA, {SAFETY: 90, EFFICACY: 80, ECONOMY: None}) == pytest.approx(86.25)


def test_a_criterion_with_another_maximum_is_scaled_to_100():
    criteria = [CriterionSpec(1, "安全性", 1.0, max_score=10), CriterionSpec(2, "有效性", 1.0)]
    # (8/10×100 + 60) / 2 = 70
    assert weighted_total(criteria, {1: 8, 2: 60}) == pytest.approx(70.0)


def test_nothing_scored_has_no_total():
    assert weighted_total(CRITERIA, {SAFETY: None, EFFICACY: None, ECONOMY: None}) is None


def test_four_scores_are_averaged_as_they_are():
    assert trimmed_mean([60, 70, 80, 90]) == pytest.approx(75.0)


def test_with_five_scores_the_highest_and_lowest_are_dropped():
    # drop 40 and 99: (70 + 80 + 90) / 3 = 80
    assert trimmed_mean([99, 70, 40, 80, 90]) == pytest.approx(80.0)


def test_only_one_highest_and_one_lowest_are_dropped_when_tied():
    # 60 60 80 90 90 → drop one 60 and one 90 → (60 + 80 + 90) / 3
    assert trimmed_mean([90, 60, 80, 60, 90]) == pytest.approx(230 / 3)


def sheets(*rows):
    return [Sheet(expert=f"e{i}", field=field, values=values) for i, (field, values) in enumerate(rows)]


def test_the_panels_are_shown_separately_and_overall():
    result = aggregate(
        CRITERIA,
        sheets(
            ("tcm", {SAFETY: 90, EFFICACY: 80, ECONOMY: 70}),  # 83
            ("tcm", {SAFETY: 80, EFFICACY: 80, ECONOMY: 80}),  # 80
            ("western", {SAFETY: 70, EFFICACY: 60, ECONOMY: None}),  # (35 + 18) / 0.8 = 66.25
        ),
        spread=30,
    )
    assert result.by_field["tcm"] == pytest.approx(81.5)
    assert result.by_field["western"] == pytest.approx(66.25)
    assert result.score == pytest.approx((83 + 80 + 66.25) / 3)
    assert not result.trimmed
    assert result.total_spread == pytest.approx(83 - 66.25)
    assert not result.flagged
    economy = next(c for c in result.criteria if c.id == ECONOMY)
    assert (economy.count, economy.mean, economy.spread) == (2, pytest.approx(75.0), pytest.approx(10.0))


def test_five_experts_trim_the_overall_score_but_each_small_panel_is_untrimmed():
    rows = [("tcm", {SAFETY: s, EFFICACY: s, ECONOMY: s}) for s in (50, 70, 80)]
    rows += [("western", {SAFETY: s, EFFICACY: s, ECONOMY: s}) for s in (90, 100)]
    result = aggregate(CRITERIA, sheets(*rows), spread=60)
    assert result.trimmed
    assert result.score == pytest.approx((70 + 80 + 90) / 3)
    assert result.by_field == {"tcm": pytest.approx(200 / 3), "western": pytest.approx(95.0)}


def test_a_spread_beyond_the_threshold_flags_the_criterion_that_disagrees():
    result = aggregate(
        CRITERIA,
        sheets(
            ("tcm", {SAFETY: 90, EFFICACY: 85, ECONOMY: 80}),
            ("tcm", {SAFETY: 88, EFFICACY: 40, ECONOMY: 78}),
            ("western", {SAFETY: 85, EFFICACY: 80, ECONOMY: 75}),
        ),
        spread=30,
    )
    assert result.flagged
    assert [c.name for c in result.disagreements] == ["有效性"]
    efficacy = result.disagreements[0]
    assert (efficacy.low, efficacy.high, efficacy.spread) == (40, 85, 45)


def test_a_spread_exactly_at_the_threshold_does_not_flag():
    result = aggregate(
        CRITERIA,
        sheets(("tcm", {SAFETY: 60, EFFICACY: 60, ECONOMY: 60}), ("tcm", {SAFETY: 90, EFFICACY: 90, ECONOMY: 90})),
        spread=30,
    )
    assert not result.flagged


def test_no_sheets_no_score():
    result = aggregate(CRITERIA, [], spread=30)
    assert result.score is None and not result.flagged


@pytest.mark.parametrize(
    ("score", "grade"),
    [(92.0, "甲级"), (85.0, "甲级"), (84.99, "乙级"), (75.0, "乙级"), (60.0, "丙级"), (59.9, ""), (None, "")],
)
def test_the_grade_follows_the_thresholds(score, grade):
    assert grade_for(score, LEVELS) == grade


# --- properties ------------------------------------------------------------------------------------

value = st.one_of(st.none(), st.integers(min_value=0, max_value=100).map(float))
sheet_values = st.fixed_dictionaries({SAFETY: value, EFFICACY: value, ECONOMY: value})
sheet_rows = st.lists(st.tuples(st.sampled_from(["tcm", "western"]), sheet_values), min_size=1, max_size=9)


@settings(max_examples=200, deadline=None)
@given(sheet_rows)
def test_the_score_lies_between_the_lowest_and_highest_totals(rows):
    result = aggregate(CRITERIA, sheets(*rows), spread=30)
    totals = [t for t in result.totals.values() if t is not None]
    if not totals:
        assert result.score is None
    else:
        assert min(totals) - 1e-9 <= result.score <= max(totals) + 1e-9


@settings(max_examples=200, deadline=None)
@given(sheet_rows, st.randoms())
def test_the_order_of_the_experts_does_not_matter(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a = aggregate(CRITERIA, sheets(*rows), spread=30)
    b = aggregate(CRITERIA, sheets(*shuffled), spread=30)
    assert (a.score is None) == (b.score is None)
    if a.score is not None:
        assert a.score == pytest.approx(b.score)
    assert a.flagged == b.flagged


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100), min_size=5, max_size=12), st.floats(min_value=0, max_value=100))
def test_with_five_or_more_one_extreme_outlier_cannot_move_the_score_beyond_the_others(values, outlier):
    result = trimmed_mean(values + [outlier])
    inner = sorted(values + [outlier])[1:-1]
    assert min(inner) - 1e-9 <= result <= max(inner) + 1e-9


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=100), st.integers(min_value=1, max_value=9))
def test_unanimous_experts_never_disagree_and_score_what_they_all_gave(score, n):
    rows = [("tcm", {SAFETY: float(score), EFFICACY: float(score), ECONOMY: float(score)})] * n
    result = aggregate(CRITERIA, sheets(*rows), spread=1)
    assert result.score == pytest.approx(score)
    assert not result.flagged
