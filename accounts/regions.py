"""Reading the administrative divisions for the region picker (issue 12 §2): the children of a
division, and a search by name or pinyin (全拼 "linyi", 首字母 "ly").

The divisions are reference data loaded by a migration and never edited through the platform, so
the search runs over an index held in memory (about six thousand names: a scan takes
milliseconds), built on first use with pypinyin. No column of pinyin in the table: the loader
(accounts/migrations/0002_load_regions.py) stays the one way the data comes in.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from accounts.models import Region

LEVEL_ORDER = {level: n for n, level in enumerate(Region.Level.values)}
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Entry:
    code: str
    name: str
    level: str
    prefix: str
    parent: str | None
    spelled: str  # the name's pinyin, joined: "linyixian"
    initials: str  # its initials: "lyx"


_lock = threading.Lock()
_index: dict[str, Entry] | None = None
_children: dict[str | None, list[str]] = {}


def _spell(name: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin

    syllables = [re.sub(r"[^a-z]", "", s.lower()) for s in lazy_pinyin(name, style=Style.NORMAL)]
    syllables = [s for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)


def index() -> dict[str, Entry]:
    """Every division by code. Built once per process; an empty table (a test database being
    refilled) is not remembered."""
    global _index, _children
    if _index is not None:
        return _index
    with _lock:
        if _index is not None:
            return _index
        rows = list(Region.objects.values_list("code", "name", "level", "prefix", "parent_id").order_by("code"))
        built: dict[str, Entry] = {}
        children: dict[str | None, list[str]] = {}
        for code, name, level, prefix, parent in rows:
            spelled, initials = _spell(name)
            built[code] = Entry(code, name, level, prefix, parent, spelled, initials)
            children.setdefault(parent, []).append(code)
        if built:
            _index, _children = built, children
        return built


def path_of(code: str, root: str | None = None) -> list[Entry]:
    """The divisions from just below `root` (or the top) down to `code`, in order."""
    entries = index()
    path: list[Entry] = []
    current = entries.get(code)
    while current is not None and current.code != root:
        path.append(current)
        current = entries.get(current.parent) if current.parent else None
    return list(reversed(path))


def label_of(code: str, root: str | None = None) -> str:
    return " / ".join(e.name for e in path_of(code, root))


def within(entry: Entry, root: str | None) -> bool:
    if root is None:
        return True
    top = index().get(root)
    return top is not None and entry.prefix.startswith(top.prefix) and entry.code != root


def children_of(parent: str | None) -> list[Entry]:
    entries = index()
    return [entries[c] for c in _children.get(parent, [])]


def has_children(code: str) -> bool:
    index()
    return bool(_children.get(code))


def search(query: str, *, root: str | None = None, levels: frozenset[str] | None = None) -> list[Entry]:
    """Divisions under `root` at one of `levels` whose name contains the query, or whose pinyin
    or initials start with it (or contain it, ranked after): best first, at most SEARCH_LIMIT."""
    query = re.sub(r"\s+", "", (query or "").lower())[:32]
    if not query:
        return []
    han = any("\u4e00" <= ch <= "\u9fff" for ch in query)
    ranked: list[tuple[int, int, str, Entry]] = []
    for entry in index().values():
        if levels and entry.level not in levels:
            continue
        if query.isdigit():
            rank = 0 if entry.code.startswith(query) else None
        elif han:
            rank = (
                0 if entry.name == query else 1 if entry.name.startswith(query) else 2 if query in entry.name else None
            )
        elif entry.spelled.startswith(query) or entry.initials.startswith(query):
            rank = 1
        elif query in entry.spelled:
            rank = 3
        else:
            rank = None
        if rank is None or not within(entry, root):
            continue
        ranked.append((rank, LEVEL_ORDER[entry.level], entry.code, entry))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked[:SEARCH_LIMIT]]
