"""Tests for lib.chinese (pure functions: no database)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from lib import chinese

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
mixed_text = st.text(
    alphabet=st.one_of(han, st.sampled_from(list("小儿推拿治疗积滞艾灸刮痧，。、！？ （）abcXYZ123"))),
    max_size=40,
)


def _han_chars(text: str) -> list[str]:
    return [c for c in chinese.normalize(text) if chinese.is_han(c) and c.isalnum()]


def test_it_cuts_words_and_the_words_inside_them():
    assert set(chinese.segment("小儿推拿")) >= {"小儿", "推拿", "小儿推拿"}
    assert chinese.cut("小儿推拿治疗积滞") == ["小儿推拿", "治疗", "积滞"]


def test_it_drops_punctuation_and_spaces_and_lowers_case():
    assert chinese.segment("推拿，刮痧！  ABC c++ ３岁") == ["推拿", "刮痧", "abc", "c", "3", "岁"]


def test_it_keeps_single_characters():
    assert chinese.segment("灸") == ["灸"]
    assert chinese.han_chars("艾灸，艾灸") == ["艾", "灸"]


def test_pinyin_gives_syllables_full_pinyin_and_initials():
    tokens = chinese.pinyin_tokens("小儿推拿")
    assert tokens[:4] == ["xiao", "er", "tui", "na"]
    assert {"xiaoertuina", "xetn", "tuina", "tn"} <= set(tokens)


def test_pinyin_reads_heteronyms_in_context_and_ignores_latin():
    assert "zhangda" in chinese.pinyin_tokens("长大")
    assert chinese.pinyin_tokens("ABC 123") == []
    assert "lv" in chinese.pinyin_tokens("绿")


def test_query_terms_split_han_words_into_indexed_parts():
    # 小儿推拿疗法 is one dictionary word in a document; its indexed parts are 小儿, 推拿, 疗法.
    assert chinese.query_terms("小儿推拿疗法") == ["小儿", "推拿", "疗法"]
    assert chinese.query_terms("积滞") == ["积滞"]
    assert chinese.query_terms("Tuina  XETN") == ["tuina", "xetn"]


def test_query_terms_of_fts_syntax_are_plain_words():
    assert chinese.query_terms('"推拿" OR * a:b ( NEAR') == ["推拿", "or", "a", "b", "near"]
    assert chinese.query_terms("，。！？ *") == []


def test_added_words_are_cut_whole():
    chinese.add_words(["内服方药（验方、秘方）"])
    assert "内服方药" in chinese.cut("这是内服方药")


@PROPERTY_SETTINGS
@given(st.one_of(mixed_text, st.text(max_size=30)))
def test_the_cut_never_loses_a_han_character(text):
    cut = chinese.cut(text)
    assert _han_chars("".join(cut)) == _han_chars(text)
    covered = "".join(chinese.segment(text))
    assert all(c in covered for c in _han_chars(text))


@PROPERTY_SETTINGS
@given(st.text(max_size=30))
def test_any_text_segments_without_raising(text):
    for token in chinese.segment(text) + chinese.query_terms(text):
        assert token and not any(c.isspace() for c in token)


@PROPERTY_SETTINGS
@given(st.text(alphabet=st.one_of(han, st.characters()), max_size=20))
def test_pinyin_tokens_are_ascii_lower_case(text):
    for token in chinese.pinyin_tokens(text):
        assert re.fullmatch(r"[a-z]+", token), token
