"""De-identification of case records (issue 6 §2), shared by the doctor's own entry (cases/services.py)
and the spreadsheet import (cases/importing.py): a patient becomes a keyed pseudonym and an age
band, and free text loses the name, ID, phone, card and record numbers, e-mail addresses, home addresses
below the township and exact dates (issue 13 §12)."""

from __future__ import annotations

import re

from lib import fieldcrypt

SCRUBBED = "〔已脱敏〕"

# A value after its label: the label stays, so a reader knows what was there.
_LABELLED = re.compile(
    r"(?P<label>住院号|门诊号|病历号|病案号|床号|医保卡号|社保卡号|银行卡号|卡号|身份证号?|证件号码?|"
    r"微信号?|[Qq][Qq]号?|电话|手机号?|联系方式)(?P<sep>\s*[:：]?\s*)(?P<value>[A-Za-z0-9][A-Za-z0-9_-]{2,})"
)
# Where someone lives. A county or township names thousands of people and stays; a village group,
# a street number, a building or a flat names a household and goes.
_ADDRESS_LABELLED = re.compile(
    r"(?P<label>家庭住址|住址|地址|家住|住在|现住|居住于|户籍地)(?P<sep>\s*[:：]?\s*)(?P<value>[^\s，。；,;、！？]{2,40})"
)
_ADDRESS = re.compile(
    r"[\u4e00-\u9fa5]{1,8}(?:村|社区|小区|路|街|巷|弄|胡同|大道|公寓|花园|家属院)\s*"
    r"(?:[\d一二三四五六七八九十]+\s*(?:号院|号楼|号|组|队|栋|幢|楼|单元|室|排)\s*)+"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# Resident ID numbers (18 or 15 digits), bank cards, mobile and landline numbers, and exact dates.
# Longest first, so an ID number is not half-eaten as a phone number.
_SCRUB = [
    _EMAIL,
    re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
    re.compile(r"(?<!\d)\d{16,19}(?!\d)"),
    re.compile(r"(?<!\d)\d{15}(?!\d)"),
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"),
    re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"),
    re.compile(r"(?<!\d)(?:19|20)\d{2}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*[日号]?"),
    re.compile(r"(?<!\d)\d{1,2}\s*月\s*\d{1,2}\s*[日号]"),
    re.compile(r"(?<!\d)(?:19|20)\d{6}(?!\d)"),
]


def scrub(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Free text without the patient's name, identifying numbers, addresses or exact dates."""
    for name in names:
        if name:
            text = text.replace(name, SCRUBBED)
    text = _LABELLED.sub(lambda m: f"{m['label']}{m['sep']}{SCRUBBED}", text)
    text = _ADDRESS_LABELLED.sub(lambda m: f"{m['label']}{m['sep']}{SCRUBBED}", text)
    text = _ADDRESS.sub(SCRUBBED, text)
    for pattern in _SCRUB:
        text = pattern.sub(SCRUBBED, text)
    return text


def patient_key(*, name: str, sex: str = "", birth: str = "") -> str:
    """The keyed hash a patient is known by: the same name, sex and birth date give the same key."""
    return fieldcrypt.keyed_hash(f"case-patient|{name.strip()}|{sex}|{birth.strip()}")


def age_band(age: int) -> str:
    if age < 1:
        return "1岁以下"
    if age >= 90:
        return "90岁及以上"
    if age < 10:
        return "1–9岁"
    low = age // 10 * 10
    return f"{low}–{low + 9}岁"
