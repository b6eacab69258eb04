"""The full-text index that techniques/search.py queries: an FTS5 table on SQLite, a GIN index
on PostgreSQL. Neither is a model, so each is made only for its own engine."""

from django.db import migrations

FTS_TABLE = "techniques_fts"
GIN_INDEX = "technique_search_gin"

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


def _gin_index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    # Built from the same expression that search() filters on, so the two cannot drift apart.
    return GinIndex(SearchVector("search_text", config="simple"), name=GIN_INDEX)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_CREATE:
            schema_editor.execute(sql, params=None)
    elif vendor == "postgresql":
        schema_editor.add_index(apps.get_model("techniques", "Technique"), _gin_index())


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql, params=None)
    elif vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("techniques", "Technique"), _gin_index())


class Migration(migrations.Migration):
    dependencies = [("techniques", "0002_load_vocabularies")]
    operations = [migrations.RunPython(create, drop)]
