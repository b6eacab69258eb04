"""The full-text index that techniques/search.py queries: an FTS5 table on SQLite; on PostgreSQL
a GIN index on to_tsvector('simple', search_text), kept in a generated column. Neither is part of
a model, so each is made only for its own engine."""

from django.db import migrations

FTS_TABLE = "techniques_fts"
GIN_INDEX = "technique_search_gin"
PG_COLUMN = "search_vector"

SQLITE_CREATE = [
    # Tokens are pre-segmented and space-separated; unicode61 treats a run of Han characters as
    # one token, so it only splits where lib/chinese.py put a space. No prefix indexes: on
    # 100,000 techniques they made pinyin prefixes (x*, tn*) no faster and the index 2.4× larger.
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')",
    # A deleted technique leaves the index with it; reindex keeps the rest in step. (Should a
    # later migration rebuild the table, the trigger goes with it: stale rows then only take
    # space, as AUTOINCREMENT ids are never reused.)
    f"CREATE TRIGGER {FTS_TABLE}_delete AFTER DELETE ON techniques_technique BEGIN "
    f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END",
    f"INSERT INTO {FTS_TABLE} (rowid, body) SELECT id, search_text FROM techniques_technique WHERE search_text <> ''",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete", f"DROP TABLE IF EXISTS {FTS_TABLE}"]


# A stored tsvector rather than an index on the expression: ranking (ts_rank) needs each hit's
# vector, and recomputing to_tsvector for every hit cost 7–17 s for a word found in a quarter of
# 100,000 techniques (0.3–0.6 s stored). Django does not know the column, so it never writes it;
# PostgreSQL keeps it equal to the expression.
POSTGRES_CREATE = [
    f"ALTER TABLE techniques_technique ADD COLUMN {PG_COLUMN} tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE(search_text, ''))) STORED",
    f"CREATE INDEX {GIN_INDEX} ON techniques_technique USING gin ({PG_COLUMN})",
]
POSTGRES_DROP = [
    f"DROP INDEX IF EXISTS {GIN_INDEX}",
    f"ALTER TABLE techniques_technique DROP COLUMN IF EXISTS {PG_COLUMN}",
]


STATEMENTS = {"sqlite": (SQLITE_CREATE, SQLITE_DROP), "postgresql": (POSTGRES_CREATE, POSTGRES_DROP)}


def create(apps, schema_editor):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[0]:
        schema_editor.execute(sql, params=None)


def drop(apps, schema_editor):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[1]:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("techniques", "0002_load_vocabularies")]
    operations = [migrations.RunPython(create, drop)]
