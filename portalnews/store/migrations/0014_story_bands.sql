-- portalnews schema, version 14: story band lookups stay flat at a million articles.
-- The load stage found a new article's near-copies through a GIN index on story_signatures.bands, then
-- read every candidate's signature and article row to score it. At 1,000,000 articles the GIN index
-- was 870 MB (16 keys an article, nearly all unique) and a new article had ~17 candidates sharing one
-- band by chance (common sentences): its lookup read ~35 blocks from outside PostgreSQL's cache, against
-- ~1 at 10,000 (bench/README.md, "Flat cost at 1,000,000"). Here the keys are rows of a btree table,
-- (band, article_id), so a batch's keys are one index-only join, and a stored article is scored only
-- when it shares enough bands to reach the same-story threshold (pipelines/load/stories.py,
-- MIN_SHARED_BANDS): chance candidates sharing a band or two are dropped without reading any row.
-- No foreign key to story_signatures: its check would cost a lookup for each of an article's 16 keys
-- on every insert; lookups join story_signatures, so rows of a deleted article are never candidates.
CREATE TABLE story_bands (
    band       bigint NOT NULL,
    article_id bigint NOT NULL
);
-- Articles stored before this migration keep being found (the index is built once, after the rows).
INSERT INTO story_bands (band, article_id)
SELECT k.band, s.article_id
FROM story_signatures s CROSS JOIN LATERAL (SELECT DISTINCT unnest(s.bands)) AS k(band);
SET LOCAL maintenance_work_mem = '256MB';  -- sorts 16 keys an article: 16,000,000 at a million articles
ALTER TABLE story_bands ADD PRIMARY KEY (band, article_id);
-- Nothing reads the array or its GIN index any more (the keys live in story_bands).
DROP INDEX story_signatures_bands;
ALTER TABLE story_signatures DROP COLUMN bands;
