"""Raw page kept: the Scrapy item pipeline that stores every fetched article page before cleaning.

Storage lives in portalnews.store (raw_pages, spool); this adapts it to Scrapy's item pipeline
interface. Database writes run on a worker thread, never on Scrapy's reactor, in batches: pages that
arrive while a write is in flight go together in the next one. If the database is unreachable the
pages are spooled to disk at once (the crawl does not slow down) and the next run stores them; the
crawl ends with one line saying so.
"""

from __future__ import annotations

import logging

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from portalnews.spiders.crawl_stats import stat
from portalnews.store.spool import RawPageWriter

log = logging.getLogger(__name__)

MAX_BATCH = 50
STAT_NAMES = {"stored": "pages_stored", "unchanged": "pages_unchanged", "spooled": "pages_spooled",
              "failed": "pages_quarantined"}


class RawPageStorePipeline:
    """Scrapy item pipeline: one row in raw_pages per fetched article page."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.writer: RawPageWriter | None = None
        self.waiting: list[tuple[dict, Deferred]] = []
        self.writing = False
        self.idle: list[Deferred] = []  # close_spider waits on these

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        self.db_url = (spider or self.crawler.spider).db_url
        self.writer = RawPageWriter(self.db_url)

    async def process_item(self, item, spider=None) -> dict:
        # Scrapy's coroutine API (a returned Deferred is deprecated); the batching below stays in Deferreds.
        done: Deferred = Deferred()
        self.waiting.append((item, done))
        self._write_next()
        return await maybe_deferred_to_future(done)

    def _write_next(self) -> None:
        if self.writing:
            return
        if not self.waiting:
            idle, self.idle = self.idle, []
            for waiter in idle:
                waiter.callback(None)
            return
        if self.writer is None:
            raise RuntimeError("pages came before the spider opened: no raw page writer yet")
        batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
        self.writing = True
        written = deferToThread(self.writer.write, [item for item, _ in batch])
        written.addBoth(self._written, batch)

    def _written(self, outcome, batch: list[tuple[dict, Deferred]]) -> None:
        self.writing = False
        stats = self.crawler.stats
        if isinstance(outcome, Failure):  # not a database outage (those spool): a bug or a full disk
            log.error("could not store or spool %d pages: %s", len(batch), outcome.getErrorMessage())
            stats.inc_value(stat("pages_lost"), len(batch))
            outcome = ["lost"] * len(batch)
        for (item, done), result in zip(batch, outcome, strict=True):
            if result in STAT_NAMES:
                stats.inc_value(stat(STAT_NAMES[result]))
            # Keep the HTML out of Scrapy's item log and memory once stored.
            done.callback({"url": item["url"], "canonical_url": item["canonical_url"], "stored": result})
        self._write_next()

    async def close_spider(self, spider=None) -> None:
        finished: Deferred = Deferred()
        self.idle.append(finished)
        finished.addCallback(self._closed)
        self._write_next()
        await maybe_deferred_to_future(finished)

    def _closed(self, _ignored) -> None:
        if self.writer is None:
            return
        self.writer.close()
        spooled = self.crawler.stats.get_value(stat("pages_spooled"), 0)
        if spooled:
            log.error("database unreachable during the crawl (%s): %d fetched pages kept in %s; "
                      "the next run stores them", self.writer.last_error, spooled, self.writer.spool_file)
