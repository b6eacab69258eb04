"""Validation and normalisation of Chinese identifiers.

Pure helpers: no models, no database, no Django settings required, so they
can be used from forms, model validators, import scripts and tests alike.

Every ``validate_*`` function returns the canonical form of the value (what
should be stored) or raises ``ValidationError`` with a stable ``code`` and a
Chinese message that names the field and the rule that was broken, because
the people reading these messages are clerks fixing a form, not developers.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

__all__ = [
    "CreditCodeValidator",
    "MobileValidator",
    "ResidentIdValidator",
    "credit_code_check_char",
    "mask_resident_id",
    "resident_id_birth_date",
    "resident_id_check_char",
    "validate_credit_code",
    "validate_mobile",
    "validate_resident_id",
]


def _clean(value: object) -> str:
    # NFKC folds full-width digits/letters (common with Chinese IMEs) into
    # ASCII, so "１４０８…ｘ" is treated the same as "1408…x".
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _china_today() -> date:
    # Birth dates on the card are Beijing dates; the server may run in UTC,
    # which would wrongly reject someone born "today" before 08:00 Beijing.
    # China has had no DST since 1991, so a fixed offset needs no tzdata.
    return datetime.now(timezone(timedelta(hours=8))).date()


# ---------------------------------------------------------------------------
# Resident identity number (GB 11643-1999)
# ---------------------------------------------------------------------------

_RID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_CHECK_MAP = "10X98765432"
_RID_RE = re.compile(r"[0-9]{17}[0-9X]")
_RID_MIN_BIRTH = date(1900, 1, 1)

# Province-level codes of GB/T 2260 (first two digits).
_RID_PROVINCES: frozenset[str] = frozenset(
    f"{n:02d}"
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
    )
)
# Residence permits for Hong Kong, Macao and Taiwan residents carry a fixed
# pseudo-region instead of a real division code, so the whole prefix is fixed.
_RID_PERMIT_PREFIXES: dict[str, tuple[str, str]] = {
    "81": ("810000", "香港居民居住证"),
    "82": ("820000", "澳门居民居住证"),
    "83": ("830000", "台湾居民居住证"),
}


def resident_id_check_char(first17: str) -> str:
    """Return the GB 11643 check character (ISO 7064 MOD 11-2) for 17 digits.

    Raises ``ValueError`` (a programming error, not user input) if
    ``first17`` is not exactly 17 ASCII digits.
    """
    if not re.fullmatch(r"[0-9]{17}", first17 or ""):
        raise ValueError("first17 must be exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _RID_WEIGHTS, strict=True))
    return _RID_CHECK_MAP[total % 11]


def _rid_parse_date(digits: str) -> date | None:
    try:
        return datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return None


def resident_id_birth_date(value: str) -> date:
    """Return the birth date encoded in positions 7-14 of an 18-char ID.

    Only the structure is checked here (use ``validate_resident_id`` for a
    full check); raises ``ValueError`` if no real date can be read.
    """
    cleaned = _clean(value).upper()
    if not _RID_RE.fullmatch(cleaned):
        raise ValueError("not an 18-character resident identity number")
    born = _rid_parse_date(cleaned[6:14])
    if born is None:
        raise ValueError(f"positions 7-14 ({cleaned[6:14]}) are not a real date")
    return born


def validate_resident_id(value: str, *, today: date | None = None) -> str:
    """Validate a PRC resident identity number and return it normalised.

    Normalisation: surrounding whitespace stripped, full-width characters
    folded, a trailing ``x`` upper-cased. ``today`` exists so tests can pin
    the "not in the future" rule; it defaults to the current Beijing date.
    """
    cleaned = _clean(value).upper()

    if not _RID_RE.fullmatch(cleaned):
        if not cleaned:
            message = "身份证号码不能为空，应为 18 位（前 17 位为数字，最后一位为数字或 X）"
        elif len(cleaned) == 15 and cleaned.isascii() and cleaned.isdigit():
            # First-generation cards were withdrawn in 2013; say so rather
            # than just "wrong length" so the user knows what to look for.
            message = "身份证号码应为 18 位；15 位的第一代身份证号码已停止使用，请填写 18 位号码"
        elif len(cleaned) != 18:
            message = "身份证号码应为 18 位（前 17 位为数字，最后一位为数字或 X），当前为 %(length)s 位"
        else:
            message = "身份证号码格式不正确：前 17 位必须是数字，最后一位必须是数字或 X"
        raise ValidationError(message, code="resident_id_format", params={"length": len(cleaned)})

    region = cleaned[:2]
    if region in _RID_PERMIT_PREFIXES:
        prefix, label = _RID_PERMIT_PREFIXES[region]
        if cleaned[:6] != prefix:
            raise ValidationError(
                "%(label)s号码的前 6 位应为 %(prefix)s，当前为 %(actual)s",
                code="resident_id_region",
                params={"label": label, "prefix": prefix, "actual": cleaned[:6]},
            )
    elif region not in _RID_PROVINCES:
        raise ValidationError(
            "身份证号码的前 2 位地区码 %(region)s 不是有效的省级行政区划代码（GB/T 2260）",
            code="resident_id_region",
            params={"region": region},
        )

    birth_digits = cleaned[6:14]
    born = _rid_parse_date(birth_digits)
    if born is None:
        raise ValidationError(
            "身份证号码第 7–14 位的出生日期 %(birth)s 不是真实存在的日期（应为 YYYYMMDD）",
            code="resident_id_birth_date",
            params={"birth": birth_digits},
        )
    if born < _RID_MIN_BIRTH:
        raise ValidationError(
            "身份证号码第 7–14 位的出生日期 %(birth)s 早于 1900 年 1 月 1 日",
            code="resident_id_birth_date",
            params={"birth": birth_digits},
        )
    if born > (today or _china_today()):
        raise ValidationError(
            "身份证号码第 7–14 位的出生日期 %(birth)s 晚于今天",
            code="resident_id_birth_date",
            params={"birth": birth_digits},
        )

    expected = resident_id_check_char(cleaned[:17])
    if cleaned[17] != expected:
        raise ValidationError(
            "身份证号码的校验位不正确（GB 11643 规定按 ISO 7064 MOD 11-2 计算，应为 %(expected)s）",
            code="resident_id_check",
            params={"expected": expected, "actual": cleaned[17]},
        )
    return cleaned


def mask_resident_id(value: str) -> str:
    """Mask an ID for display: keep the first 6 and last 4 characters.

    The region and check tail are enough for a clerk to match a record by
    eye without exposing the birth date.  Inputs too short to mask safely
    are masked completely rather than partially leaked.
    """
    cleaned = _clean(value).upper()
    if not cleaned:
        return ""
    if len(cleaned) <= 10:
        return "*" * len(cleaned)
    return cleaned[:6] + "*" * (len(cleaned) - 10) + cleaned[-4:]


# ---------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# ---------------------------------------------------------------------------

# I, O, Z, S, V are left out by the standard to avoid confusion with 1/0/2/5/U.
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_AUTHORITIES = frozenset("123456789ANY")


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters.

    Raises ``ValueError`` if ``first17`` is not 17 characters of the code's
    31-character alphabet.
    """
    if len(first17 or "") != 17 or any(c not in _USCC_VALUES for c in first17):
        raise ValueError("first17 must be 17 characters from the GB 32100 alphabet")
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Validate a unified social credit code and return it upper-cased."""
    cleaned = _clean(value).upper()

    if len(cleaned) != 18:
        raise ValidationError(
            "统一社会信用代码应为 18 位（GB 32100-2015），当前为 %(length)s 位",
            code="credit_code_length",
            params={"length": len(cleaned)},
        )

    bad = [c for c in cleaned if c not in _USCC_VALUES]
    if bad:
        raise ValidationError(
            "统一社会信用代码含有非法字符 %(chars)s（只能使用数字 0-9 和除 I、O、Z、S、V 以外的大写字母）",
            code="credit_code_charset",
            params={"chars": "、".join(dict.fromkeys(bad))},
        )

    if cleaned[0] not in _USCC_AUTHORITIES:
        raise ValidationError(
            "统一社会信用代码第 1 位登记管理部门代码 %(char)s 无效（应为 1-9、A、N 或 Y）",
            code="credit_code_authority",
            params={"char": cleaned[0]},
        )

    # Position 2 (organisation type) is only constrained to the alphabet:
    # the per-authority type tables keep growing and a stale list here would
    # reject genuine codes.
    if not cleaned[2:8].isdigit():
        raise ValidationError(
            "统一社会信用代码第 3–8 位应为 6 位数字的登记管理机关行政区划码，当前为 %(division)s",
            code="credit_code_division",
            params={"division": cleaned[2:8]},
        )

    expected = credit_code_check_char(cleaned[:17])
    if cleaned[17] != expected:
        raise ValidationError(
            "统一社会信用代码的校验位不正确（GB 32100-2015 规定按加权模 31 计算，应为 %(expected)s）",
            code="credit_code_check",
            params={"expected": expected, "actual": cleaned[17]},
        )
    return cleaned


# ---------------------------------------------------------------------------
# Mainland China mobile numbers
# ---------------------------------------------------------------------------

# phonenumbers happily turns letters into keypad digits ("138-CALL-...") and
# reads "ext."; users here only ever type digits and separators, so anything
# else is far more likely a typo than a vanity number.
_MOBILE_ALLOWED_RE = re.compile(r"[0-9+\-\s().]+")
_MOBILE_EXAMPLE = "手机号码应为 11 位中国大陆手机号（如 13812345678）"


def validate_mobile(value: str) -> str:
    """Validate a mainland China mobile number and return its 11 bare digits.

    Accepts common formattings: ``13812345678``, ``+86 138 1234 5678``,
    ``86-13812345678``, ``0086 13812345678``, with spaces or hyphens.
    """
    cleaned = _clean(value)
    if not cleaned:
        raise ValidationError("手机号码不能为空；" + _MOBILE_EXAMPLE, code="mobile_format")
    if not _MOBILE_ALLOWED_RE.fullmatch(cleaned):
        raise ValidationError(
            _MOBILE_EXAMPLE + "，只能包含数字、空格、“+”和“-”",
            code="mobile_format",
        )

    try:
        number = phonenumbers.parse(cleaned, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_MOBILE_EXAMPLE, code="mobile_format") from None

    if number.country_code != 86:
        raise ValidationError(
            "手机号码必须是中国大陆号码（+86），当前为 +%(country)s 的号码；" + _MOBILE_EXAMPLE,
            code="mobile_not_cn",
            params={"country": number.country_code},
        )
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_MOBILE_EXAMPLE, code="mobile_format")

    number_type = phonenumbers.number_type(number)
    if number_type != phonenumbers.PhoneNumberType.MOBILE:
        if number_type == phonenumbers.PhoneNumberType.FIXED_LINE:
            message = "手机号码不能填写固定电话号码；" + _MOBILE_EXAMPLE
        else:
            message = "该号码不是手机号码；" + _MOBILE_EXAMPLE
        raise ValidationError(message, code="mobile_not_mobile")

    national = str(number.national_number)
    # Defensive: metadata updates should never yield anything else for a
    # CN mobile, but the stored form is promised to be exactly 11 digits.
    if len(national) != 11 or not national.startswith("1"):
        raise ValidationError(_MOBILE_EXAMPLE, code="mobile_format")
    return national


# ---------------------------------------------------------------------------
# Django field validators
# ---------------------------------------------------------------------------


class _BaseValidator:
    # Stateless, so all instances are interchangeable; equality keeps the
    # migration autodetector from seeing spurious changes.
    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))


@deconstructible(path="lib.identifiers.ResidentIdValidator")
class ResidentIdValidator(_BaseValidator):
    """Field validator for PRC resident identity numbers."""

    def __call__(self, value: str) -> None:
        validate_resident_id(value)


@deconstructible(path="lib.identifiers.CreditCodeValidator")
class CreditCodeValidator(_BaseValidator):
    """Field validator for unified social credit codes."""

    def __call__(self, value: str) -> None:
        validate_credit_code(value)


@deconstructible(path="lib.identifiers.MobileValidator")
class MobileValidator(_BaseValidator):
    """Field validator for mainland China mobile numbers."""

    def __call__(self, value: str) -> None:
        validate_mobile(value)
