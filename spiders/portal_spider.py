"""The one generic spider: a registry entry says where to start and which URLs are articles.

    scrapy crawl portal -a portal=danang [-a registry=my-portals.toml] [-a run_id=42]
                        [-a backfill=1 -a since=2020-01-01] [-a stats_file=stats.json]

It reads start URLs as sitemaps, feeds or listing pages (sniffed from the response), also reads the
Sitemap: lines of robots.txt and <link rel=alternate> feeds, follows listing pagination while pages
still yield unseen article links, and fetches each unseen article once. Article pages go to the item
pipeline that keeps them (portalnews.spiders.raw_store); nothing is cleaned here.

The database must already hold the current schema (`portalnews db migrate`): a crawl never migrates.
`registry` names every extra registry file (os.pathsep-separated); without it, PORTALNEWS_REGISTRY's.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import psycopg2
import scrapy
from scrapy import signals

from portalnews.config import registry_files
from portalnews.registry import Portal, load_registry
from portalnews.registry.url_policy import RefusedURL, fetchable_url
from portalnews.registry.urls import canonical_url, without_tracking
from portalnews.spiders import discovery
from portalnews.spiders.checked_links import CheckedLinks
from portalnews.spiders.crawl_stats import STATS_PREFIX, stat
from portalnews.spiders.fetch_failures import failure_reason, ignored_on_purpose
from portalnews.spiders.setting_names import unknown_setting_warnings
from portalnews.store.crawl_state import (
    CrawlState,
    Revisit,
    forget_failures,
    load_state,
    mark_revisited,
    save_failures,
    save_validators,
)
from portalnews.store.db import connect_once, database_url
from portalnews.store.schema import SchemaNotReady, require_current_schema
from portalnews.vietnamese.dates import VIETNAM


class PortalSpider(scrapy.Spider):
    name = "portal"
    uses_database = True  # crawl state and raw pages live in PostgreSQL

    def __init__(self, portal: str, registry: str = "", run_id: str = "", backfill: str = "",
                 since: str = "", stats_file: str = "", max_pages: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        files = [Path(p) for p in registry.split(os.pathsep) if p] if registry else registry_files()
        self.portal: Portal = load_registry(files)[portal]
        self.run_id = int(run_id) if run_id else None
        self.backfill = backfill.lower() in ("1", "true", "yes")
        self.since = (datetime.combine(date.fromisoformat(since), datetime.min.time(), VIETNAM)
                      if since else None)
        self.stats_file = stats_file
        self.allowed_domains = sorted({h.split(":")[0] for h in self.portal.hosts}
                                      | set(self.portal.allowed_domains))
        self.site_hosts = frozenset(self.allowed_domains)  # _on_site asks once per discovered link
        self.max_pages = (self.portal.backfill_max_listing_pages if self.backfill
                          else self.portal.max_listing_pages)
        if max_pages:  # a backfill's depth chosen by the operator (the backfill DAG's `depth` param)
            self.max_pages = int(max_pages)
        self.scheduled: set[str] = set()  # canonical article URLs requested in this run
        self.article_link = CheckedLinks(self)
        self.new_validators: dict[str, tuple[str | None, str | None]] = {}
        # A listing's or feed's validators are saved only once every new article it led to is settled:
        # stored in raw_pages or recorded in fetch_failures (a spooled page is not yet: a cut spool loses it).
        self.led_to: dict[str, set[str]] = {}  # index URL -> canonical URLs of the new articles it listed
        self.settled: set[str] = set()
        self.failures: dict[str, tuple[str, str]] = {}
        self.ignored: set[str] = set()  # canonical article URLs robots.txt forbids
        self.discovered_links = 0
        self.robots_read: set[str] = set()
        if self.uses_database:  # the check spider has no database URL (an AttributeError if it asks)
            self.db_url: str = database_url()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Per-portal Scrapy settings from the registry (e.g. a slower DOWNLOAD_DELAY); settings are
        # still mutable here (Scrapy >= 2.11) and "spider" priority beats the project's settings.py.
        crawler.settings.setdict(spider.portal.settings, priority="spider")
        for warning in unknown_setting_warnings(spider.portal.settings):
            spider.logger.warning("%s: portal %s: %s", spider.portal.registry_file, spider.portal.id, warning)
        crawler.signals.connect(spider.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(spider.robots_response, signal=signals.response_received)
        crawler.signals.connect(spider.item_settled, signal=signals.item_scraped)
        return spider

    # ---- start -------------------------------------------------------------------------
    def load_crawl_state(self) -> CrawlState | None:
        """What earlier runs left (known URLs, validators, failures); None stops the crawl."""
        try:
            require_current_schema(self.db_url)
        except SchemaNotReady as err:
            self.logger.error("%s", err)
            self.crawler.stats.set_value(stat("fatal"), str(err))
            return None
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as err:
            message = "database unreachable: " + " ".join(str(err).split())[:300]
            self.logger.error("%s", message)
            self.crawler.stats.set_value(stat("fatal"), message)
            return None
        # `-a revisit=1` (portalnews run --revisit) reaches the spider as an attribute (scrapy.Spider
        # keeps unknown arguments): re-fetch every known article, or those published since `since`.
        revisit_all = str(getattr(self, "revisit", "")).lower() in ("1", "true", "yes")
        return load_state(self.db_url, self.portal.id, self.portal.revisit_after, revisit_all,
                          self.since if revisit_all else None)

    async def start(self):
        state = self.load_crawl_state()
        if state is None:
            return
        self.known = state.known_urls
        self.validators = state.validators
        self.logger.info("portal %s: %d known article URLs, %d to retry", self.portal.id, len(self.known),
                         len(state.failed_urls))
        for url in state.failed_urls:  # last run's failures first: they are already known to exist
            request = self._article_request(url, retrying=True)
            if request:
                yield request
        for request in self.revisit_requests(state.revisits):
            yield request
        base = self.portal.base_url
        if not self.settings.getbool("ROBOTSTXT_OBEY"):
            # Obeying, Scrapy's RobotsTxtMiddleware reads robots.txt once and robots_response gets it.
            yield scrapy.Request(urljoin(base, "/robots.txt"), callback=self.parse_robots,
                                 errback=self.on_index_error, dont_filter=True,
                                 meta={"dont_retry": True, "optional_index": True,
                                       "handle_httpstatus_list": [404]})
        for path in (*self.portal.sitemap_paths, *self.portal.feed_paths):
            yield self._index_request(urljoin(base, path), depth=0, optional=True)
        for url in self.portal.start_urls:
            yield self._index_request(url, depth=0)

    def revisit_requests(self, revisits: list[Revisit]) -> list[scrapy.Request]:
        """Stored articles fetched again to catch corrections; conditional when validators are known."""
        requests = []
        for visit in revisits:
            canonical = canonical_url(visit.url, self.portal)
            if canonical in self.scheduled:
                continue
            self.scheduled.add(canonical)
            meta = {"canonical_url": canonical, "handle_httpstatus_list": [304]}
            requests.append(scrapy.Request(visit.url, callback=self.parse_revisit, priority=5, meta=meta,
                                           errback=self.on_article_error,
                                           headers=visit.conditional_headers()))
        if revisits:  # the check spider has none, and no database
            mark_revisited(self.db_url, revisits)
        self.crawler.stats.inc_value(stat("revisits"), len(requests))
        return requests

    def parse_revisit(self, response):
        if response.status == 304:
            self.crawler.stats.inc_value(stat("revisits_not_modified"))
            return
        yield from self.parse_article(response)

    def _index_request(self, url: str, depth: int, optional: bool = False) -> scrapy.Request:
        headers = {}
        if not self.backfill and url in self.validators:
            etag, last_modified = self.validators[url]
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
        statuses = [304, 404, 410] if optional else [304]
        return scrapy.Request(url, callback=self.parse_index, errback=self.on_index_error, headers=headers,
                              meta={"depth_in_listing": depth, "handle_httpstatus_list": statuses,
                                    "optional_index": optional})

    def _article_request(self, url: str, retrying: bool = False,
                         canonical: str | None = None) -> scrapy.Request | None:
        """`canonical` given: the caller has already checked `url` and computed its canonical form."""
        if canonical is None:
            if not self._fetchable(url, "fetch_failures" if retrying else self.portal.id):
                return None
            canonical = canonical_url(url, self.portal)
        if canonical in self.scheduled or (canonical in self.known and not retrying):
            return None
        self.scheduled.add(canonical)
        self.crawler.stats.inc_value(stat("article_links_new"))
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_article_error,
                              meta={"canonical_url": canonical}, priority=10)

    # ---- discovery ---------------------------------------------------------------------
    def robots_response(self, response, request, spider=None):
        """The robots.txt RobotsTxtMiddleware fetched for its own rules: its Sitemap: lines are read
        from that same response, so a run fetches robots.txt once."""
        if not request.meta.get("dont_obey_robotstxt") or urlsplit(request.url).path != "/robots.txt" \
                or request.url in self.robots_read or not self._on_site(request.url):
            return
        self.robots_read.add(request.url)
        for index_request in self.parse_robots(response):
            self.crawler.engine.crawl(index_request)

    def parse_robots(self, response):
        if response.status != 200:
            return
        for url in discovery.from_robots(response.body, response.url).indexes:
            if not self._fetchable(url, response.url):
                continue
            self.crawler.stats.inc_value(stat("sitemaps_from_robots"))
            yield self._index_request(url, depth=0, optional=True)

    def parse_index(self, response):
        stats = self.crawler.stats
        if response.status == 304:
            stats.inc_value(stat("not_modified"))
            return
        if response.status != 200:
            return
        self._remember_validators(response)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        # A .xml.gz sitemap (application/x-gzip, octet-stream) is a plain Response: no encoding.
        encoding = getattr(response, "encoding", None) or "utf-8"
        try:
            found = discovery.discover(response.body, response.url, content_type, encoding,
                                       max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
        except discovery.UnreadableIndex as unreadable:
            self.new_validators.pop(response.request.url, None)  # read it again next run
            stats.inc_value(stat("index_errors"))
            self.logger.error("listing/feed/sitemap %s unreadable: %s", response.url, unreadable)
            self.index_failed(response.url, str(unreadable))
            return
        depth = response.meta.get("depth_in_listing", 0)
        stats.inc_value(stat(f"indexes/{found.kind}"))
        self.index_seen(response.url, found.kind, depth)

        new_here = 0
        too_old = 0
        for url, context in found.article_links:
            if (canonical := self.article_link(url, response.url)) is None:
                continue
            self.discovered_links += 1
            stats.inc_value(stat("article_links_found"))
            self.article_link_seen(url)
            if self.since and (newest := discovery.newest_date(context)) and newest < self.since:
                too_old += 1
                continue
            # New means unknown before this run (a link the sitemap already scheduled still counts).
            if canonical not in self.known:
                new_here += 1
                self.led_to.setdefault(response.request.url, set()).add(canonical)
            request = self._article_request(url, canonical=canonical)
            if request:
                yield request

        for url in found.indexes:
            if self._fetchable(url, response.url) and self._on_site(url):
                yield self._index_request(url, depth=depth)

        if found.kind != "html":
            return
        # Keep paging only while this page still shows something new (or when backfilling),
        # and stop a backfill once a page lists only articles older than --since.
        keep_paging = (new_here > 0 or self.backfill) and not (too_old and not new_here)
        if not keep_paging:
            stats.inc_value(stat("paging_stopped_nothing_new"))
            return
        if depth + 1 > self.max_pages:
            stats.inc_value(stat("paging_stopped_max_pages"))
            return
        follow = set(found.follow)
        if self.portal.listing_regex:
            follow |= {u for u, _ in found.article_links if self.portal.listing_regex.search(u)}
        for url in sorted(follow):
            if self._fetchable(url, response.url) and self._on_site(url) \
                    and not self.portal.article_regex.search(url):
                stats.inc_value(stat("listing_pages_followed"))
                yield self._index_request(url, depth=depth + 1)

    def index_seen(self, url: str, kind: str, depth: int) -> None:
        """Hook: an index page was read (the check spider reports them)."""

    def article_link_seen(self, url: str) -> None:
        """Hook: an on-site article link was discovered (the check spider reports them)."""

    def _fetchable(self, url: str, found_on: str) -> bool:
        """Only http/https links are ever followed (checked after canonicalisation); others are counted."""
        try:
            fetchable_url(url)
        except RefusedURL as refused:
            self.crawler.stats.inc_value(stat("links_refused"))
            self.logger.warning("refused a link found on %s: %s", found_on, refused)
            return False
        return True

    def _on_site(self, url: str) -> bool:
        return (urlsplit(url).hostname or "").lower() in self.site_hosts

    def _remember_validators(self, response) -> None:
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if etag or last_modified:
            self.new_validators[response.request.url] = (
                etag.decode("latin-1") if etag else None,
                last_modified.decode("latin-1") if last_modified else None,
            )

    # ---- articles ----------------------------------------------------------------------
    def parse_article(self, response):
        self.crawler.stats.inc_value(stat("pages_fetched"))
        yield {
            "portal": self.portal.id,
            "crawl_run_id": self.run_id,
            "requested_url": response.request.url,
            # Fetched as linked (a portal may not serve a form it never linked), kept without tracking.
            "url": without_tracking(response.url, self.portal),
            "canonical_url": canonical_url(response.url, self.portal),
            "requested_canonical_url": response.meta["canonical_url"],
            "status": response.status,
            "headers": {k.decode("latin-1"): [v.decode("latin-1") for v in vs]
                        for k, vs in response.headers.items()},
            "body": response.body,
            "fetched_at": datetime.now(VIETNAM).isoformat(),
        }

    def item_settled(self, item, response, spider=None) -> None:
        """The raw-page pipeline's outcome: stored (or already), or refused and recorded as a failure."""
        if item.get("stored") in ("stored", "unchanged", "failed"):
            self.settled.add(response.meta["canonical_url"])

    def settled_validators(self) -> dict[str, tuple[str | None, str | None]]:
        """The validators of the indexes whose new articles are all settled; the others are read again."""
        settled = self.settled | {canonical for canonical, _ in self.failures.values()} | self.ignored
        kept = {url: v for url, v in self.new_validators.items() if self.led_to.get(url, set()) <= settled}
        withheld = len(self.new_validators) - len(kept)
        if withheld:
            self.crawler.stats.set_value(stat("validators_withheld"), withheld)
            self.logger.warning("%d listing/feed/sitemap validators not saved: some articles they led to are "
                                "not stored yet (spooled or unfinished); those indexes are read again",
                                withheld)
        return kept

    def on_article_error(self, failure):
        request = failure.request
        if ignored_on_purpose(failure):
            # Forbidden by robots.txt: not a failure to retry.
            self.crawler.stats.inc_value(stat("article_links_ignored"))
            self.ignored.add(request.meta["canonical_url"])
            return
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(stat("fetch_errors"))
        requested = request.meta.get("redirect_urls", [request.url])[0]  # the link, not where it led
        self.logger.error("article %s failed: %s", requested, reason)
        self.failures[requested] = (request.meta["canonical_url"], reason)

    def on_index_error(self, failure):
        request = failure.request
        if request.meta.get("optional_index"):
            return
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(stat("index_errors"))
        self.logger.error("listing/feed/sitemap %s failed: %s", request.url, reason)
        self.index_failed(request.url, reason)

    def index_failed(self, url: str, reason: str) -> None:
        """Hook: a start URL or listing page could not be read."""

    # ---- end ---------------------------------------------------------------------------
    def save_crawl_state(self) -> None:
        if not hasattr(self, "known"):  # the crawl never started (schema not ready)
            return
        try:
            connect_once(self.db_url, connect_timeout=5).close()  # down: say so now, not after 5 retries
            save_failures(self.db_url, self.portal.id, self.failures)  # first: the validators need them
            save_validators(self.db_url, self.portal.id, self.settled_validators())
            forget_failures(self.db_url, self.portal.id, self.ignored)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as err:
            # Fetched pages are spooled; what is lost here is re-learned by the next run.
            self.crawler.stats.set_value(stat("state_not_saved"), True)
            self.logger.error("crawl state not saved, database unreachable (%d failures, %d validators are "
                              "re-learned next run): %s", len(self.failures), len(self.new_validators),
                              " ".join(str(err).split())[:300])

    def spider_closed(self, spider, reason):
        if reason != "finished":
            # Stopped early (SIGTERM, parent killed): links read from a listing may still be unfetched,
            # so the listing must not answer 304 next time.
            self.new_validators.clear()
        self.save_crawl_state()
        stats = dict(self.crawler.stats.get_stats())
        stats["finish_reason"] = reason
        if stats.get("start_time"):
            elapsed = datetime.now(stats["start_time"].tzinfo) - stats["start_time"]
            stats["elapsed_time_seconds"] = round(elapsed.total_seconds(), 3)
        if self.stats_file:
            Path(self.stats_file).write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")
        self.logger.info("portal %s finished (%s): %s", self.portal.id, reason,
                         {k: v for k, v in stats.items() if k.startswith(STATS_PREFIX)})
