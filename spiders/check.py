"""`portalnews check PORTAL`: validate a registry entry, in the spirit of `scrapy check`.

    scrapy crawl portal_check -a portal=danang [-a registry=FILE] [-a max_pages=3] -a report_file=report.json

The crawl spider itself with three changes: it keeps no state (nothing is read from or written to
the database, every link counts as unseen), it follows at most `max_pages` levels of listing pages,
and instead of storing article pages it cleans a few of them (and the entry's `test_url` pages)
and writes a JSON report. Discovery, robots.txt, retries, the User-Agent and the portal's own
Scrapy settings are exactly the crawl's. `link_notes` marks the article links the crawl will not
store as articles of their own: copies of another listed link under its canonical URL (tracking
parameters, print views: registry/urls.py) and links robots.txt forbids.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.utils.misc import load_object

from portalnews.registry.urls import canonical_url
from portalnews.spiders.crawl_stats import stat
from portalnews.spiders.fetch_failures import failure_reason
from portalnews.spiders.portal_spider import PortalSpider
from portalnews.store.crawl_state import CrawlState

SAMPLE_ARTICLES = 5  # article pages fetched until one cleans
SAMPLE_BODY_CHARS = 500


def _extraction():
    """The extractor, imported on first use: Scrapy imports every spider module in every crawl, and the
    portal crawl, which never cleans, would otherwise carry trafilatura (3 MiB of its peak RSS)."""
    from portalnews.extraction import ExtractionError, extract_article

    return ExtractionError, extract_article


class PortalCheckSpider(PortalSpider):
    name = "portal_check"
    uses_database = False
    custom_settings = {"ITEM_PIPELINES": {}}

    def __init__(self, portal: str, registry: str = "", max_pages: str = "3", report_file: str = "",
                 *args, **kwargs):
        super().__init__(portal, registry, *args, **kwargs)
        self.max_pages = int(max_pages)
        self.report_file = report_file
        self.sampled = 0
        self.report: dict = {
            "portal": self.portal.id,
            "indexes": [],
            "listing_pages": [],
            "article_links": [],
            "link_notes": {},
            "errors": [],
            "sample_article": None,
            "test_urls": [],
        }
        self.robots_rules = None  # robots.txt as Scrapy's RobotsTxtMiddleware reads it, when obeyed

    def load_crawl_state(self) -> CrawlState:
        return CrawlState()

    async def start(self):
        async for request in super().start():
            yield request
        for url in self.portal.extract.get("test_url", ()):
            yield scrapy.Request(url, callback=self.parse_test_url, errback=self.on_test_url_error,
                                 dont_filter=True, priority=20)

    # ---- what discovery saw ----------------------------------------------------------------
    def index_seen(self, url: str, kind: str, depth: int) -> None:
        entry = {"url": url, "kind": kind, "depth": depth}
        (self.report["listing_pages"] if kind == "html" else self.report["indexes"]).append(entry)

    def article_link_seen(self, url: str) -> None:
        if url not in self.report["article_links"]:
            self.report["article_links"].append(url)

    def robots_response(self, response, request, spider=None):
        super().robots_response(response, request, spider)
        if request.meta.get("dont_obey_robotstxt") and urlsplit(request.url).path == "/robots.txt" \
                and self._on_site(request.url) and response.status == 200:
            parser = load_object(self.crawler.settings["ROBOTSTXT_PARSER"])
            self.robots_rules = parser.from_crawler(self.crawler, response.body)

    def link_notes(self) -> dict[str, str]:
        """Why a listed article link is not an article of its own: a copy, or forbidden by robots.txt."""
        notes: dict[str, str] = {}
        original: dict[str, str] = {}  # canonical URL -> the plainest listed link with it
        agent = self.crawler.settings["ROBOTSTXT_USER_AGENT"] or self.crawler.settings["USER_AGENT"]
        # The original of a group of copies is its plainest link (shortest query), whichever page the
        # crawl happened to read first.
        for url in sorted(self.report["article_links"], key=lambda link: len(urlsplit(link).query)):
            original.setdefault(canonical_url(url, self.portal), url)
        for url in self.report["article_links"]:
            first = original[canonical_url(url, self.portal)]
            if url != first:
                notes[url] = f"copy of {first} (same canonical URL: tracking parameters or a print view)"
            if self.robots_rules is not None and not self.robots_rules.allowed(url, agent):
                notes[url] = "disallowed by robots.txt: never fetched"
        return notes

    def index_failed(self, url: str, reason: str) -> None:
        self.report["errors"].append(f"{url}: {reason}")

    def _article_request(self, url: str, retrying: bool = False, canonical: str | None = None):
        if self.sampled >= SAMPLE_ARTICLES or self.report["sample_article"]:
            return None
        request = super()._article_request(url, retrying, canonical)
        if request is not None:
            self.sampled += 1
        return request

    # ---- articles are cleaned, not stored --------------------------------------------------
    def parse_article(self, response):
        self.crawler.stats.inc_value(stat("pages_fetched"))
        if self.report["sample_article"]:
            return
        ExtractionError, extract_article = _extraction()
        try:
            article = extract_article(response.body, response.url, hints=self.portal.extract)
        except ExtractionError as err:
            self.report["errors"].append(f"{response.url}: {err}")
            return
        sample = article.to_json()
        sample["body"] = sample["body"][:SAMPLE_BODY_CHARS] + (
            "…" if len(sample["body"]) > SAMPLE_BODY_CHARS else ""
        )
        self.report["sample_article"] = sample

    def on_article_error(self, failure):
        super().on_article_error(failure)
        self.report["errors"].append(
            f"{failure.request.url}: {self.failures.get(failure.request.url, ('', 'ignored'))[1]}"
        )

    def parse_test_url(self, response):
        """FiveFilters' test_url: known article pages the entry's hints must keep extracting."""
        entry: dict = {"url": response.url, "status": response.status}
        ExtractionError, extract_article = _extraction()
        try:
            article = extract_article(response.body, response.url, hints=self.portal.extract)
        except ExtractionError as err:
            entry["error"] = str(err)
            self.report["errors"].append(f"test_url {response.url}: {err}")
        else:
            entry.update(title=article.title, author=article.author,
                         published_at=article.published_at.isoformat() if article.published_at else None,
                         body_chars=len(article.body))
        self.report["test_urls"].append(entry)

    def on_test_url_error(self, failure):
        reason = failure_reason(failure)
        self.report["test_urls"].append({"url": failure.request.url, "error": reason})
        self.report["errors"].append(f"test_url {failure.request.url}: {reason}")

    def save_crawl_state(self) -> None:
        """Nothing is kept: a check leaves the database as it was."""

    def spider_closed(self, spider, reason):
        super().spider_closed(spider, reason)
        if not self.report["article_links"]:
            self.report["errors"].append("no article links found: check start_urls and article_url_pattern")
        self.report["link_notes"] = self.link_notes()
        self.report["requests"] = self.crawler.stats.get_value("downloader/request_count", 0)
        if self.report_file:
            Path(self.report_file).write_text(
                json.dumps(self.report, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
            )
