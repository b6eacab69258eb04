-- The two database roles of a production installation (issue 13 §7; docs/security.md).
--
--   chuancheng_owner  owns the database, the schema and every table: runs `manage.py migrate` and
--                     `createcachetable`, `archive_audit`, backups. Its password is not in the
--                     application's environment.
--   chuancheng_app    what gunicorn and the task worker connect as: SELECT, INSERT, UPDATE, DELETE
--                     on the application's tables and USAGE on their sequences; on the audit log
--                     SELECT and INSERT, and UPDATE of the two seal columns only (seq, chain_hash);
--                     no DELETE, no TRUNCATE, no DDL. It cannot switch the audit triggers off
--                     (only a table's owner can).
--
-- Run as a superuser, connected to the application's database, once before the first migrate
-- and again after every migrate (it is idempotent):
--
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -d chuancheng -f deploy/postgres-roles.sql
--   sudo -u postgres psql -c "ALTER ROLE chuancheng_owner PASSWORD '…'"
--   sudo -u postgres psql -c "ALTER ROLE chuancheng_app PASSWORD '…'"
--
-- Then: migrate with DATABASE_URL=postgres://chuancheng_owner:…@host/chuancheng, run the service
-- with DATABASE_URL=postgres://chuancheng_app:…@host/chuancheng. Tables the owner creates later get
-- the runtime grants by default privileges; migration workflow/0004 narrows the audit tables itself,
-- so a run of this file between a migrate and the next is not a window.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chuancheng_owner') THEN
        CREATE ROLE chuancheng_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chuancheng_app') THEN
        CREATE ROLE chuancheng_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created at the same moment by another session
END;
$$;

-- The owner owns the database, the schema and everything in it (an installation migrated as a
-- superuser is handed over).
DO $$
DECLARE
    r record;
BEGIN
    EXECUTE format('ALTER DATABASE %I OWNER TO chuancheng_owner', current_database());
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO chuancheng_owner', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO chuancheng_app', current_database());
    FOR r IN
        SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND pg_get_userbyid(c.relowner) <> 'chuancheng_owner'
          -- a sequence owned by a column follows its table
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')
          ))
    LOOP
        EXECUTE format(
            'ALTER %s public.%I OWNER TO chuancheng_owner',
            CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
            r.relname
        );
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> 'chuancheng_owner'
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO chuancheng_owner', r.signature);
    END LOOP;
END;
$$;
ALTER SCHEMA public OWNER TO chuancheng_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO chuancheng_app;

-- The runtime role: data, never structure.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO chuancheng_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO chuancheng_app;
ALTER DEFAULT PRIVILEGES FOR ROLE chuancheng_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO chuancheng_app;
ALTER DEFAULT PRIVILEGES FOR ROLE chuancheng_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO chuancheng_app;

-- The audit log: append and seal, nothing else (the tables exist once migrate has run).
DO $$
BEGIN
    IF to_regclass('public.workflow_auditentry') IS NOT NULL THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON public.workflow_auditentry FROM chuancheng_app;
        GRANT SELECT, INSERT ON public.workflow_auditentry TO chuancheng_app;
        GRANT UPDATE (seq, chain_hash) ON public.workflow_auditentry TO chuancheng_app;
    END IF;
    IF to_regclass('public.workflow_auditarchive') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.workflow_auditarchive FROM chuancheng_app;
        GRANT SELECT ON public.workflow_auditarchive TO chuancheng_app;
    END IF;
    IF to_regclass('public.workflow_auditkeyepoch') IS NOT NULL THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON public.workflow_auditkeyepoch FROM chuancheng_app;
        GRANT SELECT, INSERT ON public.workflow_auditkeyepoch TO chuancheng_app;
    END IF;
    IF to_regclass('public.workflow_auditchainhead') IS NOT NULL THEN
        REVOKE DELETE, TRUNCATE ON public.workflow_auditchainhead FROM chuancheng_app;
    END IF;
END;
$$;
