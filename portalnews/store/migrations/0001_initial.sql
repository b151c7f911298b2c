-- portalnews schema, version 1.
-- Stages keep their own tables so each can be re-run: raw_pages (fetched HTML, kept before cleaning)
-- -> extractions (one cleaning result per raw page and extractor version) -> articles (deduplicated,
-- what analysts query). crawl_runs records every run for operators.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE portals (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    base_url    text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per run of a portal's pipeline (CLI or Airflow), with per-stage figures.
CREATE TABLE crawl_runs (
    id           bigserial PRIMARY KEY,
    portal       text NOT NULL REFERENCES portals(id),
    trigger      text NOT NULL DEFAULT 'cli',           -- 'cli', 'airflow', 'check', 'backfill'
    airflow_run_id text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running'        -- running, success, failed, alert
                 CHECK (status IN ('running', 'success', 'failed', 'alert')),
    stats        jsonb NOT NULL DEFAULT '{}'::jsonb,    -- crawl/clean/load figures
    message      text                                    -- why it failed or alerted
);
CREATE INDEX crawl_runs_portal_started ON crawl_runs (portal, started_at DESC);

-- Every fetched article page, stored before any cleaning, so cleaning can be re-run offline.
CREATE TABLE raw_pages (
    id             bigserial PRIMARY KEY,
    portal         text NOT NULL REFERENCES portals(id),
    crawl_run_id   bigint REFERENCES crawl_runs(id),
    requested_url  text NOT NULL,
    url            text NOT NULL,                       -- final URL after redirects
    canonical_url  text NOT NULL,                       -- dedupe key, see pipelines/urls.py
    status         integer NOT NULL,
    headers        jsonb NOT NULL DEFAULT '{}'::jsonb,
    html_gz        bytea NOT NULL,                      -- gzip-compressed response body
    content_sha256 text NOT NULL,
    fetched_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (portal, canonical_url, content_sha256)
);
CREATE INDEX raw_pages_portal_canonical ON raw_pages (portal, canonical_url);

-- Result of cleaning one raw page with one extractor version.
CREATE TABLE extractions (
    raw_page_id       bigint NOT NULL REFERENCES raw_pages(id) ON DELETE CASCADE,
    extractor_version text NOT NULL,
    extracted_at      timestamptz NOT NULL DEFAULT now(),
    ok                boolean NOT NULL,
    error             text,                              -- why cleaning failed (ok = false)
    result            jsonb,                             -- cleaned fields (ok = true)
    loaded_at         timestamptz,                       -- set once merged into articles
    PRIMARY KEY (raw_page_id, extractor_version)
);
CREATE INDEX extractions_unloaded ON extractions (raw_page_id) WHERE loaded_at IS NULL AND ok;

-- What analysts query: one row per distinct article of a portal.
CREATE TABLE articles (
    id                bigserial PRIMARY KEY,
    portal            text NOT NULL REFERENCES portals(id),
    url               text NOT NULL,                     -- the URL the article was first fetched at
    canonical_url     text NOT NULL,
    title             text,
    sapo              text,                              -- lead paragraph
    published_at      timestamptz,
    modified_at       timestamptz,
    author            text,                              -- byline as the page shows it (NULL when none)
    source            text,                              -- 'Theo ...' / 'Nguồn: ...' attribution
    body              text NOT NULL,
    category          text,
    images            jsonb NOT NULL DEFAULT '[]'::jsonb, -- [{"src": ..., "caption": ...}]
    language          text,
    body_fingerprint  text NOT NULL,                     -- sha256 of the dedupe form of the body
    body_simhash      text,                              -- trafilatura Simhash, for near-duplicates
    raw_page_id       bigint REFERENCES raw_pages(id),
    extractor_version text NOT NULL,
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (portal, canonical_url)
);
CREATE INDEX articles_portal_published ON articles (portal, published_at DESC);
CREATE INDEX articles_fingerprint ON articles (portal, body_fingerprint);
CREATE INDEX articles_title_trgm ON articles USING gin (title gin_trgm_ops);

-- Every canonical URL an article was reached through (print views, mirrors, aliases).
CREATE TABLE article_urls (
    portal        text NOT NULL,
    canonical_url text NOT NULL,
    article_id    bigint NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, canonical_url)
);

-- HTTP validators of listing pages, feeds and sitemaps, for conditional requests.
CREATE TABLE http_validators (
    portal        text NOT NULL,
    url           text NOT NULL,
    etag          text,
    last_modified text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, url)
);

-- Article URLs whose fetch failed (after retries); retried first on the next run, removed once stored.
CREATE TABLE fetch_failures (
    portal        text NOT NULL,
    canonical_url text NOT NULL,
    url           text NOT NULL,
    reason        text NOT NULL,
    attempts      integer NOT NULL DEFAULT 1,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (portal, canonical_url)
);

-- Analysts' sessions show times in Vietnam time by default (values are timestamptz either way).
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'Asia/Ho_Chi_Minh');
END $$;
