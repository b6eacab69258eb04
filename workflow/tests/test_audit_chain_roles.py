"""The two database roles (issue 13 §7, deploy/postgres-roles.sql): the application runs as a role
that does not own the tables; on the audit log it may read, append and seal, and nothing else.

PostgreSQL only, as a whole: roles and privileges are what this file is about, and SQLite has
neither. On SQLite the tests are not defined, so nothing is skipped."""

from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from chuancheng.test import admin_conninfo, build_world, ensure_regions
from workflow.models import AuditEntry
from workflow.services import audit_record, audit_verify

SCRIPT = Path(settings.BASE_DIR) / "deploy" / "postgres-roles.sql"
RUNTIME, OWNER = "chuancheng_app", "chuancheng_owner"


def _connect(user: str | None = None) -> psycopg.Connection:
    """A connection to the test database: as `user` (trust authentication on the test server), or
    as the superuser that runs the roles script when no user is named."""
    info = admin_conninfo()
    if user is not None:
        info = {**info, "user": user, "password": None}
    return psycopg.connect(**info, dbname=connection.settings_dict["NAME"], autocommit=True)


@pytest.fixture
def world_committed(transactional_db):
    ensure_regions()
    return build_world()


@pytest.fixture
def roles(world_committed):
    """The roles script run on the test database by the superuser the tests connect as."""
    with _connect() as admin:
        admin.execute(SCRIPT.read_text())
    connection.close()


def _refused(runtime: psycopg.Connection, sql: str) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as excinfo:
        runtime.execute(sql)
    return str(excinfo.value)


if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":

    def test_the_runtime_role_cannot_rewrite_or_delete_audit_rows(roles, world_committed):
        entry = audit_record(action=AuditEntry.Action.LOGIN, actor=world_committed.wang)
        with _connect(RUNTIME) as runtime:
            assert runtime.execute("SELECT count(*) FROM workflow_auditentry").fetchone()[0] >= 1
            for sql in [
                f"UPDATE workflow_auditentry SET reason = 'rewritten' WHERE id = {entry.pk}",
                f"UPDATE workflow_auditentry SET created_at = now() WHERE id = {entry.pk}",
                f"DELETE FROM workflow_auditentry WHERE id = {entry.pk}",
                "TRUNCATE workflow_auditentry",
                "DELETE FROM workflow_auditarchive",
                "INSERT INTO workflow_auditarchive (created_at, first_seq, last_seq, last_hash, row_count, before,"
                " file_name, file_sha256, signature) VALUES (now(), 1, 1, '', 1, now(), 'x', '', '')",
                "DELETE FROM workflow_auditchainhead",
                "DELETE FROM workflow_auditkeyepoch",
                "UPDATE workflow_auditkeyepoch SET first_seq = first_seq + 1",
            ]:
                assert "permission denied" in _refused(runtime, sql)
            # Only the owner may switch the append-only trigger off or change the tables.
            assert "must be owner" in _refused(
                runtime, "ALTER TABLE workflow_auditentry DISABLE TRIGGER workflow_auditentry_no_update"
            )
            assert "must be owner" in _refused(runtime, "DROP TABLE workflow_auditentry")
            assert "permission denied" in _refused(runtime, "CREATE TABLE public.intruder (id int)")
        entry.refresh_from_db()
        assert entry.reason == "" and entry.seq is not None

    def test_the_runtime_role_runs_the_application_and_seals_the_chain(roles, world_committed):
        """The application's own code, connected as the runtime role: it writes data, deletes what
        it may delete, appends an audit row and seals it after commit; the chain verifies."""
        params = connection.settings_dict
        user, password = params["USER"], params["PASSWORD"]
        connection.close()
        params["USER"], params["PASSWORD"] = RUNTIME, ""
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_user")
                assert cursor.fetchone()[0] == RUNTIME
                cursor.execute("DELETE FROM notifications_notification WHERE id < 0")  # DELETE on app tables
            entry = audit_record(action=AuditEntry.Action.EXPORT, actor=world_committed.sun, reason="导出名单")
            entry.refresh_from_db()
            assert entry.seq is not None and len(entry.chain_hash) == 64
            findings, _summary = audit_verify()
            assert findings == []
        finally:
            connection.close()
            params["USER"], params["PASSWORD"] = user, password
        with _connect() as admin:
            owners = admin.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'").fetchall()
        assert owners == [(OWNER,)]
