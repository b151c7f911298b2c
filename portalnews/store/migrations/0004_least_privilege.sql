-- Least privilege for the pipeline itself: everything a crawl, clean, load or report does is
-- reading and writing rows, so the role it logs in as needs no superuser, no DDL, no ownership.
--
-- portalnews_pipeline is a group role (NOLOGIN): grant it to the login role the pipeline uses, e.g.
--   CREATE ROLE crawler LOGIN PASSWORD '...' IN ROLE portalnews_pipeline;
-- Migrations stay with the database's owner (`portalnews db migrate`, Compose's airflow-init).
-- Not a superuser means no pg_read_file, no COPY ... TO/FROM PROGRAM, no server files.
--
-- Roles belong to the server: where the migrating role may not create roles (Compose: the data
-- database's owner, which is itself the pipeline's non-superuser login), a superuser creates
-- portalnews_pipeline beforehand, or the grants are skipped with a notice.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portalnews_pipeline') THEN
        BEGIN
            CREATE ROLE portalnews_pipeline NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
        EXCEPTION
            WHEN duplicate_object THEN NULL;  -- another database's migration created it just now
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'role portalnews_pipeline not created (% may not create roles); as a superuser: '
                             'CREATE ROLE portalnews_pipeline NOLOGIN; then run 0004''s grants', current_user;
                RETURN;
        END;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO portalnews_pipeline', current_database());
    GRANT USAGE ON SCHEMA public TO portalnews_pipeline;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO portalnews_pipeline;
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO portalnews_pipeline;
    -- schema_migrations is the migrating role's record: the pipeline only checks it.
    REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM portalnews_pipeline;
    -- Tables and sequences later migrations create (as the role running migrations now).
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO portalnews_pipeline;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO portalnews_pipeline;
END $$;
