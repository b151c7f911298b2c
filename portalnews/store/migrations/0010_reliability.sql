-- Only the pipeline may take the pipeline's locks (issue 17, item 5). PostgreSQL lets every role call
-- the advisory-lock functions, so a read-only analyst holding the keys of the one-crawl-per-portal lock
-- or the load stage's lock made every crawl fail busy and the load stage wait forever. Here they are
-- revoked from PUBLIC (per database: these grants live in this database's catalog) and granted back
-- to portalnews_pipeline and to the database's owner (migrations lock too). Superusers keep them.
--
-- The functions belong to the bootstrap superuser: where migrations run as a non-superuser owner
-- (Compose), the revoke is skipped with a notice; a superuser can run this file's block later.
--
-- Every lock wait in this database is bounded too: a statement waiting longer than lock_timeout for
-- a lock stops with "canceling statement due to lock timeout" instead of hanging a stage.

DO $$
DECLARE
    owner text := (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database());
    signature text;
BEGIN
    EXECUTE format('ALTER DATABASE %I SET lock_timeout = %L', current_database(), '10min');
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE NOTICE 'advisory-lock functions left open to every role (% is not a superuser): as a superuser, '
                     'run the block of migration 0010_reliability.sql in this database', current_user;
        RETURN;
    END IF;
    FOR signature IN
        SELECT p.oid::regprocedure::text FROM pg_proc p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_%advisory\_%'
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', signature);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', signature, owner);
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'portalnews_pipeline') THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO portalnews_pipeline', signature);
        END IF;
    END LOOP;
END $$;
