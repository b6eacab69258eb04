"""Herb names and doses in prescriptions (CAS-2): parse `酸枣仁90g;川芎7g;知母14g`, map aliases and
processed forms to standard names, and look up nature (四气), flavours (五味) and meridians (归经).

The reference tables are in `cases/data/` (see its README for sources and precedence). They are read
once per process, on first use.
"""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from lib.errors import ApplicationError

DATA_DIR = Path(__file__).resolve().parent.parent / "cases" / "data"


class HerbParseError(ApplicationError):
    """A prescription text that cannot be read. `fragment` is the piece of text at fault and
    `rule` the rule it breaks, both in Chinese so the message can be shown as is; `suggestions`
    are what the writer most likely meant (茯苓15gg → 茯苓15g), named in the message."""

    def __init__(self, fragment: str, rule: str, *, suggestions: Iterable[str] = ()):
        self.fragment = fragment
        self.rule = rule
        self.suggestions = tuple(dict.fromkeys(suggestions))
        message = f"「{fragment}」：{rule}"
        if self.suggestions:
            message += "；建议改为" + "或".join(f"「{s}」" for s in self.suggestions)
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class NormalizedHerb:
    standard_name: str | None
    processing: str
    original: str
    known: bool


@dataclass(frozen=True, slots=True)
class HerbDose:
    name: str  # as written, without dose and notes
    herb: NormalizedHerb | None  # None when parsed without normalization
    amount: float | None  # the number as written
    unit: str | None  # canonical unit, e.g. "g", "钱", "枚"
    grams: float | None  # amount × factor; None for counts, volumes and doses without a unit
    factor: float | None  # grams per unit
    note: str = ""  # decoction or administration note: 先煎, 后下 …

    @property
    def herb_name(self) -> str:
        """The standard name when the herb is known, else the name as written."""
        if self.herb is not None and self.herb.known:
            return self.herb.standard_name
        return self.name


@dataclass(frozen=True, slots=True)
class HerbProperties:
    name: str
    nature: str
    flavours: tuple[str, ...]
    meridians: tuple[str, ...]
    main_efficacy: str
    sub_efficacy: str


# --- reference tables ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tables:
    properties: dict[str, HerbProperties]
    # spelling → standard name from herbs.csv and the curated aliases: trusted over everything else
    curated: dict[str, str]
    # spelling → standard name from the herbal pieces (their names and synonyms), which are broad
    pieces: dict[str, str]


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@cache
def _tables() -> _Tables:
    properties: dict[str, HerbProperties] = {}
    # herbs_added.csv: medicinals the upstream table lacks, each with its source; upstream wins.
    for table in ("herbs_added.csv", "herbs.csv"):
        with open(DATA_DIR / table, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                name = row["name"].strip()
                properties[name] = HerbProperties(
                    name=name,
                    nature=row["nature"].strip(),
                    flavours=_split_list(row["flavours"]),
                    meridians=_split_list(row["meridians"]),
                    main_efficacy=row["main_efficacy"].strip(),
                    sub_efficacy=row["sub_efficacy"].strip(),
                )
    with open(DATA_DIR / "herb_aliases.csv", encoding="utf-8", newline="") as f:
        aliases = {row["alias"].strip(): row["standard_name"].strip() for row in csv.DictReader(f)}
    pieces: list[str] = []
    synonyms: dict[str, str] = {}
    with open(DATA_DIR / "herbal_pieces.tsv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            name = row["Chinese_herbal_pieces"].strip()
            pieces.append(name)
            for synonym in row["Chinese_synonyms"].split("|"):
                synonym = synonym.strip()
                if synonym and synonym != name:
                    synonyms.setdefault(synonym, name)

    # A curated alias wins over a herbs.csv name when it leads to another herbs.csv name
    # (炒白术 → 白术, 山萸肉 → 山茱萸): the curators merged them on purpose. When its target has no
    # properties (龟板胶 → 龟甲胶) the herbs.csv name is kept, so its properties are not lost.
    curated = dict(aliases)
    curated.update((name, name) for name in properties)
    curated.update((alias, target) for alias, target in aliases.items() if target in properties)
    # A herbal piece that the curated tables know under another name leads there (芍药 → 白芍).
    piece_names = dict(synonyms)
    piece_names.update((name, name) for name in pieces)
    pieces_lookup = {spelling: curated.get(target, target) for spelling, target in piece_names.items()}
    return _Tables(properties=properties, curated=curated, pieces=pieces_lookup)


def load() -> None:
    """Reads the tables now rather than on first use (e.g. before timing something)."""
    _tables()


# Spellings settled by a curator (cases.HerbMapping): spelling → (standard name, processing).
# Consulted before the reference tables; the caller keeps them in step with its database.
_curated_spellings: dict[str, tuple[str, str]] = {}


def set_curated_spellings(mapping: dict[str, tuple[str, str]]) -> None:
    """Replaces the curators' spellings and forgets every name resolved so far."""
    global _curated_spellings
    _curated_spellings = {clean_name(k): v for k, v in mapping.items()}
    _resolve.cache_clear()


def reference_herb(name: str) -> NormalizedHerb:
    """`name` read by the reference tables alone, without the curators' spellings: what a curator
    may map an unknown spelling to."""
    return _resolve(clean_name(name), curated_only=False, settled=False)


def standard_names() -> frozenset[str]:
    """Herbs with properties (herbs.csv)."""
    return frozenset(_tables().properties)


def herb_properties(standard_name: str) -> HerbProperties | None:
    return _tables().properties.get(standard_name)


# --- normalization ------------------------------------------------------------------------------

# Processing (炮制) written before the herb: 炒白术, 酒大黄, 麸炒白术. Longest first. Compound forms
# (酒炒白芍) are read one prefix at a time.
PROCESSING_PREFIXES = sorted(
    "麸炒 土炒 米炒 盐水炒 生 炒 炙 制 煅 酒 醋 盐 蜜 焦 炮 姜 煨 蒸 熟 鲜 干 净".split(), key=len, reverse=True
)
# … and after it, as the classic formulas write it: 白术炒, 牛膝酒蒸, 黄柏盐水炒, 大黄炭, 三七粉.
PROCESSING_SUFFIXES = sorted(
    "炒 炙 制 酒 醋 蒸 煅 炭 末 粉 生用 酒蒸 酒炒 酒洗 盐水炒 盐炒 醋炒 土蒸 乳蒸 土炒 去白 去心 去皮 去节 去尖 去皮尖".split(),
    key=len,
    reverse=True,
)
# Places of origin and grade (道地): 川当归, 怀山药. Dropped without being recorded as processing; the
# original spelling is kept in NormalizedHerb.original.
ORIGIN_PREFIXES = "川 广 怀 淮 云 杭 亳 建 浙 北 西 东 关 台 辽 潞 真".split()

_SPACES = re.compile(r"\s+")


def clean_name(name: str) -> str:
    """Full-width forms folded (NFKC), spaces removed."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name))


def normalize_herb(name: str) -> NormalizedHerb:
    """The standard name of a herb as written, with its processing kept apart.

    Exact spellings win over stripping: 生姜 and 熟地黄 are herbs of their own, not processed 姜 or
    地黄. A processing prefix or suffix is stripped only when what remains is a known herb. Unknown
    names come back with known=False and standard_name None.
    """
    return _normalize(clean_name(name))


def _normalize(name: str) -> NormalizedHerb:
    return _resolve(name, curated_only=False, settled=True)


@lru_cache(maxsize=65536)
def _resolve(name: str, *, curated_only: bool, settled: bool) -> NormalizedHerb:
    """In order: herbs.csv and the curated aliases; a processed form of one of those (醋郁金 is
    郁金 processed with vinegar, although the herbal pieces list 醋郁金 under 莪术); the herbal
    pieces; a processed form of a herbal piece; a place of origin before any known herb."""
    tables = _tables()
    if not name:
        return NormalizedHerb(None, "", name, False)
    if settled and (mapped := _curated_spellings.get(name)) is not None:
        return NormalizedHerb(mapped[0], mapped[1], name, True)
    standard = tables.curated.get(name)
    if standard is not None:
        return NormalizedHerb(standard, _processing_of_exact(name, standard), name, True)
    if found := _strip_processing(name, curated_only=True, settled=settled):
        return found
    if curated_only:
        return NormalizedHerb(None, "", name, False)
    standard = tables.pieces.get(name)
    if standard is not None:
        return NormalizedHerb(standard, _processing_of_exact(name, standard), name, True)
    if found := _strip_processing(name, curated_only=False, settled=settled):
        return found
    for prefix in ORIGIN_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            inner = _resolve(name[len(prefix) :], curated_only=False, settled=settled)
            if inner.known:
                return NormalizedHerb(inner.standard_name, inner.processing, name, True)
    return NormalizedHerb(None, "", name, False)


def _strip_processing(name: str, *, curated_only: bool, settled: bool) -> NormalizedHerb | None:
    for prefix in PROCESSING_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            inner = _resolve(name[len(prefix) :], curated_only=curated_only, settled=settled)
            if inner.known:
                return NormalizedHerb(inner.standard_name, prefix + inner.processing, name, True)
    for suffix in PROCESSING_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            inner = _resolve(name[: -len(suffix)], curated_only=curated_only, settled=settled)
            if inner.known:
                return NormalizedHerb(inner.standard_name, inner.processing + suffix, name, True)
    return None


def _processing_of_exact(name: str, standard: str) -> str:
    """An alias that is a processed form (生黄芪 → 黄芪, 大黄炭 → 大黄) keeps its processing; a standard
    name that begins like one (生姜, 炙甘草) has none."""
    if name == standard:
        return ""
    for prefix in PROCESSING_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) and not standard.startswith(prefix):
            return prefix
    for suffix in PROCESSING_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) and not standard.endswith(suffix):
            return suffix
    return ""


def suggestions(name: str, *, limit: int = 3) -> list[str]:
    """Standard herbs that an unknown spelling may stand for: known herbs inside it, longest
    first (白茯苓 → 茯苓, 香附子 → 香附), read by the reference tables alone."""
    name = clean_name(name)
    found: list[str] = []
    for size in range(len(name) - 1, 1, -1):
        for start in range(0, len(name) - size + 1):
            herb = reference_herb(name[start : start + size])
            if herb.known and herb.standard_name not in found:
                found.append(herb.standard_name)
                if len(found) == limit:
                    return found
    return found


def property_profile(herb_names: Iterable[str]) -> dict[str, Counter]:
    """Counts of natures, flavours and meridians over herb occurrences (CAS-3); herbs without
    properties are counted under "unknown"."""
    tables = _tables()
    nature: Counter = Counter()
    flavours: Counter = Counter()
    meridians: Counter = Counter()
    unknown: Counter = Counter()
    for name in herb_names:
        props = tables.properties.get(name)
        if props is None:
            unknown[name] += 1
            continue
        if props.nature:
            nature[props.nature] += 1
        flavours.update(props.flavours)
        meridians.update(props.meridians)
    return {"nature": nature, "flavours": flavours, "meridians": meridians, "unknown": unknown}


# --- prescriptions ------------------------------------------------------------------------------

# Grams per unit. Historic units use the modern conversion taught with the Chinese Pharmacopoeia
# (中药学教材): 1 钱 = 3 g, 1 两 = 10 钱 = 30 g, 1 分 = 0.1 钱 = 0.3 g, 1 厘 = 0.1 分 = 0.03 g,
# 1 斤 = 500 g. In the old
# 16-两 斤 of 500 g a 两 is 31.25 g and a 钱 3.125 g; teaching rounds those to 30 g and 3 g and keeps
# the 斤 at 500 g, so 1 斤 is not 16 × 30 g here, on purpose.
MASS_UNITS: dict[str, tuple[str, float]] = {
    "g": ("g", 1.0),
    "克": ("g", 1.0),
    "mg": ("mg", 0.001),
    "毫克": ("mg", 0.001),
    "kg": ("kg", 1000.0),
    "千克": ("kg", 1000.0),
    "公斤": ("kg", 1000.0),
    "钱": ("钱", 3.0),
    "两": ("两", 30.0),
    "分": ("分", 0.3),
    "厘": ("厘", 0.03),
    "斤": ("斤", 500.0),
}
# Counts and volumes are written in real prescriptions (大枣5枚, 生姜3片, 黄酒30ml); they are kept as
# written, with no grams.
OTHER_UNITS: dict[str, str] = {
    **{u: u for u in "枚 片 个 只 条 茎 根 支 粒 颗 段 朵 对 具 升 合".split()},
    "ml": "ml",
    "毫升": "ml",
}
_UNIT_WORDS = sorted([*MASS_UNITS, *OTHER_UNITS], key=len, reverse=True)
# Units that no herb name ends with, so a name followed by one of them is a dose with its number
# missing (川芎g, 鸡子黄枚). 根, 片, 合 … end real names (芦根, 百合) and are not in this list.
_UNAMBIGUOUS_UNITS = sorted([*MASS_UNITS, "ml", "毫升", "枚", "粒", "颗"], key=len, reverse=True)
UNITS_LABEL = "g、克、mg、kg、钱、两、分、厘、斤；计数单位 枚、片、个、粒 等；ml"

# Decoction and administration notes written after the dose without brackets: 附子15g先煎.
NOTE_WORDS = sorted(
    "先煎 后下 包煎 另煎 另炖 烊化 冲服 兑服 久煎 布包 分冲 研末冲服 后入 同煎".split(), key=len, reverse=True
)

_SEPARATORS = re.compile(r"[,，、;；]")
_BRACKETED = re.compile(r"[(\[【{]([^)\]】}]*)[)\]】}]")
_OPENING = re.compile(r"[(\[【{]")
_DIGIT = re.compile(r"\d|\.\d")
_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
_CHINESE_NUMERAL = "零〇一二三四五六七八九十百千半"


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in words)


_UNIT_RE = _alternatives(_UNIT_WORDS)
_NOTE_RE = _alternatives(NOTE_WORDS)
_ARABIC = re.compile(rf"^(?P<num>{_NUMBER})(?P<unit>\D*?)(?P<note>{_NOTE_RE})?$")
_CHINESE_DOSE = re.compile(
    rf"^(?P<name>.+?)(?P<num>[{_CHINESE_NUMERAL}]+)(?P<unit>{_UNIT_RE})(?P<half>半)?(?P<note>{_NOTE_RE})?$"
)
_UNIT_ONLY = re.compile(rf"^(?P<name>.+?)(?P<unit>{_alternatives(_UNAMBIGUOUS_UNITS)})(?P<note>{_NOTE_RE})?$", re.I)
# What may follow a herb after a space and still belong to it: `川芎 7 g 先煎`, `桂枝 三两`.
_DOSE_ONLY = re.compile(
    rf"^(?:{_NUMBER}\D*|[{_CHINESE_NUMERAL}]+(?:{_UNIT_RE})半?(?:{_NOTE_RE})?|(?:{_UNIT_RE})(?:{_NOTE_RE})?|(?:{_NOTE_RE}))$",
    re.I,
)
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_NAME_CHARS = re.compile(rf"^[{_CJK}A-Za-z·]+$")
_CJK_TEXT = re.compile(rf"^[{_CJK}]+$")
_TWO_DOSES = re.compile(rf"\d\D*[{_CJK}]\D*\d")
_PIECE = re.compile(r"\S+")
# 2个鸡蛋黄: a dose before its herb.
_DOSE_FIRST = re.compile(rf"^(?P<num>{_NUMBER})\s*(?P<unit>{_UNIT_RE})(?P<name>[{_CJK}]+?)(?P<note>{_NOTE_RE})?$", re.I)
# 9g5: digits after the unit, a slip of the keyboard (9g) or a misplaced decimal (9.5g).
_STRAY_DIGITS = re.compile(rf"^(?P<num>{_NUMBER})\s*(?P<unit>{_UNIT_RE})\s*(?P<digits>\d+)$", re.I)
# 15gg, 15克克, 15g g: one unit typed twice.
_UNIT_WORD = re.compile(_UNIT_RE, re.I)
_REPEATED_UNIT = re.compile(rf"^(?P<unit>{_UNIT_RE})(?:\s*(?:{_UNIT_RE}))+$", re.I)
# 茯苓15g白术10g: where one herb's dose ends and the next herb begins.
_RUN = re.compile(rf"^(?P<head>\D+?{_NUMBER}\s*(?:{_UNIT_RE})(?:{_NOTE_RE})?)(?P<rest>[{_CJK}].*\d.*)$", re.I)
MISSING_SEPARATOR = "两味药之间缺少分隔符（可用 , ， 、 ; ； 或空格）"
_LEADING_NAME = re.compile(rf"^[{_CJK}]+")


def parse_prescription(text: str, *, normalize: bool = True) -> list[HerbDose]:
    """`酸枣仁90g;川芎7g;知母14g` → one HerbDose per herb, in the order written.

    Herbs are separated by , ， 、 ; ； or whitespace; a dose is optional and follows the name
    (`川芎 7 g` is read as one herb). With `normalize`, names are mapped to standard names and a
    prescription in which no herb is known is refused.
    """
    fragments = _fragments(unicodedata.normalize("NFKC", text or ""))
    doses = [_parse_fragment(fragment, normalize=normalize) for fragment in fragments]
    if not doses:
        raise HerbParseError(_shorten(text), "处方中没有药味")
    if normalize and not any(d.herb is not None and d.herb.known for d in doses):
        raise HerbParseError(_shorten(text), "处方中没有可识别的药味（药名均不在药材表中）")
    return doses


def parse_prescription_skipping(text: str, *, normalize: bool = True) -> tuple[list[HerbDose], list[HerbParseError]]:
    """As parse_prescription, but a piece that cannot be read is set aside with its error instead of
    refusing the whole text: `茯苓15gg;白术10g` → [白术 10 g] and the error for 「茯苓15gg」. Whether
    what is left is enough is the caller's decision."""
    doses: list[HerbDose] = []
    skipped: list[HerbParseError] = []
    for part in _SEPARATORS.split(unicodedata.normalize("NFKC", text or "")):
        try:
            fragments = _fragments(part)
        except HerbParseError as error:
            skipped.append(error)
            continue
        for fragment in fragments:
            try:
                doses.append(_parse_fragment(fragment, normalize=normalize))
            except HerbParseError as error:
                skipped.append(error)
    return doses, skipped


def _shorten(text: str, limit: int = 40) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _fragments(text: str) -> list[str]:
    fragments: list[str] = []
    for part in _SEPARATORS.split(text):
        pieces: list[list] = []  # [start, end, text without the spaces]
        for found in _PIECE.finditer(part):
            piece = found.group()
            bare = _BRACKETED.sub("", piece)
            # A dose, a unit or a note written apart from its herb (`川芎 7 g 先煎`) belongs to it.
            if pieces and (not bare or _DOSE_ONLY.match(bare)) and not _normalize(bare).known:
                pieces[-1][1] = found.end()
                pieces[-1][2] += piece
            else:
                pieces.append([found.start(), found.end(), piece])
        for first, second in itertools.pairwise(pieces):
            _refuse_split_name(part, first, second)
        fragments.extend(piece[2] for piece in pieces)
    return fragments


def _refuse_split_name(part: str, first: list, second: list) -> None:
    """Spaces inside one name (`茯  苓42g`, padded to line up in a word processor) must not make two
    unknown herbs of it: refused with the name joined as the suggestion, when the joined name is a
    known herb or one side is a lone character that is no herb."""
    name = first[2]
    if not _NAME_CHARS.match(name):
        return
    head = _LEADING_NAME.match(second[2])
    if head is None:
        return
    tail = head.group()
    if (match := _CHINESE_DOSE.match(tail)) is not None:
        tail = match["name"]
    tail = _strip_note(tail)[0]
    known_first, known_second = _normalize(name).known, _normalize(tail).known
    if known_first and known_second:
        return
    joined = _normalize(name + tail).known
    lone = not known_first and not known_second and (len(name) == 1 or len(tail) == 1)
    if joined or lone:
        raise HerbParseError(
            part[first[0] : second[1]].strip(),
            "药名中间有空格，会被读成两味药",
            suggestions=[name + second[2]],
        )


def _parse_fragment(fragment: str, *, normalize: bool) -> HerbDose:
    if _OPENING.search(fragment):
        notes = [n.strip() for n in _BRACKETED.findall(fragment) if n.strip()]
        body = _BRACKETED.sub("", fragment).strip()
    else:
        notes, body = [], fragment
    if not body:
        raise HerbParseError(fragment, "只有括号内的说明，缺少药名")
    amount: float | None = None
    unit: str | None = None
    factor: float | None = None

    digit = _DIGIT.search(body)
    if digit:
        name, dose = body[: digit.start()], body[digit.start() :]
        if not name.strip() and (first := _DOSE_FIRST.match(dose)) and _NAME_CHARS.match(first["name"]):
            raise HerbParseError(
                fragment,
                "剂量应写在药名之后",
                suggestions=[f"{first['name']}{first['num']}{first['unit']}{first['note'] or ''}"],
            )
        match = _ARABIC.match(dose)
        if not match:
            if _TWO_DOSES.search(dose):
                raise HerbParseError(fragment, MISSING_SEPARATOR, suggestions=_split_run(fragment))
            if stray := _STRAY_DIGITS.match(dose):
                num, unit_text, digits = stray["num"], stray["unit"], stray["digits"]
                choices = [f"{name}{num}{unit_text}"]
                if "." not in num:
                    choices.append(f"{name}{num}.{digits}{unit_text}")
                raise HerbParseError(fragment, f"单位「{unit_text}」后多了数字「{digits}」", suggestions=choices)
            raise HerbParseError(fragment, "剂量无法识别，应写作一个数值加单位，如 9g")
        amount = float(match["num"])
        unit, factor, extra = _unit(fragment, match["unit"].strip(), before=f"{name}{match['num']}")
        if unit and extra.startswith("半"):  # 1两半 = 1.5 两
            amount, extra = amount + 0.5, extra[1:]
        if extra and _normalize(_strip_note(extra)[0]).known:
            # 茯苓15g白术: the second herb would otherwise be kept as a note of the first.
            head = fragment[: len(fragment) - len(extra)] if fragment.endswith(extra) else fragment
            raise HerbParseError(fragment, MISSING_SEPARATOR, suggestions=[f"{head}；{extra}"])
        notes += [n for n in (extra, match["note"]) if n]
    elif _normalize(_strip_note(body)[0]).known:
        name, note = _strip_note(body)
        if note:
            notes.append(note)
    elif (match := _CHINESE_DOSE.match(body)) and (number := _chinese_number(match["num"])) is not None:
        name = match["name"]
        amount = number + (0.5 if match["half"] else 0)
        unit, factor, _ = _unit(fragment, match["unit"])
        if match["note"]:
            notes.append(match["note"])
    elif (match := _UNIT_ONLY.match(body)) and _NAME_CHARS.match(match["name"]):
        raise HerbParseError(fragment, f"剂量缺少数值（单位「{match['unit']}」前没有数字），应写作如 {match['name']}9g")
    else:
        name, note = _strip_note(body)
        if note:
            notes.append(note)

    name = name.strip()
    if not name:
        raise HerbParseError(fragment, "缺少药名，剂量前应写明药名")
    if not _NAME_CHARS.match(name):
        raise HerbParseError(fragment, "药名含有无法识别的字符")
    if amount is not None and amount <= 0:
        raise HerbParseError(fragment, "剂量必须大于 0")
    grams = round(amount * factor, 6) if amount is not None and factor is not None else None
    return HerbDose(
        name=name,
        herb=normalize_herb(name) if normalize else None,
        amount=amount,
        unit=unit,
        grams=grams,
        factor=factor,
        note="；".join(notes),
    )


def _split_run(fragment: str) -> list[str]:
    """`茯苓15g白术10g` as it was meant, `茯苓15g；白术10g`, when every piece then reads as a herb
    with its dose; else no suggestion."""
    parts, rest = [], fragment
    while (match := _RUN.match(rest)) is not None:
        parts.append(match["head"])
        rest = match["rest"]
    parts.append(rest)
    if len(parts) < 2:
        return []
    try:
        for part in parts:
            _parse_fragment(part, normalize=False)
    except HerbParseError:
        return []
    return ["；".join(parts)]


def _strip_note(body: str) -> tuple[str, str]:
    for note in NOTE_WORDS:
        if body.endswith(note) and len(body) > len(note):
            return body[: -len(note)], note
    return body, ""


def _unit(fragment: str, text: str, *, before: str = "") -> tuple[str | None, float | None, str]:
    """(canonical unit, grams per unit, trailing note) for the text after a number: `g`, `克`,
    `g打碎` (a note after the unit). No text means no unit. `before` (the name and number as
    written) makes the suggestion when a unit was typed twice (15gg, 15克g)."""
    if not text:
        return None, None, ""
    key = text.lower() if text.isascii() else text
    if key in MASS_UNITS:
        return *MASS_UNITS[key], ""
    if key in OTHER_UNITS:
        return OTHER_UNITS[key], None, ""
    for word in _UNIT_WORDS:
        head, rest = text[: len(word)], text[len(word) :].strip()
        if (head.lower() if head.isascii() else head) != word:
            continue
        if rest and not (_CJK_TEXT.match(rest) and not any(rest.startswith(u) for u in _UNIT_WORDS)):
            continue
        if word in MASS_UNITS:
            return *MASS_UNITS[word], rest
        return OTHER_UNITS[word], None, rest
    suggestions = []
    if before and (doubled := _REPEATED_UNIT.match(text)):
        units = {MASS_UNITS.get(w.lower(), (w,))[0] for w in _UNIT_WORD.findall(text)}
        if len(units) == 1:
            suggestions.append(f"{before}{doubled['unit']}")
    raise HerbParseError(fragment, f"单位「{text}」无法识别，可用单位：{UNITS_LABEL}", suggestions=suggestions)


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000}


def _chinese_number(text: str) -> float | None:
    """三 → 3, 十二 → 12, 二十四 → 24, 一百 → 100, 半 → 0.5; None when it is not a number (一半)."""
    if text == "半":
        return 0.5
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            if digit is not None:  # 三三 is not a number
                return None
            digit = _DIGITS[ch]
        elif ch in _MULTIPLIERS:
            total += (1 if digit is None else digit) * _MULTIPLIERS[ch]
            digit = None
        else:
            return None
    return float(total + (digit or 0))
