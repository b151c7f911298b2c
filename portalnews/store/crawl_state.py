"""What a crawl remembers between runs, kept in PostgreSQL.

- known article URLs (canonical), so an article already stored is not fetched again;
- HTTP validators (ETag / Last-Modified) of listing pages, feeds and sitemaps, for conditional requests;
- fetch failures, so an article that failed is retried on the next run even if its listing is unchanged;
- articles due for a revisit (a correction on the portal shows up as a changed page): those first seen
  within the portal's decaying schedule (`revisit_after`) that have not been fetched again at the
  step they reached, or every known article on `portalnews run --revisit`; requested conditionally
  with the ETag / Last-Modified of their last fetched page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from psycopg2.extras import execute_values

from portalnews.store.db import transaction

# After this many failed runs an article URL is left in fetch_failures for an operator to look at.
MAX_FETCH_ATTEMPTS = 5


@dataclass(frozen=True)
class Revisit:
    article_id: int
    url: str
    etag: str | None
    last_modified: str | None
    steps_reached: int  # how many of the schedule's steps have elapsed since the article was first seen

    def conditional_headers(self) -> dict[str, str]:
        headers = {"If-None-Match": self.etag} if self.etag else {}
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass
class CrawlState:
    known_urls: set[str] = field(default_factory=set)
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    failed_urls: list[str] = field(default_factory=list)
    revisits: list[Revisit] = field(default_factory=list)


# Articles whose schedule reached a step they were not fetched at; with revisit_all, every article.
_DUE_REVISITS = """
SELECT a.id, a.url, p.headers, s.reached
FROM articles a
LEFT JOIN article_revisits v ON v.article_id = a.id
CROSS JOIN LATERAL (SELECT count(*)::int AS reached FROM unnest(%(steps)s::int[]) step
                    WHERE a.first_seen_at + make_interval(secs => step) <= now()) s
LEFT JOIN LATERAL (SELECT r.headers FROM raw_pages r
                   WHERE r.portal = a.portal AND r.canonical_url = a.canonical_url
                   ORDER BY r.fetched_at DESC LIMIT 1) p ON true
WHERE a.portal = %(portal)s
  AND CASE WHEN %(revisit_all)s THEN (%(since)s::timestamptz IS NULL OR a.published_at >= %(since)s)
      ELSE a.first_seen_at > now() - make_interval(secs => %(window)s)
           AND s.reached > coalesce(v.visits, 0) END
ORDER BY a.first_seen_at DESC
"""


def _header(headers: dict | None, name: str) -> str | None:
    for key, values in (headers or {}).items():
        if key.lower() == name.lower() and values:
            return values[0] if isinstance(values, list) else values
    return None


def due_revisits(cur, portal: str, revisit_after: tuple[int, ...], revisit_all: bool = False,
                 since: datetime | None = None) -> list[Revisit]:
    if not revisit_after and not revisit_all:
        return []
    cur.execute(_DUE_REVISITS, {"portal": portal, "steps": list(revisit_after), "revisit_all": revisit_all,
                                "since": since, "window": max(revisit_after, default=0)})
    return [
        Revisit(
            row["id"],
            row["url"],
            _header(row["headers"], "ETag"),
            _header(row["headers"], "Last-Modified"),
            row["reached"],
        )
        for row in cur.fetchall()
    ]


def mark_revisited(db_url: str, revisits: list[Revisit]) -> None:
    """Record that these articles were requested again (a failed fetch is retried as a fetch failure)."""
    if not revisits:
        return
    with transaction(db_url) as cur:
        cur.execute(
            "INSERT INTO article_revisits (article_id, visits)"
            " SELECT * FROM unnest(%s::bigint[], %s::int[])"
            " ON CONFLICT (article_id) DO UPDATE SET visits = GREATEST(article_revisits.visits, "
            "EXCLUDED.visits),"
            " last_visited_at = now()",
            ([r.article_id for r in revisits], [r.steps_reached for r in revisits]),
        )


def load_state(db_url: str, portal: str, revisit_after: tuple[int, ...] = (), revisit_all: bool = False,
               since: datetime | None = None) -> CrawlState:
    state = CrawlState()
    with transaction(db_url) as cur:
        cur.execute(
            "SELECT canonical_url FROM article_urls WHERE portal = %s"
            " UNION SELECT canonical_url FROM raw_pages WHERE portal = %s",
            (portal, portal),
        )
        state.known_urls = {row["canonical_url"] for row in cur.fetchall()}
        cur.execute("SELECT url, etag, last_modified FROM http_validators WHERE portal = %s", (portal,))
        state.validators = {row["url"]: (row["etag"], row["last_modified"]) for row in cur.fetchall()}
        cur.execute(
            "SELECT url FROM fetch_failures WHERE portal = %s AND attempts < %s ORDER BY updated_at",
            (portal, MAX_FETCH_ATTEMPTS),
        )
        state.failed_urls = [row["url"] for row in cur.fetchall()]
        state.revisits = due_revisits(cur, portal, revisit_after, revisit_all, since)
    return state


def save_validators(db_url: str, portal: str, validators: dict[str, tuple[str | None, str | None]]) -> None:
    if not validators:
        return
    with transaction(db_url) as cur:
        execute_values(
            cur,
            "INSERT INTO http_validators (portal, url, etag, last_modified) VALUES %s"
            " ON CONFLICT (portal, url) DO UPDATE SET etag = EXCLUDED.etag,"
            " last_modified = EXCLUDED.last_modified, updated_at = now()",
            [(portal, url, etag, last_modified) for url, (etag, last_modified) in validators.items()],
        )


def record_failures(cur, portal: str, failures: dict[str, tuple[str, str]]) -> None:
    """Upsert fetch_failures rows on an open cursor: url -> (canonical_url, reason)."""
    # One row per canonical URL: two failed URLs of one article in a single statement would conflict twice.
    rows = {canonical: (portal, url, canonical, reason[:1000])
            for url, (canonical, reason) in failures.items()}
    execute_values(
        cur,
        "INSERT INTO fetch_failures (portal, url, canonical_url, reason) VALUES %s"
        " ON CONFLICT (portal, canonical_url) DO UPDATE SET url = EXCLUDED.url,"
        " reason = EXCLUDED.reason, attempts = fetch_failures.attempts + 1, updated_at = now()",
        list(rows.values()),
    )


def save_failures(db_url: str, portal: str, failures: dict[str, tuple[str, str]]) -> None:
    """Record article URLs that could not be fetched: url -> (canonical_url, reason)."""
    if not failures:
        return
    with transaction(db_url) as cur:
        record_failures(cur, portal, failures)


def forget_failures(db_url: str, portal: str, canonical_urls: set[str]) -> None:
    """Stop retrying article URLs that will never be fetched (robots.txt forbids them)."""
    if not canonical_urls:
        return
    with transaction(db_url) as cur:
        cur.execute("DELETE FROM fetch_failures WHERE portal = %s AND canonical_url = ANY(%s)",
                    (portal, sorted(canonical_urls)))
