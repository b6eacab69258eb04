"""Chinese text for full-text search: words (jieba) and pinyin (pypinyin).

Neither database splits Chinese into words, so text is segmented here and stored as
space-separated tokens (`Technique.search_text`); the engine then only has to split on spaces.
Documents and queries must be segmented by the same dictionary, or a word indexed one way is
looked for another: `add_words` therefore belongs at import time of the caller, before the first
`segment`.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable

# Words jieba's general dictionary lacks or splits, so that 小儿推拿 is a word of its own as well
# as 小儿 + 推拿. Vocabulary names (diseases, syndromes, methods) come from the caller.
TCM_WORDS = (
    "小儿推拿 推拿按摩 正骨理筋 刺络放血 熏洗药浴 内服方药 外用方药 针刺疗法 "
    "隔姜灸 隔蒜灸 隔盐灸 雷火灸 温针灸 艾条灸 艾炷灸 三伏贴 穴位贴敷 "
    "捏脊 刮痧 拔罐 火罐 走罐 放血 正骨 理筋 膏药 膏方 验方 "
    "秘方 偏方 药浴 熏洗 针刺 针灸 艾灸 耳穴 经络 穴位 中医专长 "
).split()

# CJK unified ideographs, extension A, compatibility ideographs and extensions B–G.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{_HAN}]")
_HAN_RUN_RE = re.compile(f"[{_HAN}]+")
# Letters and digits; everything else (punctuation, spaces, symbols, `_`) separates tokens.
_WORD_RE = re.compile(r"[^\W_]+")
# Joined pinyin is indexed for every run of up to this many characters, so that a query typed
# from the start of any word (tuina, tuinazhiliao, tnzl) is a prefix of some token.
PINYIN_SPAN = 12

_lock = threading.Lock()
_tokenizer = None
_user_words: list[str] = list(TCM_WORDS)


def _jieba():
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in _user_words:
                    tokenizer.add_word(word)
                _tokenizer = tokenizer
    return _tokenizer


def add_words(words: Iterable[str]) -> None:
    """Adds words to the segmentation dictionary (a few thousand cost a few tenths of a second).
    Names with punctuation add their parts: 内服方药（验方、秘方） → 内服方药, 验方, 秘方."""
    words = [w for name in words for w in _WORD_RE.findall(normalize(name)) if len(w) > 1]
    with _lock:
        _user_words.extend(words)
        if _tokenizer is not None:
            for word in words:
                _tokenizer.add_word(word)


def normalize(text: str) -> str:
    """NFKC (full-width ＡＢＣ１２ → ABC12, compatibility ideographs → unified) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def is_han(char: str) -> bool:
    return bool(_HAN_RE.fullmatch(char))


def has_han(text: str) -> bool:
    return bool(_HAN_RE.search(text))


def _pieces(words: Iterable[str]) -> list[str]:
    # jieba keeps c++, 3.5 and spaces as words of their own: keep only the letters and digits.
    return [piece for word in words for piece in _WORD_RE.findall(word)]


def cut(text: str) -> list[str]:
    """The non-overlapping (precise mode) segmentation: 艾灸治疗腹痛 → 艾灸 治疗 腹痛."""
    return _pieces(_jieba().cut(normalize(text)))


def segment(text: str) -> list[str]:
    """Search-mode tokens for indexing: each word and the dictionary words inside it, so that
    小儿推拿 yields 小儿, 推拿, 小儿推拿. Single characters stay (灸 is a word)."""
    return _pieces(_jieba().cut_for_search(normalize(text)))


def han_chars(text: str) -> list[str]:
    """Each distinct Han character once, in order: lets a one-character query find a short
    field (a name, a term) whose words contain it."""
    return list(dict.fromkeys(_HAN_RE.findall(normalize(text))))


def _tile(word: str) -> list[str]:
    """Splits a query word into the 2- and 3-character dictionary words that cover it exactly,
    because that is all a document's search-mode segmentation is sure to contain: 小儿推拿疗法
    in a document is one word, and 小儿推拿 is not among its parts, but 小儿 and 推拿 are."""
    if len(word) <= 2:
        return [word]
    freq = _jieba().FREQ
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(2, len(word) + 1):
        for size in (2, 3):
            start = end - size
            if start >= 0 and best[start] is not None and freq.get(word[start:end]):
                candidate = best[start] + [word[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[-1] or [word]


def query_terms(query: str) -> list[str]:
    """A user's query as search terms, all of which must match: Han words (to be matched exactly
    as tokens) and lower-case letters/digits (to be matched as prefixes)."""
    terms: list[str] = []
    for piece in cut(query):
        terms.extend(_tile(piece) if has_han(piece) else [piece])
    return list(dict.fromkeys(terms))


def _syllables(run: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    # The whole run at once, so that pypinyin's phrases pick the reading (长大 zhang, 长度 chang).
    syllables = lazy_pinyin(run, style=Style.NORMAL, errors=lambda chars: [""] * len(chars))
    if len(syllables) != len(run):
        syllables = [(lazy_pinyin(c, style=Style.NORMAL, errors=lambda chars: [""]) or [""])[0] for c in run]
    # Style.NORMAL writes ü as v; strip anything else that is not a–z, to the letter.
    return [re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", s).lower()) for s in syllables]


def pinyin_tokens(text: str) -> list[str]:
    """Pinyin of the Han text: syllables (xiao er tui na), and from each character the joined
    pinyin (xiaoertuina, ertuina, tuina, …) and initials (xetn, etn, tn, …) of up to
    PINYIN_SPAN characters. Heteronyms take pypinyin's reading in context."""
    tokens: list[str] = []
    for run in _HAN_RUN_RE.findall(normalize(text)):
        syllables = _syllables(run)
        tokens.extend(s for s in syllables if s)
        for start in range(len(syllables)):
            span = [s for s in syllables[start : start + PINYIN_SPAN] if s]
            if len(span) > 1:
                tokens.append("".join(span))
                tokens.append("".join(s[0] for s in span))
            elif span:
                tokens.append(span[0][0])
    return list(dict.fromkeys(tokens))
