"""Points Django at the bench database and starts it: `bench/bench.sqlite3` unless
BENCH_DATABASE_URL names another (a PostgreSQL bench database is created when missing; the test
database `test` is left alone). Imported first by every bench module."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{HERE / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chuancheng.settings")
os.environ["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
sys.path.insert(0, str(HERE.parent))


def _create_postgres_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        return
    with psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"],
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


_create_postgres_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()
