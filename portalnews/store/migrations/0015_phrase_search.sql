-- portalnews schema, version 15: search stays fast for a phrase of common words at a million articles.
-- search_articles ranks the newest `max_ranked` matches. PostgreSQL finds them either through the GIN
-- index (every match, then sorted: fine while matches are few) or by walking articles newest first and
-- checking each one's search vector (fine when most articles match). A quoted phrase matching 5 % of a
-- million articles suited neither: the walk read and checked ~20,000 TOASTed vectors to find the newest
-- 1,000 matches (223-340 ms p95; bench/README.md, "Flat cost at 1,000,000"). In between (under a
-- quarter of the newest 400 articles matching), the matches are now looked for among the newest
-- articles only, a window sized from that density and widened until it holds max_ranked of them: the
-- GIN index and the date index together, so only articles holding every word of the query are read.
-- (The planner's own estimate for a phrase multiplies its words' frequencies: 3 % for 5 % at 200,000.)
-- The newest max_ranked matches inside the window are the newest overall (everything outside is
-- older), so the ranked rows are the same.

-- The ids of the newest `max_ranked` articles matching `match` (search_articles' candidates).
CREATE FUNCTION search_candidates(match tsquery, portal_id text, since timestamptz, document_key text,
                                  max_ranked integer)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    -- The match itself, run with EXECUTE so that each call is planned with its own query and filters.
    matching constant text := $q$
        SELECT array_agg(id) FROM (
            SELECT a.id FROM articles a
            WHERE a.search_vector @@ $1
              AND ($2::text IS NULL OR a.portal = $2)
              AND ($3::timestamptz IS NULL OR a.published_at >= $3)
              AND ($4::text IS NULL OR a.id IN (
                      SELECT m.article_id FROM document_mentions m
                      WHERE public.document_key_form(m.document_key) = public.document_key_form($4)))
              AND ($5::timestamptz IS NULL OR a.published_at >= $5)
            ORDER BY a.published_at DESC NULLS LAST
            LIMIT $6
        ) newest $q$;
    sample constant integer := 400;  -- the newest articles checked first, to measure how dense matches are
    searched float8;   -- articles stored, by the planner's statistics
    hits integer;      -- matches among the sample
    window_rows float8;
    cutoff timestamptz;
    ids bigint[];
BEGIN
    IF portal_id IS NULL THEN
        SELECT count(*) FILTER (WHERE newest.search_vector @@ match) INTO hits FROM (
            SELECT a.search_vector FROM articles a
            ORDER BY a.published_at DESC NULLS LAST LIMIT sample) newest;
    ELSE
        SELECT count(*) FILTER (WHERE newest.search_vector @@ match) INTO hits FROM (
            SELECT a.search_vector FROM articles a WHERE a.portal = portal_id
            ORDER BY a.portal, a.published_at DESC LIMIT sample) newest;
    END IF;
    searched := (SELECT reltuples FROM pg_class WHERE oid = 'public.articles'::regclass);
    -- A quarter or more of the newest articles matching: the newest-first walk meets max_ranked of them
    -- soon (PostgreSQL's own plan), no window; none: few matches, the GIN index alone finds them all
    -- cheaply. Else the window that should hold max_ranked matches at the sample's density, a quarter
    -- more: every match in it is read (its vector checked) but one too narrow costs a second window
    -- (another GIN scan).
    IF hits = 0 OR hits >= sample / 4 THEN
        window_rows := 'Infinity';
    ELSE
        window_rows := 1.25 * max_ranked * sample / hits;
    END IF;
    LOOP
        cutoff := NULL;
        -- A window over more than a quarter of the articles saves little rechecking and its date range
        -- costs more than it saves (a query matching 0.2 %: 1,700 matches at 1,000,000): none.
        IF window_rows < searched / 4 THEN
            IF portal_id IS NULL THEN
                SELECT a.published_at INTO cutoff FROM articles a WHERE a.published_at IS NOT NULL
                ORDER BY a.published_at DESC NULLS LAST OFFSET window_rows::bigint LIMIT 1;
            ELSE
                SELECT a.published_at INTO cutoff FROM articles a
                WHERE a.portal = portal_id AND a.published_at IS NOT NULL
                ORDER BY a.portal, a.published_at DESC OFFSET window_rows::bigint LIMIT 1;
            END IF;
        END IF;
        EXECUTE matching INTO ids USING match, portal_id, since, document_key, cutoff, max_ranked;
        RAISE DEBUG 'search_candidates: % matches in %', coalesce(cardinality(ids), 0),
            CASE WHEN cutoff IS NULL THEN 'every article'
                 ELSE format('the %s newest articles', window_rows::bigint) END;
        -- Enough matches in the window (the newest overall), or no window: done. Else a window wider by
        -- what the last one held, until it is the whole table.
        EXIT WHEN cutoff IS NULL OR coalesce(cardinality(ids), 0) >= max_ranked;
        window_rows := window_rows * greatest(1.5, 1.25 * max_ranked / greatest(1, cardinality(ids)));
    END LOOP;
    RETURN QUERY SELECT unnest(ids);
END
$fn$;

DROP FUNCTION search_articles(text, text, timestamptz, integer, integer, text);
CREATE FUNCTION search_articles(query text, portal_id text DEFAULT NULL, since timestamptz DEFAULT NULL,
                                max_hits integer DEFAULT 20, max_ranked integer DEFAULT 1000,
                                document_key text DEFAULT NULL)
RETURNS TABLE (article_id bigint, portal text, title text, published_at timestamptz, rank real,
               snippet text, url text)
LANGUAGE sql STABLE
AS $$
    -- As in 0011_facts.sql, the candidates found by search_candidates above.
    WITH candidates AS (
        SELECT c.id
        FROM search_candidates(websearch_to_tsquery('public.vietnamese', normalize(query, NFC)),
                               portal_id, since, search_articles.document_key, max_ranked) AS c(id)
    ), hits AS (
        SELECT a.id, a.portal, a.title, a.published_at, a.body, a.url,
               (ts_rank_cd(a.search_vector, websearch_to_tsquery('public.vietnamese', normalize(query, NFC)))
                + CASE WHEN a.search_vector @@ phraseto_tsquery('public.vietnamese', normalize(query, NFC))
                       THEN 1 ELSE 0 END)::real AS rank
        FROM candidates c JOIN articles a ON a.id = c.id
        ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id
        LIMIT max_hits
    )
    SELECT h.id, h.portal, h.title, h.published_at, h.rank,
           ts_headline('public.vietnamese', h.body,
                       websearch_to_tsquery('public.vietnamese', normalize(query, NFC)),
                       'StartSel=«, StopSel=», MaxWords=30, MinWords=12, MaxFragments=2,'
                       ' FragmentDelimiter=" … "'),
           h.url
    FROM hits h
    ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.id
$$;
