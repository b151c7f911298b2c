"""The crawl's own figures: Scrapy stats under one prefix, and the summary operators see."""

from __future__ import annotations

STATS_PREFIX = "portalnews/"


def stat(name: str) -> str:
    """The Scrapy stats key of one of our counters."""
    return STATS_PREFIX + name


def summarize_crawl(raw: dict, spool_lines_quarantined: int = 0) -> dict:
    """The crawl figures operators care about, from Scrapy's stats dump (and the spool drained before it)."""
    return {
        "requests": raw.get("downloader/request_count", 0),
        "responses_304": raw.get("downloader/response_status_count/304", 0),
        "article_links_found": raw.get(stat("article_links_found"), 0),
        "article_links_new": raw.get(stat("article_links_new"), 0),
        "pages_fetched": raw.get(stat("articles_fetched"), 0),
        "pages_stored": raw.get(stat("raw_pages_stored"), 0),
        "pages_spooled": raw.get(stat("raw_pages_spooled"), 0),
        # refused by the database: kept in the spool's quarantine and in fetch_failures (fetched again)
        "pages_quarantined": raw.get(stat("raw_pages_quarantined"), 0),
        "pages_lost": raw.get(stat("raw_pages_lost"), 0),
        "spool_lines_quarantined": spool_lines_quarantined,  # an earlier run's spool lines cut by a crash
        "fetch_errors": raw.get(stat("article_errors"), 0),
        "index_errors": raw.get(stat("index_errors"), 0),
        "links_refused": raw.get(stat("links_refused"), 0),  # not http/https: never fetched
        "listing_pages_followed": raw.get(stat("listing_pages_followed"), 0),
        "revisits": raw.get(stat("revisits_requested"), 0),
        "revisits_not_modified": raw.get(stat("revisits_not_modified"), 0),
        "paging_stopped_nothing_new": raw.get(stat("paging_stopped_nothing_new"), 0),
        # backfill from a web archive (spiders/archive_spider.py)
        "captures_listed": raw.get(stat("captures_listed"), 0),
        "archive_urls_matched": raw.get(stat("archive_urls_matched"), 0),
        "archive_already_stored": raw.get(stat("archive_already_stored"), 0),
        "finish_reason": raw.get("finish_reason"),
        "elapsed_seconds": raw.get("elapsed_time_seconds"),
    }
