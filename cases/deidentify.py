"""De-identification of case records (issue 6 §2), shared by the doctor's own entry (cases/services.py)
and the spreadsheet import (cases/importing.py): a patient becomes a keyed pseudonym and an age
band, and free text loses the name, ID and phone numbers and exact dates."""

from __future__ import annotations

import re

from lib import fieldcrypt

SCRUBBED = "〔已脱敏〕"

# Resident ID numbers (18 or 15 digits), mobile and landline numbers, and exact dates. Longest
# first, so an ID number is not half-eaten as a phone number.
_SCRUB = [
    re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
    re.compile(r"(?<!\d)\d{15}(?!\d)"),
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"),
    re.compile(r"(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"),
    re.compile(r"(?<!\d)(?:19|20)\d{2}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*[日号]?"),
    re.compile(r"(?<!\d)\d{1,2}\s*月\s*\d{1,2}\s*[日号]"),
    re.compile(r"(?<!\d)(?:19|20)\d{6}(?!\d)"),
]


def scrub(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Free text without the patient's name, ID and phone numbers or exact dates."""
    for name in names:
        if name:
            text = text.replace(name, SCRUBBED)
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
