"""Raw page kept: the Scrapy item pipeline that stores every fetched article page before cleaning.

Storage itself lives in portalnews.store.raw_pages; this adapts it to Scrapy's item pipeline
interface. If the database is unreachable even after retries, the page is spooled to disk instead
of being lost, and the next run stores it.
"""

from __future__ import annotations

import logging

import psycopg2

from portalnews.spiders.crawl_stats import stat
from portalnews.store.db import connect_once, retry_on_disconnect
from portalnews.store.raw_pages import spool_page, store_page

log = logging.getLogger(__name__)


class RawPageStorePipeline:
    """Scrapy item pipeline: one row in raw_pages per fetched article page."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.conn = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        self.db_url = (spider or self.crawler.spider).db_url

    def close_spider(self, spider=None):
        if self.conn is not None:
            self.conn.close()

    @retry_on_disconnect
    def _store(self, item: dict) -> bool:
        try:
            if self.conn is None or self.conn.closed:
                self.conn = connect_once(self.db_url)
            return store_page(self.conn, item)
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            if self.conn is not None and not self.conn.closed:
                self.conn.close()
            self.conn = None
            raise

    def process_item(self, item, spider=None):
        stats = self.crawler.stats
        try:
            inserted = self._store(item)
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as err:
            path = spool_page(item)
            log.error("database unreachable, spooled %s to %s: %s", item["url"], path, err)
            stats.inc_value(stat("raw_pages_spooled"))
            return {"url": item["url"], "stored": "spooled"}
        stats.inc_value(stat("raw_pages_stored" if inserted else "raw_pages_unchanged"))
        # Keep the HTML out of Scrapy's item log and memory after storing it.
        return {"url": item["url"], "canonical_url": item["canonical_url"], "stored": inserted}
