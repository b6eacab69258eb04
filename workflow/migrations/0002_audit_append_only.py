"""Database triggers that make the audit log append-only for every database user, including one
with raw SQL access through the admin or a shell.

PostgreSQL refuses UPDATE and DELETE of rows. TRUNCATE stays possible for the database owner
(test set-up uses it; in production it needs the owner's credentials, which the app role should
not have — see docs/security.md). SQLite refuses UPDATE; its test runner empties tables with
DELETE, so there the model and queryset refuse deletion instead.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION workflow_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workflow_auditentry_no_update BEFORE UPDATE OR DELETE ON workflow_auditentry
    FOR EACH ROW EXECUTE FUNCTION workflow_auditentry_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS workflow_auditentry_no_update ON workflow_auditentry;
DROP FUNCTION IF EXISTS workflow_auditentry_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER workflow_auditentry_no_update BEFORE UPDATE ON workflow_auditentry
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS workflow_auditentry_no_update;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
