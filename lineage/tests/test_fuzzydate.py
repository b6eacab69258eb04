"""Fuzzy dates: what is written is read back to the same value, reign years convert by the table,
values order by their bounds, and what cannot be read is refused naming the field."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.errors import ApplicationError
from lineage.fuzzydate import ABOUT_SPAN, REIGN_ERAS, FuzzyDate, Modifier, Quality, chinese_number, parse

FIELD = "出生"
years = st.integers(min_value=1000, max_value=2100)
qualities = st.sampled_from([Quality.SOURCE, Quality.ESTIMATED, Quality.CALCULATED])


@st.composite
def fuzzy_dates(draw):
    modifier = draw(
        st.sampled_from(
            [Modifier.EXACT, Modifier.ABOUT, Modifier.BEFORE, Modifier.AFTER, Modifier.BETWEEN, Modifier.FROM_TO]
        )
    )
    a = draw(years)
    b = draw(st.integers(min_value=a, max_value=2100))
    bounds = {
        Modifier.EXACT: (a, a),
        Modifier.ABOUT: (a - ABOUT_SPAN, a + ABOUT_SPAN),
        Modifier.BEFORE: (None, a),
        Modifier.AFTER: (a, None),
        Modifier.BETWEEN: (a, b),
        Modifier.FROM_TO: (a, b),
    }[modifier]
    return FuzzyDate(modifier=modifier, earliest=bounds[0], latest=bounds[1], quality=draw(qualities))


@given(fuzzy_dates())
def test_every_written_form_reads_back_to_the_same_value(value):
    parsed = parse(value.render(), field_label=FIELD)
    assert parsed.same_value(value)
    assert str(parsed) == value.render()


def to_chinese(n: int) -> str:
    digits = "〇一二三四五六七八九"
    if n == 1:
        return "元"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


@given(st.sampled_from(sorted(REIGN_ERAS)), st.data())
def test_a_reign_year_in_chinese_numerals_converts_by_the_table(era, data):
    first, last = REIGN_ERAS[era]
    n = data.draw(st.integers(min_value=1, max_value=last))
    value = parse(f"{era}{to_chinese(n)}年", field_label=FIELD)
    assert (value.modifier, value.earliest, value.latest) == (Modifier.EXACT, first + n - 1, first + n - 1)
    assert parse(f"{era}{n}年", field_label=FIELD).earliest == first + n - 1


@given(st.lists(fuzzy_dates(), min_size=2, max_size=8))
def test_values_order_by_their_bounds_whatever_their_text(values):
    ordered = sorted(values, key=lambda v: v.sort_key)
    keys = [v.sort_key for v in ordered]
    assert keys == sorted(keys)
    for value in values:
        # The order key lies within what the value allows.
        assert value.earliest is None or value.earliest <= value.sort_key
        assert value.latest is None or value.sort_key <= value.latest


@pytest.mark.parametrize(
    "text, modifier, earliest, latest",
    [
        ("光绪二十三年", Modifier.EXACT, 1897, 1897),
        ("康熙元年", Modifier.EXACT, 1662, 1662),
        ("乾隆六十年", Modifier.EXACT, 1795, 1795),
        ("民国元年", Modifier.EXACT, 1912, 1912),
        ("宣统三年", Modifier.EXACT, 1911, 1911),
        ("道光十年", Modifier.EXACT, 1830, 1830),
        ("约道光十年", Modifier.ABOUT, 1825, 1835),
        ("咸丰元年前", Modifier.BEFORE, None, 1851),
        ("1865年后", Modifier.AFTER, 1865, None),
        ("1890至1900年之间", Modifier.BETWEEN, 1890, 1900),
        ("1905—1916年", Modifier.FROM_TO, 1905, 1916),
        ("1865年3月5日", Modifier.EXACT, 1865, 1865),
        ("1865-03-05", Modifier.EXACT, 1865, 1865),
        ("1850年前后", Modifier.ABOUT, 1845, 1855),
    ],
)
def test_it_reads_the_forms_of_the_sources(text, modifier, earliest, latest):
    value = parse(text, field_label=FIELD)
    assert (value.modifier, value.earliest, value.latest) == (modifier, earliest, latest)
    assert str(value) == text


def test_the_quality_is_read_from_its_mark():
    assert parse("约1850年（估计）", field_label=FIELD).quality == Quality.ESTIMATED
    assert parse("1850年(推算)", field_label=FIELD).quality == Quality.CALCULATED


def test_an_empty_date_is_no_date():
    assert parse("  ", field_label=FIELD) is None


@pytest.mark.parametrize(
    "text, words",
    [
        ("大顺二年", "未知的年号「大顺」"),
        ("光绪三十五年", "只有 34 年"),
        ("康熙年间", "无法识别的日期"),
        ("1900至1890年之间", "起始年份 1900 晚于结束年份 1890"),
        ("明天", "无法识别的日期"),
    ],
)
def test_it_refuses_what_it_cannot_read_naming_the_field(text, words):
    with pytest.raises(ApplicationError) as caught:
        parse(text, field_label=FIELD, field="birth")
    assert caught.value.message.startswith(f"{FIELD}：")
    assert words in caught.value.message
    assert caught.value.field == "birth"


def test_chinese_numerals():
    assert [chinese_number(t) for t in ("十", "十三", "二十", "廿三", "六十一", "一八九七", "x")] == [
        10,
        13,
        20,
        23,
        61,
        1897,
        None,
    ]
