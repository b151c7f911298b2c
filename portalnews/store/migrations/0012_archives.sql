-- portalnews schema: web archives (issue 20).
-- Where a raw page came from: fetched from the portal by a crawl, or read from a web archive (a WARC
-- or WACZ file given to `portalnews import`, or a Wayback-compatible server's replay of a capture).
-- An archived copy of a page a crawl also fetched is the same (portal, canonical_url, content_sha256)
-- and is not stored twice.

ALTER TABLE raw_pages
    ADD COLUMN source text NOT NULL DEFAULT 'crawl' CHECK (source IN ('crawl', 'archive')),
    ADD COLUMN archive_file text,                -- the WARC/WACZ file, or the archive's replay URL
    ADD COLUMN archive_record_id text;           -- WARC-Record-ID, or the capture's timestamp/URL

-- Which raw pages came from which archive file (exports and re-imports ask this).
CREATE INDEX raw_pages_archive_file ON raw_pages (archive_file) WHERE archive_file IS NOT NULL;
