"""The crawl's own figures: Scrapy stats under one prefix, and the summary operators see."""

from __future__ import annotations

STATS_PREFIX = "portalnews/"


def stat(name: str) -> str:
    """The Scrapy stats key of one of our counters."""
    return STATS_PREFIX + name


# Our counters keep one name end to end: Scrapy stats (under STATS_PREFIX), the run summary, crawl_runs.stats.
SUMMARY_COUNTERS = (
    "article_links_found", "article_links_new", "pages_fetched", "pages_stored", "pages_spooled",
    "pages_quarantined",  # refused by the database: kept in the spool's quarantine and in fetch_failures
    "pages_lost", "fetch_errors", "index_errors",
    "links_refused",  # not http/https: never fetched
    "listing_pages_followed", "revisits", "revisits_not_modified", "paging_stopped_nothing_new",
    # backfill from a web archive (spiders/archive_spider.py)
    "captures_listed", "archive_urls_matched", "archive_already_stored",
)


def summarize_crawl(raw: dict, spool_lines_quarantined: int = 0) -> dict:
    """The crawl figures operators care about, from Scrapy's stats dump (and the spool drained before it)."""
    return {
        "requests": raw.get("downloader/request_count", 0),
        "responses_304": raw.get("downloader/response_status_count/304", 0),
        **{name: raw.get(stat(name), 0) for name in SUMMARY_COUNTERS},
        "spool_lines_quarantined": spool_lines_quarantined,  # an earlier run's spool lines cut by a crash
        "finish_reason": raw.get("finish_reason"),
        "elapsed_seconds": raw.get("elapsed_time_seconds"),
    }
