"""Run the test suite on PostgreSQL as the runtime database role (issue 13 §7; docs/security.md).

    python -m chuancheng.testdb [pytest arguments]

Production runs with two roles (deploy/postgres-roles.sql): `chuancheng_owner` migrates, and the
application connects as `chuancheng_app`, which may read and write data but change no structure and
never rewrite the audit log. Tests that run as a superuser cannot see a privilege the application
lacks, so CI builds the test database the way production is built and tests as the runtime role:

1. as the superuser of `DATABASE_URL`: a new test database, and the roles script run on it;
2. as `chuancheng_owner`: `migrate` and `createcachetable`, then the roles script again (as after
   every production migrate);
3. a login role `chuancheng_ci` (NOINHERIT, so it holds nothing by itself) that is a member of both
   roles; every connection of the suite does `SET ROLE chuancheng_app` (settings' DATABASE_ROLE →
   Django's `assume_role`), so all the application's statements run with the runtime grants only;
4. pytest with `--reuse-db` on that database.

What only the owner may do is done by the test harness as the owner, explicitly (`SET LOCAL ROLE`):
emptying the tables between transactional tests (conftest.py) and the tampering that the audit-chain
tests simulate (`chuancheng.test.as_table_owner`). Databases the backup tests restore into are made
with the superuser's connection (TEST_ADMIN_DATABASE_URL).

When the server's user is not a superuser (a managed database), the roles cannot be made: the suite
then runs as that user, and says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

BASE_DIR = Path(__file__).resolve().parent.parent
ROLES_SCRIPT = BASE_DIR / "deploy" / "postgres-roles.sql"
OWNER, RUNTIME, LOGIN = "chuancheng_owner", "chuancheng_app", "chuancheng_ci"
TEST_NAME = os.environ.get("TEST_DATABASE_NAME") or "test_chuancheng_runtime"


def _with(url: str, *, user: str | None = None, dbname: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if user is not None:
        host = netloc.rsplit("@", 1)[-1]
        netloc = f"{quote(user, safe='')}@{host}"
    path = f"/{dbname}" if dbname is not None else parts.path
    return urlunsplit((parts.scheme, netloc, path, parts.query, parts.fragment))


def _connect(url: str, dbname: str | None = None) -> psycopg.Connection:
    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or None,
        port=parts.port or None,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        dbname=dbname or parts.path.lstrip("/") or "postgres",
        autocommit=True,
    )


def prepare(admin_url: str, name: str) -> bool:
    """Build the test database as production is built; False when the roles cannot be made."""
    with _connect(admin_url) as admin:
        if not admin.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
            return False
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with _connect(admin_url, name) as admin:
        admin.execute(ROLES_SCRIPT.read_text())
    owner_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_ROLE", "TEST_DATABASE_NAME", "TEST_ADMIN_DATABASE_URL", "TEST_OWNER_ROLE"}
    }
    owner_env["DATABASE_URL"] = _with(admin_url, user=OWNER, dbname=name)
    for command in (["migrate", "--no-input", "-v", "0"], ["createcachetable", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=owner_env, check=True)
    with _connect(admin_url, name) as admin:
        admin.execute(ROLES_SCRIPT.read_text())
        admin.execute(
            sql.SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {login}) THEN "
                "CREATE ROLE {ident} LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$"
            ).format(login=sql.Literal(LOGIN), ident=sql.Identifier(LOGIN))
        )
        admin.execute(sql.SQL("GRANT {}, {} TO {}").format(*map(sql.Identifier, (RUNTIME, OWNER, LOGIN))))
        admin.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(*map(sql.Identifier, (name, LOGIN))))
    return True


def main(argv: list[str]) -> int:
    admin_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test"
    env = dict(os.environ, DATABASE_URL=admin_url)
    if prepare(admin_url, TEST_NAME):
        print(f"PostgreSQL: database {TEST_NAME} built by {OWNER}; the suite runs as {RUNTIME}", flush=True)
        env.update(
            DATABASE_URL=_with(admin_url, user=LOGIN),
            DATABASE_ROLE=RUNTIME,
            TEST_DATABASE_NAME=TEST_NAME,
            TEST_ADMIN_DATABASE_URL=admin_url,
            TEST_OWNER_ROLE=OWNER,
        )
        argv = ["--reuse-db", *argv]
    else:
        print("PostgreSQL: the server's user is not a superuser, so the runtime role cannot be made;"
              " the suite runs as that user", flush=True)
    return subprocess.run([sys.executable, "-m", "pytest", *argv], cwd=BASE_DIR, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
