-- portalnews schema, version 11: the facts analysts query (issue 19): the Party and State documents
-- each article cites and the officials it names with their positions, derived from the stored text
-- by the rules of portalnews/facts/ (pipelines/facts.py stores them; docs/facts.md).
--
-- Facts describe an article's current content: the load stage replaces them, in the same batch,
-- whenever a newly fetched page changes the article (the replaced text stays in article_versions;
-- its facts are not kept and can be derived again from that text). Each article's facts carry the
-- version of the rules that derived them; `portalnews facts recompute` derives again every article
-- whose facts are missing (stored before this migration) or of another rules version.

CREATE TABLE article_facts (
    article_id    bigint PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    rules_version text NOT NULL,                       -- portalnews.facts.RULES_VERSION
    derived_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX article_facts_rules_version ON article_facts (rules_version);

-- The form in which two spellings of a key are the same: diacritics, case and spacing ignored
-- ('57-nq/tw', 'Nghi quyet Trung uong 4 khoa XII'). What `portalnews documents KEY` and
-- search_articles(document_key => ...) compare.
CREATE FUNCTION document_key_form(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN regexp_replace(public.vi_fold($1), '\s+', '', 'g');

-- One row per mention of a document (an article citing a resolution three times has three rows).
CREATE TABLE document_mentions (
    article_id    bigint NOT NULL REFERENCES article_facts(article_id) ON DELETE CASCADE,
    field         text NOT NULL CHECK (field IN ('title', 'sapo', 'body')),
    start_offset  integer NOT NULL,                    -- where the mention starts in that field
    document_key  text NOT NULL,                       -- 35-NQ/TW, 1234/QĐ-UBND, Nghị quyết Trung ương 4 khóa XII
    document_type text,                                -- Nghị quyết, Chỉ thị, Quyết định, Nghị định, ...
    number        text,
    symbol        text,                                -- NQ/TW, QĐ-UBND, NĐ-CP
    issuer        text,                                -- Bộ Chính trị, Ban Bí thư, Chính phủ, UBND tỉnh, ...
    term          text,                                -- khóa, as printed: XII
    plenum        smallint,                            -- the Central Committee conference: 4
    issued_on     date,
    sentence      text NOT NULL,
    PRIMARY KEY (article_id, field, start_offset)
);
CREATE INDEX document_mentions_key ON document_mentions (document_key_form(document_key));

-- One row per position a named person is given in an article's sentence.
CREATE TABLE official_mentions (
    article_id   bigint NOT NULL REFERENCES article_facts(article_id) ON DELETE CASCADE,
    field        text NOT NULL CHECK (field IN ('title', 'sapo', 'body')),
    start_offset integer NOT NULL,                     -- where the name starts in that field
    name         text NOT NULL,                        -- as printed, NFC
    position     text NOT NULL,                        -- one position per row: Bí thư Thành ủy
    honorific    text,                                 -- đồng chí, ông, bà
    sentence     text NOT NULL
);
CREATE INDEX official_mentions_article ON official_mentions (article_id);
CREATE INDEX official_mentions_name ON official_mentions (vi_fold(name));

-- ---- Analysts' views ---------------------------------------------------------------------------
CREATE VIEW article_documents AS
SELECT a.id AS article_id, a.portal, a.published_at, m.document_key, m.document_type, m.number, m.symbol,
       m.issuer, m.term, m.plenum, m.issued_on, m.sentence AS quote, m.field, m.start_offset, a.title, a.url,
       f.rules_version
FROM document_mentions m JOIN article_facts f ON f.article_id = m.article_id JOIN articles a ON a.id = m.article_id;

CREATE VIEW article_officials AS
SELECT a.id AS article_id, a.portal, a.published_at, m.name, m.position, m.honorific, m.sentence AS quote,
       m.field, m.start_offset, a.title, a.url, f.rules_version
FROM official_mentions m JOIN article_facts f ON f.article_id = m.article_id JOIN articles a ON a.id = m.article_id;

-- Which portals wrote about a document, when first and last, in how many articles.
CREATE VIEW document_coverage AS
SELECT document_key, portal, min(published_at) AS first_mentioned_at, max(published_at) AS last_mentioned_at,
       count(DISTINCT article_id) AS articles
FROM article_documents
GROUP BY document_key, portal;

-- Each position a person is reported in, by which portals, first and last seen: ordered by
-- first_seen_at, the rows of one position show it changing hands.
CREATE VIEW official_positions AS
SELECT name, position, array_agg(DISTINCT portal ORDER BY portal) AS portals, min(published_at) AS first_seen_at,
       max(published_at) AS last_seen_at, count(DISTINCT article_id) AS articles
FROM article_officials
GROUP BY name, position;

-- ---- Search filtered by a document -------------------------------------------------------------
-- search_articles() gains a last parameter, document_key (default NULL: every article, as before);
-- calls with the earlier parameters are unchanged. `search_articles('tư tưởng', document_key =>
-- '35-nq/tw')`: the key in any spelling document_key_form folds together.
DROP FUNCTION search_articles(text, text, timestamptz, integer, integer);
CREATE FUNCTION search_articles(query text, portal_id text DEFAULT NULL, since timestamptz DEFAULT NULL,
                                max_hits integer DEFAULT 20, max_ranked integer DEFAULT 1000,
                                document_key text DEFAULT NULL)
RETURNS TABLE (article_id bigint, portal text, title text, published_at timestamptz, rank real,
               snippet text, url text)
LANGUAGE sql STABLE
AS $$
    -- As in 0002_analysts.sql (the query written out where it is used, so the planner sees it).
    WITH candidates AS (
        SELECT a.id
        FROM articles a
        WHERE a.search_vector @@ websearch_to_tsquery('public.vietnamese', normalize(query, NFC))
          AND (portal_id IS NULL OR a.portal = portal_id)
          AND (since IS NULL OR a.published_at >= since)
          AND (search_articles.document_key IS NULL OR a.id IN (
                  SELECT m.article_id FROM document_mentions m
                  WHERE public.document_key_form(m.document_key) = public.document_key_form(search_articles.document_key)))
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
    SELECT h.id, h.portal, h.title, h.published_at, h.rank,
           ts_headline('public.vietnamese', h.body, websearch_to_tsquery('public.vietnamese', normalize(query, NFC)),
                       'StartSel=«, StopSel=», MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'),
           h.url
    FROM hits h
    ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.id
$$;
