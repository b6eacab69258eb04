"""lib.herbs: herb names normalized against the reference tables (CAS-2) and prescriptions parsed
into herbs and doses. Pure functions: no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.herbs import (
    MASS_UNITS,
    HerbParseError,
    herb_properties,
    normalize_herb,
    parse_prescription,
    property_profile,
    standard_names,
)

PROPERTY_SETTINGS = settings(max_examples=100, deadline=None)


# --- normalization ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "standard", "processing"),
    [
        ("生地", "地黄", "生"),  # herb_aliases.csv
        ("丹皮", "牡丹皮", ""),
        ("山萸肉", "山茱萸", ""),  # a curated alias wins over herbs.csv's own entry
        ("炒白术", "白术", "炒"),
        ("黄耆", "黄芪", ""),  # a synonym in herbal_pieces.tsv
        ("蜜甘草", "甘草", "蜜"),
        ("酒大黄", "大黄", "酒"),
        ("大黄炭", "大黄", "炭"),
        ("三七粉", "三七", "粉"),
        ("麸炒白术", "白术", "麸炒"),
        ("炙升麻", "升麻", "炙"),
    ],
)
def test_it_maps_aliases_and_synonyms_to_standard_names(written, standard, processing):
    herb = normalize_herb(written)
    assert (herb.standard_name, herb.processing, herb.original, herb.known) == (standard, processing, written, True)


@pytest.mark.parametrize(
    "name", ["生姜", "熟地黄", "生地黄", "炙甘草", "干姜", "制何首乌", "法半夏", "姜黄", "西红花", "关木通", "关黄柏"]
)
def test_herbs_that_look_processed_stay_themselves(name):
    # Each is a herb of its own in herbs.csv: stripping 生/熟/炙/干/制/法/姜, or a place (西, 关), would
    # change the herb (西红花 is saffron, 红花 safflower).
    assert name in standard_names()
    herb = normalize_herb(name)
    assert (herb.standard_name, herb.processing, herb.known) == (name, "", True)


@pytest.mark.parametrize(
    ("written", "standard", "processing"),
    [
        ("姜半夏", "半夏", "姜"),
        ("炒荆芥", "荆芥", "炒"),
        ("醋柴胡", "柴胡", "醋"),
        ("盐杜仲", "杜仲", "盐"),  # an alias, and also a prefix
        ("焦栀子", "栀子", "焦"),
        ("煅石决明", "石决明", "煅"),
        ("酒炒白芍", "白芍", "酒炒"),  # prefixes read one at a time
        ("白术炒", "白术", "炒"),  # classic formulas write processing after the herb
        ("黄柏盐水炒", "黄柏", "盐水炒"),
        ("陈皮去白", "陈皮", "去白"),
        ("川当归", "当归", ""),  # a place of origin is not processing
        ("鲜葱白", "葱白", "鲜"),
        # The herbal pieces list 醋郁金 under 莪术 and 酒川牛膝 under 牛膝; a processed form of a
        # herbs.csv herb is that herb.
        ("醋郁金", "郁金", "醋"),
        ("酒川牛膝", "川牛膝", "酒"),
        ("酒白芍", "白芍", "酒"),  # via the herbal piece 芍药, which the curated aliases call 白芍
    ],
)
def test_processing_is_kept_apart_from_the_herb(written, standard, processing):
    herb = normalize_herb(written)
    assert (herb.standard_name, herb.processing, herb.known) == (standard, processing, True)


@pytest.mark.parametrize("name", ["炙", "五五味子", "不知名草", "炒不知名草", "xyz", ""])
def test_unknown_names_are_returned_as_unknown(name):
    herb = normalize_herb(name)
    assert herb.known is False and herb.standard_name is None and herb.processing == ""
    assert herb.original == name


def test_a_herbal_piece_that_starts_like_a_place_is_not_stripped():
    assert normalize_herb("广防己").standard_name == "广防己"  # not 防己: another plant


def test_full_width_forms_and_spaces_are_folded():
    assert normalize_herb(" 黄 芪 ").standard_name == "黄芪"
    assert normalize_herb("ｘｙ").original == "xy"


def test_every_alias_leads_to_a_known_herb():
    import csv

    from lib.herbs import DATA_DIR

    with open(DATA_DIR / "herb_aliases.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            herb = normalize_herb(row["alias"])
            assert herb.known, row
            assert herb.standard_name in (row["standard_name"], row["alias"]), row


def test_properties_come_from_herbs_csv():
    props = herb_properties("黄芪")
    assert props.nature == "微温"
    assert props.flavours == ("甘",)
    assert props.meridians == ("肺", "脾")
    assert herb_properties("人参").flavours == ("甘", "微苦")
    assert herb_properties("不知名草") is None
    assert len(standard_names()) == 672 + 3  # herbs.csv and herbs_added.csv (鹿角霜, 龟甲胶, 石莲子)


def test_the_profile_counts_natures_flavours_and_meridians():
    profile = property_profile(["黄芪", "人参", "黄芪", "不知名草"])
    assert profile["nature"] == {"微温": 3}
    assert profile["flavours"] == {"甘": 3, "微苦": 1}
    assert profile["meridians"]["肺"] == 3 and profile["meridians"]["心"] == 1
    assert profile["unknown"] == {"不知名草": 1}


# --- parsing ------------------------------------------------------------------------------------


def summary(text: str, **kwargs):
    return [(d.herb_name, d.amount, d.unit, d.grams) for d in parse_prescription(text, **kwargs)]


def test_it_parses_the_case_spreadsheet_layout():
    assert summary("酸枣仁90g;川芎7g;知母14g") == [
        ("酸枣仁", 90, "g", 90),
        ("川芎", 7, "g", 7),
        ("知母", 14, "g", 14),
    ]


@pytest.mark.parametrize("separator", [",", "，", "、", ";", "；", " ", "\n", " ; "])
def test_every_separator_is_accepted(separator):
    assert [d.herb_name for d in parse_prescription(separator.join(["生地12g", "丹皮9g", "黄耆30g"]))] == [
        "地黄",
        "牡丹皮",
        "黄芪",
    ]


def test_doses_are_optional_and_may_stand_apart():
    assert summary("川芎 知母") == [("川芎", None, None, None), ("知母", None, None, None)]
    assert summary("川芎 7 g 知母 14 克") == [("川芎", 7, "g", 7), ("知母", 14, "g", 14)]


def test_historic_units_are_converted_with_their_factor():
    doses = parse_prescription("黄连2钱;人参1两;川芎3分;石膏1斤;麝香100mg;大枣5枚;黄酒30ml")
    assert [(d.unit, d.factor, d.grams) for d in doses] == [
        ("钱", 3.0, 6.0),
        ("两", 30.0, 30.0),
        ("分", 0.3, 0.9),
        ("斤", 500.0, 500.0),
        ("mg", 0.001, 0.1),
        ("枚", None, None),  # counts and volumes keep their unit and have no weight
        ("ml", None, None),
    ]


def test_classical_doses_in_chinese_numerals():
    assert summary("桂枝三两 芍药三两 甘草二两 大枣十二枚 人参一两半") == [
        ("桂枝", 3, "两", 90),
        ("白芍", 3, "两", 90),
        ("甘草", 2, "两", 60),
        ("大枣", 12, "枚", None),
        ("人参", 1.5, "两", 45),
    ]


def test_decoction_notes_are_kept():
    doses = parse_prescription("附子15g先煎；薄荷6g（后下）；阿胶(烊化)10g")
    assert [(d.herb_name, d.grams, d.note) for d in doses] == [
        ("附子", 15, "先煎"),
        ("薄荷", 6, "后下"),
        ("阿胶", 10, "烊化"),
    ]


def test_processing_and_original_spelling_are_kept_per_herb():
    (dose,) = parse_prescription("炒白术15g")
    assert dose.name == "炒白术"
    assert (dose.herb.standard_name, dose.herb.processing) == ("白术", "炒")


def test_unknown_herbs_are_kept_beside_known_ones():
    doses = parse_prescription("川芎9g;不知名草6g")
    assert [(d.name, d.herb.known, d.herb_name) for d in doses] == [
        ("川芎", True, "川芎"),
        ("不知名草", False, "不知名草"),
    ]


def test_without_normalization_names_are_taken_as_written():
    doses = parse_prescription("生地12g;不知名草6g", normalize=False)
    assert [(d.herb, d.herb_name) for d in doses] == [(None, "生地"), (None, "不知名草")]


@pytest.mark.parametrize(
    ("text", "fragment", "rule"),
    [
        ("川芎g;知母14g", "川芎g", "剂量缺少数值"),
        ("川芎 克", "川芎克", "剂量缺少数值"),
        ("鸡子黄枚", "鸡子黄枚", "剂量缺少数值"),
        ("川芎7斗", "川芎7斗", "单位「斗」无法识别"),
        ("川芎7xyz", "川芎7xyz", "单位「xyz」无法识别"),
        ("90g;川芎", "90g", "缺少药名"),
        ("川芎0g", "川芎0g", "剂量必须大于 0"),
        ("川芎10-15g", "川芎10-15g", "剂量无法识别"),
        ("川芎7g知母14g", "川芎7g知母14g", "缺少分隔符"),
        ("川芎#", "川芎#", "无法识别的字符"),
        ("", "", "没有药味"),
        (" ;；、 ", ";；、", "没有药味"),
        ("不知名草;另一种草", "不知名草;另一种草", "没有可识别的药味"),
    ],
)
def test_bad_prescriptions_say_which_fragment_breaks_which_rule(text, fragment, rule):
    with pytest.raises(HerbParseError) as caught:
        parse_prescription(text)
    assert caught.value.fragment == fragment
    assert rule in caught.value.rule
    assert fragment in caught.value.message and rule in caught.value.message


@pytest.mark.parametrize(
    ("text", "fragment", "rule", "suggestions"),
    [
        ("茯苓15gg", "茯苓15gg", "单位「gg」无法识别", ("茯苓15g",)),
        ("茯苓15克克;白术10g", "茯苓15克克", "单位「克克」无法识别", ("茯苓15克",)),
        ("白术9g5", "白术9g5", "单位「g」后多了数字「5」", ("白术9g", "白术9.5g")),
        ("2个鸡蛋黄", "2个鸡蛋黄", "剂量应写在药名之后", ("鸡蛋黄2个",)),
        ("茯苓15g白术10g", "茯苓15g白术10g", "缺少分隔符", ("茯苓15g；白术10g",)),
        ("茯苓15g白术10g甘草6g", "茯苓15g白术10g甘草6g", "缺少分隔符", ("茯苓15g；白术10g；甘草6g",)),
        # The second herb would otherwise be kept as a note of the first.
        ("茯苓15g白术", "茯苓15g白术", "缺少分隔符", ("茯苓15g；白术",)),
        ("茯  苓42g", "茯  苓42g", "药名中间有空格", ("茯苓42g",)),
        ("白术10g 茯  苓42g", "茯  苓42g", "药名中间有空格", ("茯苓42g",)),
        ("生 地黄12g", "生 地黄12g", "药名中间有空格", ("生地黄12g",)),
    ],
)
def test_real_world_typos_are_refused_with_the_correction_they_most_likely_need(text, fragment, rule, suggestions):
    with pytest.raises(HerbParseError) as caught:
        parse_prescription(text)
    assert caught.value.fragment == fragment and rule in caught.value.rule
    assert caught.value.suggestions == suggestions
    assert "建议改为" + "或".join(f"「{s}」" for s in suggestions) in caught.value.message
    # Each suggestion reads as what it says.
    for suggestion in suggestions:
        assert all(d.herb.known for d in parse_prescription(suggestion))


def test_a_name_split_by_spaces_is_never_read_as_two_unknown_herbs():
    # Two real herbs, or two unknown names of several characters, are still two herbs.
    assert [d.herb_name for d in parse_prescription("川芎 知母")] == ["川芎", "知母"]
    assert [d.name for d in parse_prescription("不知名草 另一草 川芎")] == ["不知名草", "另一草", "川芎"]
    with pytest.raises(HerbParseError, match="药名中间有空格"):
        parse_prescription("川芎9g 某 草6g")  # a lone character that is no herb


def test_an_egg_yolk_counted_in_pieces_is_a_dose_of_its_herb():
    (dose,) = parse_prescription("鸡子黄1枚")
    assert (dose.herb_name, dose.amount, dose.unit, dose.grams) == ("鸡子黄", 1, "枚", None)
    (dose,) = parse_prescription("鸡蛋黄2个")
    assert (dose.herb_name, dose.amount, dose.unit) == ("鸡子黄", 2, "个")


def test_names_that_end_like_a_unit_are_herbs_when_known():
    # 地钱 and 半边钱 are herbal pieces, 百合 and 芦根 end like counts: none of them is a dose.
    assert [d.name for d in parse_prescription("半边钱;百合 芦根三根")] == ["半边钱", "百合", "芦根"]
    assert parse_prescription("芦根三根")[0].amount == 3


# --- properties of the parser -------------------------------------------------------------------

KNOWN = sorted(standard_names())
SEPARATORS = [",", "，", "、", ";", "；", " ", "\n"]
UNITS = [*MASS_UNITS, "枚", "片"]


@st.composite
def written_prescription(draw):
    herbs = draw(st.lists(st.sampled_from(KNOWN), min_size=1, max_size=12))
    parts, expected = [], []
    for herb in herbs:
        if draw(st.booleans()):
            amount = draw(st.decimals(min_value="0.1", max_value="500", places=1))
            unit = draw(st.sampled_from(UNITS))
            space = draw(st.sampled_from(["", " "]))
            parts.append(f"{herb}{space}{amount}{space}{unit}")
            expected.append((herb, float(amount), unit))
        else:
            parts.append(herb)
            expected.append((herb, None, None))
    text = parts[0]
    for part in parts[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + part
    return text, expected


@PROPERTY_SETTINGS
@given(written_prescription())
def test_a_written_prescription_reads_back_herb_by_herb(case):
    text, expected = case
    doses = parse_prescription(text)
    assert [d.name for d in doses] == [e[0] for e in expected]
    assert all(d.herb.known for d in doses)
    for dose, (_herb, amount, unit) in zip(doses, expected, strict=True):
        assert dose.amount == amount
        if unit is None:
            assert dose.unit is None and dose.grams is None
        elif unit in MASS_UNITS:
            canonical, factor = MASS_UNITS[unit]
            assert (dose.unit, dose.factor) == (canonical, factor)
            assert dose.grams == pytest.approx(amount * factor)
        else:
            assert (dose.unit, dose.grams) == (unit, None)


@PROPERTY_SETTINGS
@given(st.text(alphabet=st.sampled_from([*"川芎知母生地黄耆g克钱两9.0 ,;、（）()先煎斗#", "十", "三"]), max_size=30))
def test_any_text_either_parses_or_says_why_not(text):
    try:
        doses = parse_prescription(text)
    except HerbParseError as error:
        assert error.message and error.rule
    else:
        assert doses and any(d.herb.known for d in doses)
        assert all(d.amount is None or d.amount > 0 for d in doses)


def test_every_standard_name_normalizes_to_itself_unless_a_curated_alias_merges_it():
    for name in KNOWN:
        herb = normalize_herb(name)
        assert herb.known, name
        if herb.standard_name != name:
            assert herb.standard_name in standard_names(), name  # 炒白术 → 白术, 山萸肉 → 山茱萸


# --- curators' spellings, suggestions and the 厘 (issue 6, CAS-2) ----------------------------------


def test_a_curators_spelling_is_read_with_its_processing_and_in_processed_forms():
    from lib.herbs import reference_herb, set_curated_spellings

    try:
        set_curated_spellings({"蜀椒": ("花椒", "")})
        assert normalize_herb("蜀椒").standard_name == "花椒"
        fried = normalize_herb("炒蜀椒")
        assert (fried.standard_name, fried.processing, fried.known) == ("花椒", "炒", True)
        assert not reference_herb("蜀椒").known
    finally:
        set_curated_spellings({})
    assert not normalize_herb("蜀椒").known


def test_suggestions_are_the_known_herbs_inside_an_unknown_spelling():
    from lib.herbs import suggestions

    assert suggestions("白茯苓") == ["茯苓"]
    assert suggestions("香附子")[0] == "香附"
    assert suggestions("新豉") == []


def test_a_li_is_a_tenth_of_a_fen():
    (dose,) = parse_prescription("朱砂5厘")
    assert (dose.unit, dose.factor, dose.grams) == ("厘", 0.03, 0.15)
