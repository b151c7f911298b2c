-- portalnews schema, version 2: the analysts' database.
--   * a read-only role `analyst` (default privileges cover relations added by later migrations);
--   * Vietnamese full-text search that ignores diacritics and case (vi_fold, the `vietnamese`
--     text-search configuration, articles.search_vector, search_articles());
--   * article_versions: what an article said before the portal corrected it (article_corrections);
--   * stories: one story per text carried by one or more portals (story_articles, stories_across_portals);
--   * article_revisits: how often the decaying revisit schedule has re-fetched each article.

-- ---- Vietnamese search ------------------------------------------------------------------------
-- Immutable unaccent wrapper (unaccent() itself is only STABLE, so it cannot be indexed):
-- NFC first (queries typed on some systems arrive decomposed), then every diacritic off, đ/Đ -> d,
-- lowercase. The dictionary is named with its schema so search_path never changes the result.
CREATE FUNCTION vi_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, normalize($1, NFC)));

-- Syllables are the words of Vietnamese and nothing is stemmed; every token is unaccented, then
-- lowercased by `simple`, which keeps every word (no stop words: "của", "và" matter in phrases).
CREATE TEXT SEARCH CONFIGURATION vietnamese (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION vietnamese
    ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part,
                      hword_numpart
    WITH public.unaccent, pg_catalog.simple;

ALTER TABLE articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('public.vietnamese', coalesce(title, '')), 'A')
    || setweight(to_tsvector('public.vietnamese', coalesce(sapo, '')), 'B')
    || setweight(to_tsvector('public.vietnamese', body), 'C')) STORED;
CREATE INDEX articles_search ON articles USING gin (search_vector);
-- Fuzzy title search typed without diacritics: `vi_fold(title) %> vi_fold('nghi quyet')`.
CREATE INDEX articles_title_folded_trgm ON articles USING gin (vi_fold(title) gin_trgm_ops);

-- Ranked hits: every query word must occur (websearch syntax: "a phrase", or, -word); articles
-- holding the words as a phrase rank first. The snippet marks matches with « ».
-- Ranking reads each candidate's whole tsvector, so only the `max_ranked` newest matching articles
-- are ranked: exact for any query matching fewer, and news-like (recent first) for a query as broad
-- as "đảng" that matches most of the corpus; bench/search.py measures both.
CREATE INDEX articles_published ON articles (published_at DESC NULLS LAST);
CREATE FUNCTION search_articles(query text, portal_id text DEFAULT NULL, since timestamptz DEFAULT NULL,
                                max_hits integer DEFAULT 20, max_ranked integer DEFAULT 1000)
RETURNS TABLE (article_id bigint, portal text, title text, published_at timestamptz, rank real,
               snippet text, url text)
LANGUAGE sql STABLE
AS $$
    -- The query is written out where it is used (not in a CTE) so that, once PostgreSQL inlines this
    -- function, the planner sees the constant tsquery and picks the newest-first index scan for broad
    -- queries and the GIN index for narrow ones.
    WITH candidates AS (
        SELECT a.id
        FROM articles a
        WHERE a.search_vector @@ websearch_to_tsquery('public.vietnamese', normalize(query, NFC))
          AND (portal_id IS NULL OR a.portal = portal_id)
          AND (since IS NULL OR a.published_at >= since)
        ORDER BY a.published_at DESC NULLS LAST
        LIMIT max_ranked
    ), hits AS (
        SELECT a.id, a.portal, a.title, a.published_at, a.body, a.url,
               (ts_rank_cd(a.search_vector, websearch_to_tsquery('public.vietnamese', normalize(query, NFC)))
                + CASE WHEN a.search_vector @@ phraseto_tsquery('public.vietnamese', normalize(query, NFC))
                       THEN 1 ELSE 0 END)::real AS rank
        FROM candidates c JOIN articles a ON a.id = c.id
        ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id
        LIMIT max_hits
    )
    -- Snippets only for the hits shown: ts_headline re-parses the whole body.
    SELECT h.id, h.portal, h.title, h.published_at, h.rank,
           ts_headline('public.vietnamese', h.body, websearch_to_tsquery('public.vietnamese', normalize(query, NFC)),
                       'StartSel=«, StopSel=», MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'),
           h.url
    FROM hits h
    ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.id
$$;

-- ---- Versions ---------------------------------------------------------------------------------
-- One row per replaced content of an article: what it said before the portal changed it. Written by
-- the load stage only when a newly fetched page changes the stored content (never for an unchanged
-- re-fetch, never for a re-extraction of the same page).
CREATE TABLE article_versions (
    id                bigserial PRIMARY KEY,
    article_id        bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    title             text,
    sapo              text,
    published_at      timestamptz,
    modified_at       timestamptz,
    author            text,
    source            text,
    body              text NOT NULL,
    category          text,
    images            jsonb NOT NULL DEFAULT '[]'::jsonb,
    raw_page_id       bigint REFERENCES raw_pages(id),   -- the page this content came from
    extractor_version text NOT NULL,
    stored_at         timestamptz NOT NULL,              -- when this content became the article's
    replaced_at       timestamptz NOT NULL DEFAULT now(),
    replaced_by_raw_page_id bigint REFERENCES raw_pages(id),
    changed_fields    text[] NOT NULL,                   -- e.g. {title,body}
    diff              text NOT NULL                      -- unified diff, old -> new, per changed field
);
CREATE INDEX article_versions_article ON article_versions (article_id, replaced_at DESC);
CREATE INDEX article_versions_replaced ON article_versions (replaced_at DESC);

CREATE VIEW article_corrections AS
SELECT v.replaced_at AS corrected_at, a.portal, a.id AS article_id, a.title, v.changed_fields,
       v.title AS old_title, v.diff, a.url, v.id AS version_id
FROM article_versions v JOIN articles a ON a.id = v.article_id;

-- Revisit schedule state: how many of the portal's revisit steps (1 h, 6 h, 1 d, ... after the
-- article was first seen) have been fetched. A row appears with the first revisit.
CREATE TABLE article_revisits (
    article_id      bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    visits          integer NOT NULL DEFAULT 0,
    last_visited_at timestamptz NOT NULL DEFAULT now()
);

-- ---- Stories ----------------------------------------------------------------------------------
-- One row per story: a text carried by one portal or republished by several.
CREATE TABLE stories (
    id                 bigserial PRIMARY KEY,
    first_article_id   bigint,                          -- the earliest published copy
    first_portal       text NOT NULL REFERENCES portals(id),
    first_published_at timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE articles ADD COLUMN story_id bigint REFERENCES stories(id);
ALTER TABLE stories ADD FOREIGN KEY (first_article_id) REFERENCES articles(id) ON DELETE SET NULL;
CREATE INDEX articles_story ON articles (story_id);
CREATE INDEX articles_body_fingerprint ON articles (body_fingerprint);  -- exact copies on any portal

-- MinHash signature of each article's body (pipelines/stories.py) and its LSH band keys: articles
-- sharing a band key are the only candidates compared, so assigning a story never scans the corpus.
CREATE TABLE story_signatures (
    article_id bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    minhash    bigint[] NOT NULL,
    bands      bigint[] NOT NULL
);
CREATE INDEX story_signatures_bands ON story_signatures USING gin (bands);

-- Articles stored before this migration: exact copies (same body fingerprint) share a story.
INSERT INTO stories (first_article_id, first_portal, first_published_at, created_at)
SELECT DISTINCT ON (body_fingerprint) id, portal, published_at, first_seen_at
FROM articles ORDER BY body_fingerprint, published_at NULLS LAST, first_seen_at, id;
UPDATE articles a SET story_id = s.id
FROM stories s JOIN articles f ON f.id = s.first_article_id
WHERE f.body_fingerprint = a.body_fingerprint;

-- One row per article of a story, with how long after the story's first publication it appeared.
CREATE VIEW story_articles AS
SELECT s.id AS story_id, a.portal, a.id AS article_id, a.title, a.published_at,
       a.published_at - s.first_published_at AS after_first, a.id = s.first_article_id AS is_first, a.url
FROM stories s JOIN articles a ON a.story_id = s.id;

-- One row per story carried by more than one portal: who carried it, in order, and how late.
CREATE VIEW stories_across_portals AS
SELECT s.id AS story_id, s.first_portal, s.first_published_at,
       (SELECT f.title FROM articles f WHERE f.id = s.first_article_id) AS title,
       count(DISTINCT a.portal) AS portals,
       array_agg(a.portal || ' +' || coalesce(to_char(a.published_at - s.first_published_at, 'DD"d" HH24"h" MI"m"'), '?')
                 ORDER BY a.published_at NULLS LAST, a.id) AS carried_by
FROM stories s JOIN articles a ON a.story_id = s.id
GROUP BY s.id
HAVING count(DISTINCT a.portal) > 1;

-- ---- The analyst role -------------------------------------------------------------------------
-- Reads everything, writes nothing. Roles belong to the server, not the database: on a server
-- where the migrating role may not create roles (Compose: the data database's owner), the role is
-- created beforehand by a superuser (Compose's airflow-init) and only the grants below happen here.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'analyst') THEN
        BEGIN
            CREATE ROLE analyst LOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'role analyst does not exist and % may not create it', current_user
                USING HINT = 'as a superuser: CREATE ROLE analyst LOGIN PASSWORD ''...''; then migrate again';
        END;
    END IF;
    BEGIN
        ALTER ROLE analyst SET default_transaction_read_only = on;
        ALTER ROLE analyst SET statement_timeout = '2min';
        ALTER ROLE analyst SET idle_in_transaction_session_timeout = '10min';
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'role analyst''s settings are left to its creator (% may not alter it)', current_user;
    END;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO analyst', current_database());
END $$;

GRANT USAGE ON SCHEMA public TO analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO analyst;           -- tables and views
-- Relations later migrations create. This covers objects created by the role running migrations
-- now (current_user). A later migration that moves ownership to another role (an owner role,
-- 0004_least_privilege.sql) must re-declare, as or for that role:
--   GRANT SELECT ON ALL TABLES IN SCHEMA public TO analyst;
--   ALTER DEFAULT PRIVILEGES FOR ROLE <owner> IN SCHEMA public GRANT SELECT ON TABLES TO analyst;
-- and, if it revokes EXECUTE from PUBLIC, grant EXECUTE on vi_fold(text) and search_articles(...) to analyst.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO analyst;
