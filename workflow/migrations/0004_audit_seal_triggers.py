"""The append-only triggers of 0002, narrowed to let exactly one write through: the seal.

An UPDATE passes only when it gives an unsealed row its `seq` and `chain_hash` and changes nothing
else; a row once sealed never changes again. On PostgreSQL a DELETE passes only for a sealed row
that an `AuditArchive` record (written first, by `archive_audit`, after the export) covers;
SQLite's test runner empties tables with DELETE, so there deletion stays refused by the model and
queryset only (as in 0002).

SQLite drops a table's triggers whenever Django rebuilds the table (0003 added a unique column, so
the 0002 trigger is gone there): any later migration that alters AuditEntry on SQLite must create
the trigger again.

On PostgreSQL the migration also takes UPDATE, DELETE and TRUNCATE on the audit table from every
role other than its owner and gives back UPDATE of the two seal columns only: a runtime role
granted blanket privileges before this table existed (deploy/postgres-roles.sql's default
privileges) ends with what docs/security.md says it has.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION workflow_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND (to_jsonb(OLD) - 'seq' - 'chain_hash') = (to_jsonb(NEW) - 'seq' - 'chain_hash') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND OLD.seq IS NOT NULL AND EXISTS (
        SELECT 1 FROM workflow_auditarchive a WHERE OLD.seq BETWEEN a.first_seq AND a.last_seq
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS workflow_auditentry_no_update ON workflow_auditentry;
CREATE TRIGGER workflow_auditentry_no_update BEFORE UPDATE OR DELETE ON workflow_auditentry
    FOR EACH ROW EXECUTE FUNCTION workflow_auditentry_append_only();
"""

# Every role but the owner that holds a privilege on an audit table loses the ones that rewrite
# history; the seal's two columns are given back where the role may write the table.
PG_NARROW = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN
        SELECT DISTINCT g.grantee, g.table_name FROM information_schema.role_table_grants g
        JOIN pg_class c ON c.relname = g.table_name
        WHERE g.table_schema = current_schema()
          AND g.table_name IN ('workflow_auditentry', 'workflow_auditarchive', 'workflow_auditchainhead')
          AND g.grantee <> pg_get_userbyid(c.relowner) AND g.grantee <> 'PUBLIC'
    LOOP
        IF r.table_name = 'workflow_auditchainhead' THEN
            EXECUTE format('REVOKE DELETE, TRUNCATE ON %I FROM %I', r.table_name, r.grantee);
        ELSIF r.table_name = 'workflow_auditarchive' THEN
            EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I FROM %I', r.table_name, r.grantee);
        ELSE
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM %I', r.table_name, r.grantee);
        END IF;
        IF r.table_name = 'workflow_auditentry' AND has_table_privilege(r.grantee, r.table_name, 'INSERT') THEN
            EXECUTE format('GRANT UPDATE (seq, chain_hash) ON %I TO %I', r.table_name, r.grantee);
        END IF;
    END LOOP;
END;
$$;
"""

PG_DOWN = """
CREATE OR REPLACE FUNCTION workflow_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

# Every column but the seal's: a new AuditEntry column must be added here (and to CHAINED_FIELDS).
SQLITE_KEPT = (
    "id",
    "created_at",
    "actor_id",
    "actor_label",
    "organization_id",
    "content_type_id",
    "object_id",
    "object_repr",
    "action",
    "from_state",
    "to_state",
    "reason",
    "ip",
    "outcome",
)
SQLITE_UP = f"""
CREATE TRIGGER workflow_auditentry_no_update BEFORE UPDATE ON workflow_auditentry
WHEN NOT (OLD.seq IS NULL AND NEW.seq IS NOT NULL AND {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in SQLITE_KEPT)})
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused');
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS workflow_auditentry_no_update;"
SQLITE_DOWN = """
CREATE TRIGGER workflow_auditentry_no_update BEFORE UPDATE ON workflow_auditentry
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused');
END;
"""


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
        schema_editor.execute(PG_NARROW, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("workflow", "0003_audit_chain")]
    operations = [migrations.RunPython(up, down)]
