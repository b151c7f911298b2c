"""What a crawl remembers between runs, kept in PostgreSQL.

- known article URLs (canonical), so an article already stored is not fetched again;
- HTTP validators (ETag / Last-Modified) of listing pages, feeds and sitemaps, for conditional requests;
- fetch failures, so an article that failed is retried on the next run even if its listing is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portalnews.store.db import transaction

# After this many failed runs an article URL is left in fetch_failures for an operator to look at.
MAX_FETCH_ATTEMPTS = 5


@dataclass
class CrawlState:
    known_urls: set[str] = field(default_factory=set)
    validators: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    failed_urls: list[str] = field(default_factory=list)


def load_state(db_url: str, portal: str) -> CrawlState:
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
    return state


def save_validators(db_url: str, portal: str, validators: dict[str, tuple[str | None, str | None]]) -> None:
    if not validators:
        return
    with transaction(db_url) as cur:
        for url, (etag, last_modified) in validators.items():
            cur.execute(
                "INSERT INTO http_validators (portal, url, etag, last_modified) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (portal, url) DO UPDATE SET etag = EXCLUDED.etag,"
                " last_modified = EXCLUDED.last_modified, updated_at = now()",
                (portal, url, etag, last_modified),
            )


def save_failures(db_url: str, portal: str, failures: dict[str, tuple[str, str]]) -> None:
    """Record article URLs that could not be fetched: url -> (canonical_url, reason)."""
    if not failures:
        return
    with transaction(db_url) as cur:
        for url, (canonical, reason) in failures.items():
            cur.execute(
                "INSERT INTO fetch_failures (portal, url, canonical_url, reason) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (portal, canonical_url) DO UPDATE SET url = EXCLUDED.url,"
                " reason = EXCLUDED.reason, attempts = fetch_failures.attempts + 1, updated_at = now()",
                (portal, url, canonical, reason),
            )


def forget_failures(db_url: str, portal: str, canonical_urls: set[str]) -> None:
    """Stop retrying article URLs that will never be fetched (robots.txt forbids them)."""
    if not canonical_urls:
        return
    with transaction(db_url) as cur:
        cur.execute("DELETE FROM fetch_failures WHERE portal = %s AND canonical_url = ANY(%s)",
                    (portal, sorted(canonical_urls)))
