-- portalnews schema: operations (issue 10).
-- One crawl_runs row per Airflow run across its retries, with who is running it (so a run whose task
-- died can be closed as failed); per-portal health figures; alert incidents (one message each).

-- Which process is working on a run right now (NULL between the DAG's tasks) and when it last did.
ALTER TABLE crawl_runs
    ADD COLUMN attempts     integer NOT NULL DEFAULT 1,   -- tries of the Airflow run that reused this row
    ADD COLUMN owner_host   text,
    ADD COLUMN owner_pid    integer,
    ADD COLUMN owner_started double precision,           -- the process's start time (epoch s): pid reuse
    ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();

-- Earlier schema versions opened a row per try. The latest try keeps the Airflow run id; earlier
-- tries stay (their raw pages point at them) but no longer count as open runs.
WITH ranked AS (
    SELECT id, portal, airflow_run_id,
           row_number() OVER (PARTITION BY portal, airflow_run_id ORDER BY id DESC) AS rank,
           count(*) OVER (PARTITION BY portal, airflow_run_id) AS tries,
           max(id) OVER (PARTITION BY portal, airflow_run_id) AS latest
    FROM crawl_runs WHERE airflow_run_id IS NOT NULL
)
UPDATE crawl_runs c SET
    status = CASE WHEN ranked.rank > 1 AND c.status = 'running' THEN 'failed' ELSE c.status END,
    finished_at = CASE WHEN ranked.rank > 1 THEN coalesce(c.finished_at, now()) ELSE c.finished_at END,
    message = CASE WHEN ranked.rank > 1
                   THEN concat_ws('; ', c.message, format('earlier try of Airflow run %s (crawl_runs %s)',
                                                          c.airflow_run_id, ranked.latest))
                   ELSE c.message END,
    stats = CASE WHEN ranked.rank > 1 THEN c.stats || jsonb_build_object('airflow_run_id', c.airflow_run_id)
                 ELSE c.stats END,
    airflow_run_id = CASE WHEN ranked.rank > 1 THEN NULL ELSE c.airflow_run_id END,
    attempts = CASE WHEN ranked.rank = 1 THEN ranked.tries ELSE 1 END
FROM ranked WHERE ranked.id = c.id AND ranked.tries > 1;

CREATE UNIQUE INDEX crawl_runs_airflow_run ON crawl_runs (portal, airflow_run_id);
CREATE INDEX crawl_runs_running ON crawl_runs (portal) WHERE status = 'running';

-- One row per portal per health computation (the portalnews_health DAG); the latest is what counts.
CREATE TABLE portal_health (
    portal              text NOT NULL REFERENCES portals(id),
    computed_at         timestamptz NOT NULL DEFAULT now(),
    status              text NOT NULL CHECK (status IN ('ok', 'alert', 'no data')),
    reasons             text[] NOT NULL DEFAULT '{}',    -- thresholds crossed, with figures
    newest_article_at   timestamptz,                     -- newest published (or first seen) article
    newest_article_age_hours real,
    articles_per_day    real NOT NULL,                   -- mean over the 28 days before the last 24 h
    articles_last_24h   integer NOT NULL,
    yield_ratio         real,                            -- last 24 h against that mean (NULL: no baseline)
    pages_cleaned_7d    integer NOT NULL,                -- cleaning results of the last 7 days
    no_date_share       real,                            -- of those: cleaned but no published date
    no_body_share       real,                            -- of those: no article body
    open_fetch_failures integer NOT NULL,
    last_success_at     timestamptz,                     -- last crawl_runs row with status success
    daily_counts        integer[] NOT NULL,              -- articles per day, 28 days, oldest first
    PRIMARY KEY (portal, computed_at)
);

CREATE VIEW portal_health_latest AS
    SELECT DISTINCT ON (portal) * FROM portal_health ORDER BY portal, computed_at DESC;

-- An incident: a portal flagged by a run (`run`) or by the health DAG (`health`), open until that
-- source finds the portal well again. A person is told once per incident, not on every retry or run.
CREATE TABLE alert_incidents (
    id            bigserial PRIMARY KEY,
    portal        text NOT NULL,
    source        text NOT NULL CHECK (source IN ('run', 'health')),
    reason        text NOT NULL,
    log_url       text,
    opened_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    occurrences   integer NOT NULL DEFAULT 1,
    notified_at   timestamptz,                            -- NULL: no alert connection, or sending failed
    resolved_at   timestamptz
);
CREATE UNIQUE INDEX alert_incidents_open ON alert_incidents (portal, source) WHERE resolved_at IS NULL;
