"""Backfill from a Wayback-compatible web archive (the Internet Archive, pywb, national archives).

    scrapy crawl archive -a portal=danang -a archive=https://web.archive.org/web
                         [-a since=2020-01-01] [-a until=2024-12-31] [-a delay=1.0] [-a run_id=42]

Asks the archive's CDX API for the successful captures of each of the portal's hosts (captured between
`since` and `until`), keeps the URLs the portal's URL policy, hosts and article pattern accept (the
earliest capture of each canonical URL), skips those already stored, and fetches each capture's raw
bytes (`id_`) into raw_pages with its provenance. Politeness is the archive's, not the portal's: its
own delay (`delay`, default ARCHIVE_DOWNLOAD_DELAY) and at most two requests at a time; retries back
off and obey Retry-After (spiders/middlewares.py). With JOBDIR an interrupted backfill resumes without
fetching a capture twice. Crawl state of the live portal (validators, fetch failures) is left alone.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import scrapy

from portalnews.archives.cdx import Capture, cdx_query, parse_cdx, replay_url
from portalnews.registry.urls import canonical_url
from portalnews.spiders.crawl_stats import stat
from portalnews.spiders.portal_spider import PortalSpider

ARCHIVE_DOWNLOAD_DELAY = 1.0  # seconds between two requests to the archive
ARCHIVE_CONCURRENCY = 2


class ArchiveSpider(PortalSpider):
    name = "archive"

    def __init__(self, portal: str, archive: str = "", until: str = "", delay: str = "", *args, **kwargs):
        kwargs["backfill"] = "1"  # an archive's captures are a backfill whatever the caller says
        super().__init__(portal, *args, **kwargs)
        if not archive:
            raise ValueError("the archive spider needs -a archive=URL (a Wayback-compatible replay prefix)")
        self.archive = archive.rstrip("/")
        self.until = date.fromisoformat(until) if until else None
        self.archive_delay = float(delay) if delay else ARCHIVE_DOWNLOAD_DELAY
        self.allowed_domains = [urlsplit(self.archive).hostname or ""]
        self.earliest: dict[str, Capture] = {}  # canonical URL -> its earliest capture
        self.listed: set[str] = set()  # captures seen in the CDX answers
        self.counted_known: set[str] = set()  # matched URLs already stored, counted once

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The portal's own Scrapy settings are about the portal's server; the archive gets its own limits.
        crawler.settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", ARCHIVE_CONCURRENCY, priority="spider")
        crawler.settings.set("DOWNLOAD_DELAY", spider.archive_delay, priority="spider")
        return spider

    async def start(self):
        state = self.load_crawl_state()
        if state is None:
            return
        self.known = state.known_urls
        since = self.since.date() if self.since else None
        for host in sorted({urlsplit(self.portal.base_url).netloc, *self.portal.hosts}):
            # dont_filter: a resumed backfill asks again (JOBDIR remembers the captures already fetched).
            yield scrapy.Request(
                cdx_query(self.archive, host, since, self.until),
                callback=self.parse_captures,
                errback=self.on_index_error,
                dont_filter=True,
                priority=20,
            )

    def parse_captures(self, response):
        """One CDX answer: the earliest capture of each new article URL is fetched. The hosts' answers
        may overlap (with and without www.); a capture is counted once, a URL fetched once."""
        stats = self.crawler.stats
        try:
            captures = parse_cdx(response.body)
        except ValueError as err:
            stats.inc_value(stat("index_errors"))
            self.logger.error("CDX answer of %s unreadable: %s", response.url, err)
            return
        new_here: set[str] = set()
        for capture in captures:
            if capture.record_id in self.listed:
                continue
            self.listed.add(capture.record_id)
            stats.inc_value(stat("captures_listed"))
            if not self.portal.article_regex.search(capture.url) or not self._on_portal(capture.url) \
                    or not self._fetchable(capture.url, response.url):
                continue
            canonical = canonical_url(capture.url, self.portal)
            if canonical in self.scheduled or canonical in self.known:
                new_here.add(canonical)  # counted as already stored below, once
                continue
            earliest = self.earliest.get(canonical)
            if earliest is None or capture.timestamp < earliest.timestamp:
                self.earliest[canonical] = capture
            new_here.add(canonical)
        for canonical in sorted(new_here - self.scheduled - self.counted_known):
            stats.inc_value(stat("archive_urls_matched"))
            stats.inc_value(stat("article_links_found"))
            if canonical in self.known:
                self.counted_known.add(canonical)
                stats.inc_value(stat("archive_already_stored"))
                continue
            self.scheduled.add(canonical)
            stats.inc_value(stat("article_links_new"))
            yield scrapy.Request(
                replay_url(self.archive, self.earliest[canonical]),
                callback=self.parse_capture,
                errback=self.on_capture_error,
                priority=10,
                meta={"canonical_url": canonical, "capture": self.earliest[canonical]},
            )

    def _on_portal(self, url: str) -> bool:
        return (urlsplit(url).hostname or "").lower() in self.site_hosts

    def parse_capture(self, response):
        capture: Capture = response.meta["capture"]
        self.crawler.stats.inc_value(stat("pages_fetched"))
        yield {
            "portal": self.portal.id,
            "crawl_run_id": self.run_id,
            "requested_url": capture.url,
            "url": capture.url,
            "canonical_url": response.meta["canonical_url"],
            "status": response.status,
            "headers": {
                k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()
            },
            "body": response.body,
            "fetched_at": capture.captured_at.isoformat(),  # when the archive fetched the page
            "source": "archive",
            "archive_file": self.archive,
            "archive_record_id": capture.record_id,
        }

    def on_capture_error(self, failure):
        # Counted and logged; not a fetch failure of the live portal (its retry list is left alone).
        self.crawler.stats.inc_value(stat("fetch_errors"))
        self.logger.error("capture %s failed: %s", failure.request.url, failure.getErrorMessage())

    def save_crawl_state(self) -> None:
        """The live portal's validators and failures are not the archive's business."""
