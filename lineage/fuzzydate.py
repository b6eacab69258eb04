"""Fuzzy dates (issue 15 §2): the one value type for every date of the lineage app.

A date is kept as it was written (光绪二十三年, 约1850, 1890至1900之间) and, beside it, the earliest
and latest Gregorian year it allows, so that the database can sort and compare without reading
the text again. The modifiers are those of GEDCOM 7 and Gramps: exact, about (约), before (前),
after (后), between (A至B之间) and from–to (A—B); the quality says whether the year was
estimated (估计) or calculated (推算) rather than read in a source.

Years only: the sources of a lineage (家谱、县志、医案) rarely give more, and a day written beside a
year is kept in the text but does not narrow the bounds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lib.errors import ApplicationError

# Reign eras (年号) of the Ming and Qing and the Republic: (first Gregorian year, last year number).
# Year N of an era is first + N - 1 (元年 is year 1), the conversion every table uses for
# years (the few weeks of a lunar year that fall in the next Gregorian year are not a year's
# difference for a lineage). Source: 万国鼎《中国历史纪年表》(中华书局, 1978 and later printings),
# checked against 方诗铭《中国历史纪年表》(上海辞书出版社, 1980); every first year below was
# double-checked with a known anchor (光绪二十三年 = 1897, 康熙元年 = 1662, 乾隆六十年 = 1795,
# 民国元年 = 1912). The Later Jin eras (天命、天聪) and 崇德 are Qing before 1644.
REIGN_ERAS: dict[str, tuple[int, int]] = {
    # Ming
    "洪武": (1368, 31),
    "建文": (1399, 4),
    "永乐": (1403, 22),
    "洪熙": (1425, 1),
    "宣德": (1426, 10),
    "正统": (1436, 14),
    "景泰": (1450, 8),
    "天顺": (1457, 8),
    "成化": (1465, 23),
    "弘治": (1488, 18),
    "正德": (1506, 16),
    "嘉靖": (1522, 45),
    "隆庆": (1567, 6),
    "万历": (1573, 48),
    "泰昌": (1620, 1),
    "天启": (1621, 7),
    "崇祯": (1628, 17),
    # Qing (and Later Jin)
    "天命": (1616, 11),
    "天聪": (1627, 10),
    "崇德": (1636, 8),
    "顺治": (1644, 18),
    "康熙": (1662, 61),
    "雍正": (1723, 13),
    "乾隆": (1736, 60),
    "嘉庆": (1796, 25),
    "道光": (1821, 30),
    "咸丰": (1851, 11),
    "同治": (1862, 13),
    "光绪": (1875, 34),
    "宣统": (1909, 3),
    # The Republic on the mainland, to its 38th year (1949).
    "民国": (1912, 38),
}

# An "about" year reaches this far either way: wide enough for a source's round number, narrow
# enough that ordering still means something.
ABOUT_SPAN = 5
MIN_YEAR, MAX_YEAR = 1, 2200

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


class Modifier:
    EXACT = "exact"
    ABOUT = "about"
    BEFORE = "before"
    AFTER = "after"
    BETWEEN = "between"
    FROM_TO = "from_to"


class Quality:
    SOURCE = ""
    ESTIMATED = "estimated"
    CALCULATED = "calculated"


QUALITY_MARKS = {Quality.ESTIMATED: "（估计）", Quality.CALCULATED: "（推算）"}


def chinese_number(text: str) -> int | None:
    """一 → 1, 十三 → 13, 二十三 → 23, 廿三 → 23, 六十一 → 61, 一八九七 → 1897; None if not a number."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    text = text.replace("廿", "二十").replace("卅", "三十")
    if "十" in text:
        head, _sep, tail = text.partition("十")
        if "十" in tail or (head and head not in DIGITS) or (tail and tail not in DIGITS):
            return None
        return (DIGITS[head] if head else 1) * 10 + (DIGITS[tail] if tail else 0)
    if all(c in DIGITS for c in text):
        value = 0
        for c in text:
            value = value * 10 + DIGITS[c]
        return value
    return None


@dataclass(frozen=True)
class FuzzyDate:
    modifier: str
    earliest: int | None
    latest: int | None
    quality: str = Quality.SOURCE
    text: str = ""

    def __str__(self) -> str:
        return self.text or self.render()

    def render(self) -> str:
        """The canonical written form of the value (for values built in code, not parsed)."""
        body = {
            Modifier.EXACT: lambda: f"{self.earliest}年",
            Modifier.ABOUT: lambda: f"约{self.earliest + ABOUT_SPAN}年",
            Modifier.BEFORE: lambda: f"{self.latest}年前",
            Modifier.AFTER: lambda: f"{self.earliest}年后",
            Modifier.BETWEEN: lambda: f"{self.earliest}至{self.latest}年之间",
            Modifier.FROM_TO: lambda: f"{self.earliest}—{self.latest}年",
        }[self.modifier]()
        return body + QUALITY_MARKS.get(self.quality, "")

    @property
    def sort_key(self) -> int:
        """The year the value is ordered by: its earliest, or its latest when it has no earliest."""
        return self.earliest if self.earliest is not None else self.latest

    def same_value(self, other: FuzzyDate) -> bool:
        return (self.modifier, self.earliest, self.latest, self.quality) == (
            other.modifier,
            other.earliest,
            other.latest,
            other.quality,
        )


_YEAR = r"(?:\d{1,4}|[〇零一二两三四五六七八九十廿卅]+)"
_ERA = "|".join(sorted(REIGN_ERAS, key=len, reverse=True))
# One year as written: a reign year (光绪二十三年, 民国元年) or a Gregorian one (1897, 1897年,
# 1897年3月5日, 1897-03-05).
_ONE = rf"(?:(?:公元)?\d{{1,4}}(?:-\d{{1,2}}-\d{{1,2}}|年(?:\d{{1,2}}月(?:\d{{1,2}}日)?)?)?|[\u4e00-\u9fff]{{2}}(?:元|{_YEAR})年)"


def _year(token: str, field_label: str, field: str | None) -> int:
    token = token.strip()
    match = re.fullmatch(r"(?:公元)?(\d{1,4})(?:-\d{1,2}-\d{1,2}|年(?:\d{1,2}月(?:\d{1,2}日)?)?)?", token)
    if match:
        year = int(match.group(1))
    else:
        match = re.fullmatch(rf"([\u4e00-\u9fff]{{2}})(元|{_YEAR})年", token)
        if not match:
            raise ApplicationError(
                _("%(field)s：无法识别的年份「%(text)s」") % {"field": field_label, "text": token}, field=field
            )
        era, number = match.group(1), match.group(2)
        if era not in REIGN_ERAS:
            raise ApplicationError(
                _("%(field)s：未知的年号「%(era)s」（支持明、清年号和民国）") % {"field": field_label, "era": era},
                field=field,
            )
        first, last = REIGN_ERAS[era]
        n = 1 if number == "元" else chinese_number(number)
        if n is None or not 1 <= n <= last:
            raise ApplicationError(
                _("%(field)s：「%(era)s」年号只有 %(last)s 年，「%(text)s」不存在")
                % {"field": field_label, "era": era, "last": last, "text": token},
                field=field,
            )
        year = first + n - 1
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ApplicationError(
            _("%(field)s：年份 %(year)s 超出范围（%(min)s—%(max)s）")
            % {"field": field_label, "year": year, "min": MIN_YEAR, "max": MAX_YEAR},
            field=field,
        )
    return year


_PATTERNS = [
    (Modifier.BETWEEN, re.compile(rf"^(?:在)?({_ONE})(?:至|到|和|与)({_ONE})(?:年)?之间$")),
    (Modifier.FROM_TO, re.compile(rf"^(?:从)?({_ONE})(?:—|–|-|~|～|至|到)({_ONE})(?:年)?$")),
    (Modifier.ABOUT, re.compile(rf"^(?:约|大约|约在)({_ONE})(?:前后|左右)?$|^({_ONE})(?:前后|左右)$")),
    (Modifier.BEFORE, re.compile(rf"^({_ONE})(?:以前|之前|前)$")),
    (Modifier.AFTER, re.compile(rf"^({_ONE})(?:以后|之后|后)$")),
    (Modifier.EXACT, re.compile(rf"^({_ONE})$")),
]


def parse(text: str | None, *, field_label: str, field: str | None = None) -> FuzzyDate | None:
    """The value of a date as written, None for an empty one; an ApplicationError naming the field
    when it cannot be read."""
    written = (text or "").strip()
    if not written:
        return None
    body = re.sub(r"\s+", "", written)
    quality = Quality.SOURCE
    for q, mark in QUALITY_MARKS.items():
        for form in (mark, mark.replace("（", "(").replace("）", ")")):
            if body.endswith(form):
                body, quality = body[: -len(form)], q
    for modifier, pattern in _PATTERNS:
        match = pattern.match(body)
        if not match:
            continue
        years = [_year(g, field_label, field) for g in match.groups() if g]
        if modifier == Modifier.EXACT:
            earliest = latest = years[0]
        elif modifier == Modifier.ABOUT:
            earliest, latest = years[0] - ABOUT_SPAN, years[0] + ABOUT_SPAN
        elif modifier == Modifier.BEFORE:
            earliest, latest = None, years[0]
        elif modifier == Modifier.AFTER:
            earliest, latest = years[0], None
        else:
            earliest, latest = years
            if earliest > latest:
                raise ApplicationError(
                    _("%(field)s：起始年份 %(a)s 晚于结束年份 %(b)s")
                    % {"field": field_label, "a": earliest, "b": latest},
                    field=field,
                )
        return FuzzyDate(modifier=modifier, earliest=earliest, latest=latest, quality=quality, text=written)
    raise ApplicationError(
        _("%(field)s：无法识别的日期「%(text)s」，可写 1897、约1850、1900年前、1890至1900年之间、光绪二十三年等")
        % {"field": field_label, "text": written},
        field=field,
    )


def may_precede(a: FuzzyDate | None, b: FuzzyDate | None) -> bool:
    """Whether `a` can be earlier than or the same year as `b`, given what the two allow: false
    only when a's earliest year is after b's latest."""
    if a is None or b is None or a.earliest is None or b.latest is None:
        return True
    return a.earliest <= b.latest
