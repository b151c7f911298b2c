-- portalnews schema, version 13: what the analysts' commands and role promise, enforced.
--   * search_articles_count(): how many articles a search matches, so `portalnews search` can say
--     "21 match, 20 shown" (search_articles returns at most max_hits of them);
--   * no TEMP tables for the analyst: PostgreSQL grants TEMPORARY on a database to PUBLIC by default,
--     so a read-only analyst could still create (and fill the disk with) temporary tables. Only the
--     roles that need it keep it: the pipeline's group role (0004) and the database's owner.
-- The analyst's 2-minute statement_timeout (0002) stays a role default: PostgreSQL lets every session
-- change its own statement_timeout (SET statement_timeout = 0), and no grant can forbid that without a
-- superuser-installed extension; it guards against accidents, not against an analyst who lifts it.

-- The same match as search_articles (0002), counted up to `cap` rows (a broad query on a large archive
-- would otherwise count every match).
CREATE FUNCTION search_articles_count(query text, portal_id text DEFAULT NULL, since timestamptz DEFAULT NULL,
                                      cap integer DEFAULT 10000)
RETURNS bigint
LANGUAGE sql STABLE
AS $$
    SELECT count(*) FROM (
        SELECT 1 FROM articles a
        WHERE a.search_vector @@ websearch_to_tsquery('public.vietnamese', normalize(query, NFC))
          AND (portal_id IS NULL OR a.portal = portal_id)
          AND (since IS NULL OR a.published_at >= since)
        LIMIT cap
    ) matches
$$;

DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'analyst') THEN
        EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM analyst', current_database());
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'TEMPORARY on database % left as it is (% may not revoke it): analysts can create temporary '
                 'tables', current_database(), current_user;
END $$;
