"""Tests for lib.identifiers (pure functions: no database, no settings)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import stdnum.cn.ric
import stdnum.cn.uscc
from django.core.exceptions import ValidationError
from django.db.migrations.writer import MigrationWriter
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.identifiers import (
    CreditCodeValidator,
    MobileValidator,
    ResidentIdValidator,
    credit_code_check_char,
    mask_resident_id,
    resident_id_birth_date,
    resident_id_check_char,
    validate_credit_code,
    validate_mobile,
    validate_resident_id,
)

# Pinned so the "not in the future" rule is deterministic.
TODAY = date(2025, 6, 1)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

PROVINCES = [
    *(f"{n}" for n in range(11, 16)),
    *(f"{n}" for n in range(21, 24)),
    *(f"{n}" for n in range(31, 38)),
    *(f"{n}" for n in range(41, 47)),
    *(f"{n}" for n in range(50, 55)),
    *(f"{n}" for n in range(61, 66)),
    "71",
]
PERMIT_PREFIXES = ["810000", "820000", "830000"]
DIGITS = "0123456789"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_AUTHORITIES = "123456789ANY"


def _error(func, value, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        func(value, **kwargs)
    return excinfo.value


def _real_date(digits: str) -> bool:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= TODAY


# ---------------------------------------------------------------------------
# Resident identity number: examples
# ---------------------------------------------------------------------------


def test_it_accepts_a_valid_yuncheng_id_number():
    assert validate_resident_id("14080219850103123X", today=TODAY) == ("14080219850103123X")
    assert validate_resident_id("140802199003071233") == "140802199003071233"


def test_it_accepts_the_example_printed_in_gb_11643():
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"


def test_it_upper_cases_x_and_strips_whitespace():
    assert validate_resident_id("  14080219850103123x\n") == "14080219850103123X"


def test_it_folds_full_width_characters():
    assert validate_resident_id("１４０８０２１９８５０１０３１２３ｘ") == ("14080219850103123X")


def test_it_rejects_a_wrong_check_character_and_names_the_expected_one():
    err = _error(validate_resident_id, "140802198501031231")
    assert err.code == "resident_id_check"
    assert err.params["expected"] == "X"
    assert err.messages == ["身份证号码的校验位不正确（GB 11643 规定按 ISO 7064 MOD 11-2 计算，应为 X）"]


@pytest.mark.parametrize(
    "value",
    ["810000199506150041", "820000199506150043", "830000199506150045"],
)
def test_it_accepts_hong_kong_residence_permit_numbers(value):
    # Covers the Macao (82) and Taiwan (83) permits with the same rule.
    assert validate_resident_id(value) == value


def test_it_rejects_residence_permit_numbers_with_a_real_division_code():
    err = _error(validate_resident_id, "810100199001010014")
    assert err.code == "resident_id_region"
    assert "810000" in err.messages[0]
    assert "香港居民居住证" in err.messages[0]


@pytest.mark.parametrize("region", ["00", "10", "16", "20", "38", "47", "66", "72", "84", "99"])
def test_it_rejects_an_unknown_province_code(region):
    first17 = f"{region}010519900101001"
    value = first17 + resident_id_check_char(first17)
    err = _error(validate_resident_id, value)
    assert err.code == "resident_id_region"
    assert region in err.messages[0]


def test_it_rejects_february_30():
    err = _error(validate_resident_id, "110105199902300015")
    assert err.code == "resident_id_birth_date"
    assert "19990230" in err.messages[0]


def test_it_accepts_february_29_in_a_leap_year():
    assert validate_resident_id("110105200002290013") == "110105200002290013"


def test_it_rejects_february_29_in_a_common_year():
    first17 = "11010519000229001"  # 1900 is not a leap year
    err = _error(validate_resident_id, first17 + resident_id_check_char(first17))
    assert err.code == "resident_id_birth_date"


@pytest.mark.parametrize("value", ["110105189912310015", "440524188001010014"])
def test_it_rejects_a_birth_date_before_1900(value):
    # The second one is GB 11643's own example: its check digit is right,
    # but our 1900 floor still applies.
    err = _error(validate_resident_id, value)
    assert err.code == "resident_id_birth_date"
    assert "早于 1900 年 1 月 1 日" in err.messages[0]


def test_it_rejects_a_birth_date_in_the_future():
    first17 = "11010520250602001"
    value = first17 + resident_id_check_char(first17)
    err = _error(validate_resident_id, value, today=TODAY)
    assert err.code == "resident_id_birth_date"
    assert "晚于今天" in err.messages[0]
    # ...but the day itself is fine.
    first17 = "11010520250601001"
    value = first17 + resident_id_check_char(first17)
    assert validate_resident_id(value, today=TODAY) == value


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "不能为空"),
        ("   ", "不能为空"),
        ("14080219850103123", "当前为 17 位"),
        ("14080219850103123X0", "当前为 19 位"),
        ("140802850103123", "15 位的第一代"),
        ("1408021985010312X3", "前 17 位必须是数字"),
        ("14080219850103123Y", "最后一位必须是数字或 X"),
    ],
)
def test_it_rejects_malformed_numbers_with_a_format_error(value, fragment):
    err = _error(validate_resident_id, value)
    assert err.code == "resident_id_format"
    assert fragment in err.messages[0]
    assert "身份证号码" in err.messages[0]


def test_check_char_matches_the_standard_examples():
    assert resident_id_check_char("11010519491231002") == "X"
    assert resident_id_check_char("44052418800101001") == "4"


@pytest.mark.parametrize("bad", ["", "1234", "1101051949123100X", "110105194912310021"])
def test_check_char_refuses_anything_but_17_digits(bad):
    with pytest.raises(ValueError):
        resident_id_check_char(bad)


def test_birth_date_helper_reads_positions_7_to_14():
    assert resident_id_birth_date("14080219850103123x") == date(1985, 1, 3)
    with pytest.raises(ValueError):
        resident_id_birth_date("110105199902300015")
    with pytest.raises(ValueError):
        resident_id_birth_date("not an id")


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("14080219850103123X", "140802********123X"),
        (" 14080219850103123x ", "140802********123X"),
        ("", ""),
        (None, ""),
        ("1234567890", "**********"),
    ],
)
def test_mask_keeps_the_first_six_and_last_four(value, masked):
    assert mask_resident_id(value) == masked


# ---------------------------------------------------------------------------
# Resident identity number: properties
# ---------------------------------------------------------------------------


@st.composite
def valid_resident_ids(draw) -> str:
    if draw(st.booleans()):
        prefix = draw(st.sampled_from(PERMIT_PREFIXES))
    else:
        prefix = draw(st.sampled_from(PROVINCES)) + draw(st.text(DIGITS, min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.text(DIGITS, min_size=3, max_size=3))
    first17 = f"{prefix}{born:%Y%m%d}{sequence}"
    return first17 + resident_id_check_char(first17)


@PROPERTY_SETTINGS
@given(valid_resident_ids())
def test_every_generated_valid_id_is_accepted(value):
    assert validate_resident_id(value, today=TODAY) == value
    assert validate_resident_id(value.lower(), today=TODAY) == value
    assert resident_id_birth_date(value).strftime("%Y%m%d") == value[6:14]
    assert mask_resident_id(value) == value[:6] + "*" * 8 + value[-4:]


@PROPERTY_SETTINGS
@given(st.text(DIGITS, min_size=17, max_size=17))
def test_check_char_agrees_with_python_stdnum(first17):
    # stdnum computes it from the full number, check position included.
    assert resident_id_check_char(first17) == stdnum.cn.ric.calc_check_digit(first17 + "0")


@PROPERTY_SETTINGS
@given(valid_resident_ids(), st.integers(0, 17), st.integers(1, 10))
def test_changing_any_single_character_of_a_valid_id_is_rejected(value, pos, shift):
    alphabet = "0123456789X" if pos == 17 else DIGITS
    old = alphabet.index(value[pos])
    new = alphabet[(old + shift) % len(alphabet)]
    if new == value[pos]:  # shift == len(alphabet) on the digit alphabet
        new = alphabet[(old + 1) % len(alphabet)]
    mutated = value[:pos] + new + value[pos + 1 :]

    err = _error(validate_resident_id, mutated, today=TODAY)

    region_ok = mutated[:6] in PERMIT_PREFIXES if mutated[:2] in ("81", "82", "83") else mutated[:2] in PROVINCES
    if not region_ok:
        assert err.code == "resident_id_region"
    elif not _real_date(mutated[6:14]):
        assert err.code == "resident_id_birth_date"
    else:
        # MOD 11-2 catches every single-digit substitution.
        assert err.code == "resident_id_check"
        assert err.params["expected"] == resident_id_check_char(mutated[:17])


# ---------------------------------------------------------------------------
# Unified social credit code
# ---------------------------------------------------------------------------


def test_it_accepts_a_real_credit_code():
    # Shenzhen Tencent Computer Systems Co., Ltd.
    assert validate_credit_code("9144030071526726XG") == "9144030071526726XG"


def test_it_upper_cases_and_strips_a_credit_code():
    assert validate_credit_code(" 91140800ma0k000008 ") == "91140800MA0K000008"


def test_it_rejects_a_wrong_credit_code_check_character_and_names_the_expected_one():
    err = _error(validate_credit_code, "9144030071526726XH")
    assert err.code == "credit_code_check"
    assert err.params["expected"] == "G"
    assert err.messages == ["统一社会信用代码的校验位不正确（GB 32100-2015 规定按加权模 31 计算，应为 G）"]


@pytest.mark.parametrize("value", ["", "9144030071526726X", "9144030071526726XG0"])
def test_it_rejects_a_credit_code_of_the_wrong_length(value):
    err = _error(validate_credit_code, value)
    assert err.code == "credit_code_length"
    assert f"当前为 {len(value)} 位" in err.messages[0]


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V", "-", "中"])
def test_it_rejects_characters_outside_the_gb_32100_alphabet(letter):
    value = "91440300715267" + letter + "6XG"
    err = _error(validate_credit_code, value)
    assert err.code == "credit_code_charset"
    assert letter in err.messages[0]


def test_it_rejects_an_unknown_registration_authority():
    first17 = "B1440300715267260"
    err = _error(validate_credit_code, first17 + credit_code_check_char(first17))
    assert err.code == "credit_code_authority"
    assert "B" in err.messages[0]


def test_it_rejects_letters_in_the_division_code():
    first17 = "9144A300715267260"
    err = _error(validate_credit_code, first17 + credit_code_check_char(first17))
    assert err.code == "credit_code_division"


@pytest.mark.parametrize("bad", ["", "914403007152672", "9144030071526726I"])
def test_credit_check_char_refuses_bad_input(bad):
    with pytest.raises(ValueError):
        credit_code_check_char(bad)


@st.composite
def valid_credit_codes(draw) -> str:
    first17 = (
        draw(st.sampled_from(USCC_AUTHORITIES))
        + draw(st.sampled_from(USCC_ALPHABET))
        + draw(st.text(DIGITS, min_size=6, max_size=6))
        + draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    )
    return first17 + credit_code_check_char(first17)


@PROPERTY_SETTINGS
@given(valid_credit_codes())
def test_every_generated_valid_credit_code_is_accepted(value):
    assert validate_credit_code(value) == value
    assert validate_credit_code(value.lower()) == value
    # Only the check character is compared: stdnum also insists on digits
    # in positions 1-2, which the standard does not (A, N, Y authorities).
    assert value[17] == stdnum.cn.uscc.calc_check_digit(value[:17])


@PROPERTY_SETTINGS
@given(valid_credit_codes(), st.integers(0, 17), st.data())
def test_any_single_character_substitution_in_a_credit_code_is_rejected(value, pos, data):
    # Substitute only with characters still legal at that position, so the
    # check character is the only thing that can catch it.
    if pos == 0:
        alphabet = USCC_AUTHORITIES
    elif 2 <= pos <= 7:
        alphabet = DIGITS
    else:
        alphabet = USCC_ALPHABET
    new = data.draw(st.sampled_from([c for c in alphabet if c != value[pos]]))
    mutated = value[:pos] + new + value[pos + 1 :]

    err = _error(validate_credit_code, mutated)
    assert err.code == "credit_code_check"
    assert err.params["expected"] == credit_code_check_char(mutated[:17])


# ---------------------------------------------------------------------------
# Mobile numbers
# ---------------------------------------------------------------------------

# Prefixes whose whole 10^8 block is allocated to mobile service
# (154 and 194 are not, so they are left out).
MOBILE_PREFIXES = (
    [f"13{d}" for d in DIGITS]
    + [f"15{d}" for d in DIGITS if d != "4"]
    + [f"18{d}" for d in DIGITS]
    + [f"19{d}" for d in DIGITS if d != "4"]
)

FORMATS = [
    "{n}",
    "{a}-{b}-{c}",
    "{a} {b} {c}",
    "+86{n}",
    "+86 {a} {b} {c}",
    "+86-{a}-{b}-{c}",
    "86-{n}",
    "86{n}",
    "0086 {n}",
    "(+86) {a} {b} {c}",
    "  {n}  ",
]


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "+86 138 1234 5678",
        "86-13812345678",
        "138-1234-5678",
        "+8613812345678",
    ],
)
def test_it_accepts_common_mobile_formattings(value):
    assert validate_mobile(value) == "13812345678"


def test_it_folds_full_width_mobile_digits():
    assert validate_mobile("１３８１２３４５６７８") == "13812345678"


@pytest.mark.parametrize("value", ["0359-2022222", "03592022222", "+86 359 2022222"])
def test_it_rejects_a_yuncheng_landline(value):
    err = _error(validate_mobile, value)
    assert err.code == "mobile_not_mobile"
    assert "固定电话" in err.messages[0]


@pytest.mark.parametrize("value", ["+1 650 253 0000", "+852 9123 4567"])
def test_it_rejects_numbers_outside_mainland_china(value):
    err = _error(validate_mobile, value)
    assert err.code == "mobile_not_cn"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1381234567",
        "138123456789",
        "15412345678",
        "138-CALL-5678",
        "abc",
        "12345678901",
    ],
)
def test_it_rejects_things_that_are_not_mobile_numbers(value):
    err = _error(validate_mobile, value)
    assert err.code in {"mobile_format", "mobile_not_mobile"}
    assert "手机号码" in err.messages[0]


def test_the_generic_mobile_message_gives_an_example():
    err = _error(validate_mobile, "1381234567")
    assert err.code == "mobile_format"
    assert err.messages == ["手机号码应为 11 位中国大陆手机号（如 13812345678）"]


@PROPERTY_SETTINGS
@given(
    st.sampled_from(MOBILE_PREFIXES),
    st.text(DIGITS, min_size=8, max_size=8),
    st.sampled_from(FORMATS),
)
def test_generated_mobiles_normalise_to_the_same_eleven_digits(prefix, rest, fmt):
    number = prefix + rest
    formatted = fmt.format(n=number, a=number[:3], b=number[3:7], c=number[7:])
    assert validate_mobile(formatted) == number


# ---------------------------------------------------------------------------
# Django validator wrappers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "good", "bad", "code"),
    [
        (
            ResidentIdValidator,
            "14080219850103123X",
            "140802198501031231",
            "resident_id_check",
        ),
        (
            CreditCodeValidator,
            "9144030071526726XG",
            "9144030071526726XH",
            "credit_code_check",
        ),
        (MobileValidator, "13812345678", "0359-2022222", "mobile_not_mobile"),
    ],
)
def test_validator_classes_wrap_the_functions(validator, good, bad, code):
    instance = validator()
    assert instance(good) is None
    err = _error(instance, bad)
    assert err.code == code


@pytest.mark.parametrize("validator", [ResidentIdValidator, CreditCodeValidator, MobileValidator])
def test_validator_classes_serialise_into_migrations(validator):
    path, args, kwargs = validator().deconstruct()
    assert path == f"lib.identifiers.{validator.__name__}"
    assert (args, kwargs) == ((), {})
    assert validator() == validator()
    assert MigrationWriter.serialize(validator()) == (
        f"lib.identifiers.{validator.__name__}()",
        {"import lib.identifiers"},
    )


def test_a_recent_birth_date_is_accepted_with_the_real_clock():
    # No ``today`` passed: uses the real clock.  Yesterday is safe in any
    # server time zone.
    born = date.today() - timedelta(days=1)
    first17 = f"140802{born:%Y%m%d}001"
    value = first17 + resident_id_check_char(first17)
    assert validate_resident_id(value) == value
