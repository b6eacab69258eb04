"""Full-text search over techniques (TEC-3): by any word of the name, the texts and the
indications, and by pinyin.

`Technique.search_text` holds the pre-segmented tokens (lib/chinese.py), space-separated, so that
the engines only split on spaces. Migration 0003 makes the engine's index: on SQLite the FTS5
table `techniques_fts` (rowid = technique id), which `reindex` keeps in step; on PostgreSQL a GIN
index on a generated column `search_vector` = to_tsvector('simple', search_text), which the
database keeps in step (stored, so that ranking reads each hit's vector instead of recomputing
it). Any other engine falls back to the `LIKE` scan. The SQLite side needs SQLite 3.35+
(MATERIALIZED common table expressions).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from pathlib import Path

from django.db import connections, router, transaction
from django.db.models import Expression, F, FloatField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property

from lib import chinese
from techniques.models import Technique, TechniqueHolder, Term

BATCH = 1000
FTS_TABLE = "techniques_fts"
PG_VECTOR_COLUMN = "search_vector"
# A word of the name counts as much as this many mentions elsewhere, so a technique named for
# the query ranks above one that mentions it deep in a case report (bm25 and ts_rank both weigh
# term frequency).
NAME_WEIGHT = 3
TEXT_FIELDS = [
    "origin_history",
    "theory_features",
    "operation_method",
    "typical_cases",
    "contraindications",
    "indications_free",
]


def _vocabulary_words() -> list[str]:
    # The reference lists as shipped, not the Term table: the dictionary must not change when
    # staff edit a term, or documents indexed before and queries typed after would be cut
    # differently.
    words = []
    for path in sorted((Path(__file__).resolve().parent / "data").glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            rows = csv.reader(f)
            next(rows, None)
            words += [row[0] for row in rows if row]
    return words


chinese.add_words(_vocabulary_words())


@functools.lru_cache(maxsize=20_000)
def _name_tokens(name: str, *, pinyin: bool = False) -> tuple[str, ...]:
    # Names are short: their single characters are indexed too, so that 灸 finds 艾灸 and 张
    # finds 张三丰. Long texts only keep the single characters jieba leaves on their own.
    # Cached: the same few thousand term names recur across a whole reindex.
    tokens = chinese.segment(name) + chinese.han_chars(name)
    return tuple(tokens + chinese.pinyin_tokens(name) if pinyin else tokens)


def build_search_text(technique: Technique) -> str:
    """The tokens `search_text` holds. Reads relations through `.all()`, so a technique fetched
    with `_for_indexing()` costs no further query."""
    tokens = list(_name_tokens(technique.name)) * NAME_WEIGHT
    tokens += chinese.pinyin_tokens(technique.name)
    terms = [technique.category, technique.inheritance]
    terms += [*technique.diseases.all(), *technique.syndromes.all(), *technique.features.all()]
    for term in terms:
        if term is not None:
            tokens += _name_tokens(term.name)
    for holder in technique.holders.all():
        tokens += _name_tokens(holder.name, pinyin=True)
    # One cut for all the texts: a line break never joins two words.
    tokens += chinese.segment("\n".join(getattr(technique, field) or "" for field in TEXT_FIELDS))
    return " ".join(tokens)


def _for_indexing() -> QuerySet:
    names = Term.objects.only("name")
    return (
        Technique.objects.select_related("category", "inheritance")
        .only("name", "category__name", "inheritance__name", *TEXT_FIELDS)
        .prefetch_related(
            Prefetch("diseases", queryset=names),
            Prefetch("syndromes", queryset=names),
            Prefetch("features", queryset=names),
            Prefetch("holders", queryset=TechniqueHolder.objects.only("technique_id", "name")),
        )
        .order_by()
    )


def reindex(ids: Iterable[int]) -> int:
    """Recomputes `search_text` of these techniques and their rows in the engine's index;
    returns how many were reindexed. Ids of deleted techniques leave the index."""
    ids = sorted(set(ids))
    alias = router.db_for_write(Technique)
    done = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        techniques = list(_for_indexing().using(alias).filter(pk__in=batch))
        for technique in techniques:
            technique.search_text = build_search_text(technique)
        with transaction.atomic(using=alias):
            # bulk_update leaves updated_at alone: reindexing is not an edit.
            Technique.objects.using(alias).bulk_update(techniques, ["search_text"], batch_size=BATCH)
            if connections[alias].vendor == "sqlite":
                _fts_replace(alias, batch, techniques)
        done += len(techniques)
    return done


def _fts_replace(alias: str, ids: list[int], techniques: list[Technique]) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({', '.join(['%s'] * len(ids))})", ids)
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (%s, %s)", [(t.pk, t.search_text) for t in techniques]
        )


def search(queryset: QuerySet, query: str) -> QuerySet:
    """The techniques of `queryset` that match every term of `query`, most relevant first (then
    the most recently updated). Han words match whole tokens; letters and digits match the start
    of a token, so xiao, tuina and the initials xetn all find 小儿推拿. A blank query changes
    nothing; a query of punctuation only finds nothing. Nothing a user types is FTS syntax."""
    if not query or not query.strip():
        return queryset
    terms = chinese.query_terms(query)
    if not terms:
        return queryset.none()
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        match = " ".join(_fts5_term(t) for t in terms)
        matching = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match])
        return queryset.filter(pk__in=matching).order_by(_Bm25(match), "-updated_at")
    if vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorExact

        vector = _StoredVector()
        tsquery = SearchQuery(" & ".join(_tsquery_term(t) for t in terms), config="simple", search_type="raw")
        return queryset.filter(SearchVectorExact(vector, tsquery)).order_by(
            SearchRank(vector, tsquery).desc(), "-updated_at"
        )
    return _like(queryset, terms)


def like_search(queryset: QuerySet, query: str) -> QuerySet:
    """The same terms as `search`, each found by `search_text LIKE '%term%'`: a full scan, kept
    as the benchmark's baseline."""
    if not query or not query.strip():
        return queryset
    terms = chinese.query_terms(query)
    return _like(queryset, terms) if terms else queryset.none()


def _like(queryset: QuerySet, terms: list[str]) -> QuerySet:
    condition = Q()
    for term in terms:
        condition &= Q(search_text__contains=term)
    return queryset.filter(condition).order_by("-updated_at")


def _fts5_term(term: str) -> str:
    # A double-quoted FTS5 string is never an operator (OR, NEAR, AND), a column filter (a:b) or
    # a prefix star; the only special character inside is the quote itself, doubled.
    quoted = '"' + term.replace('"', '""') + '"'
    return quoted if chinese.has_han(term) else quoted + " *"


def _tsquery_term(term: str) -> str:
    quoted = "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted if chinese.has_han(term) else quoted + ":*"


class _Bm25(Expression):
    """FTS5's bm25 of the outer row (lower is more relevant). The matches are scored once into a
    materialized table and looked up per row: bm25 in a correlated subquery would recount every
    term's documents for each row."""

    output_field = FloatField()

    def __init__(self, match: str, pk=None):
        super().__init__()
        self.match = match
        self.pk = pk if pk is not None else F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, exprs):
        (self.pk,) = exprs

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        sql = (
            f"(WITH fts_match (id, score) AS MATERIALIZED ("
            f"SELECT rowid, bm25({FTS_TABLE}) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) "
            f"SELECT score FROM fts_match WHERE id = {pk_sql})"
        )
        return sql, [self.match, *pk_params]


class _StoredVector(Expression):
    """The generated tsvector column of migration 0003, which the model does not declare, on
    the queryset's own table alias (so it still works inside a subquery)."""

    def __init__(self, column=None):
        super().__init__()
        self.column = column if column is not None else F("search_text")

    @cached_property
    def output_field(self):
        from django.contrib.postgres.search import SearchVectorField

        return SearchVectorField()

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(self.column.alias)
        return f"{table}.{connection.ops.quote_name(PG_VECTOR_COLUMN)}", []
