-- portalnews schema, version 15: search stays fast for a phrase of common words at a million articles.
-- search_articles ranks the newest `max_ranked` matches. PostgreSQL finds them either through the GIN
-- index (every match, then sorted: fine while matches are few) or by walking articles newest first and
-- checking each one's search vector (fine when most articles match). A quoted phrase matching 5 % of a
-- million articles suited neither: the walk read and checked ~20,000 TOASTed vectors to find the newest
-- 1,000 matches (223-340 ms p95; bench/README.md, "Flat cost at 1,000,000"). In between, the matches
-- are now looked for among the newest articles only (a window sized from the planner's estimate of how
-- many match, widened until it holds max_ranked of them): the GIN index and the date index together,
-- so only articles holding every word of the query are read. The newest max_ranked matches inside the
-- window are the newest overall (everything outside is older), so the ranked rows are the same.

-- The ids of the newest `max_ranked` articles matching `match` (search_articles' candidates).
CREATE FUNCTION search_candidates(match tsquery, portal_id text, since timestamptz, document_key text,
                                  max_ranked integer)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE  -- only reads; VOLATILE because PostgreSQL runs EXPLAIN in no other kind
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
    plan json;
    estimated float8;  -- matches, by the planner's statistics
    searched float8;   -- articles searched (of the portal, when given), by the same statistics
    window_rows float8 := 4 * max_ranked;  -- the newest articles looked in first
    cutoff timestamptz;
    ids bigint[];
BEGIN
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM articles a WHERE a.search_vector @@ %L::tsquery'
                   ' AND (%L::text IS NULL OR a.portal = %L)', match, portal_id, portal_id) INTO plan;
    estimated := (plan->0->'Plan'->>'Plan Rows')::float8;
    EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM articles a WHERE (%L::text IS NULL OR a.portal = %L)',
                   portal_id, portal_id) INTO plan;
    searched := (plan->0->'Plan'->>'Plan Rows')::float8;
    -- Most articles matching (a common word, estimated well): the newest-first walk meets max_ranked of
    -- them soon, no window. A phrase's estimate multiplies its words' frequencies, far too low for
    -- words that come together, so below that the windows themselves measure how dense matches are.
    IF estimated >= searched / 4 THEN
        window_rows := 'Infinity';
    END IF;
    LOOP
        cutoff := NULL;
        IF window_rows < searched THEN
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
            CASE WHEN cutoff IS NULL THEN 'every article' ELSE format('the %s newest articles', window_rows) END;
        -- Enough matches in the window (the newest overall), or no window: done. Else a window wider by
        -- what the last one held (at least four times), until it is the whole table.
        EXIT WHEN cutoff IS NULL OR coalesce(cardinality(ids), 0) >= max_ranked;
        window_rows := window_rows * greatest(4, 1.5 * max_ranked / greatest(1, cardinality(ids)));
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
        FROM search_candidates(websearch_to_tsquery('public.vietnamese', normalize(query, NFC)), portal_id, since,
                               search_articles.document_key, max_ranked) AS c(id)
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
           ts_headline('public.vietnamese', h.body, websearch_to_tsquery('public.vietnamese', normalize(query, NFC)),
                       'StartSel=«, StopSel=», MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'),
           h.url
    FROM hits h
    ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.id
$$;
