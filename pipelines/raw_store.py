"""Raw page kept: the Scrapy item pipeline that stores every fetched article page before cleaning.

The HTML is gzip-compressed with its final URL, status, headers and fetch time. If the database is
unreachable even after retries, the page is spooled to a local JSON-lines file instead of being
lost; `drain_spool` loads spooled pages on the next run.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
from pathlib import Path

import psycopg2
from psycopg2.extras import Json

from portalnews.config import home
from portalnews.store.db import connect, connect_once, retry_on_disconnect

log = logging.getLogger(__name__)

INSERT_RAW_PAGE = """
INSERT INTO raw_pages (portal, crawl_run_id, requested_url, url, canonical_url, status, headers,
                       html_gz, content_sha256, fetched_at)
VALUES (%(portal)s, %(crawl_run_id)s, %(requested_url)s, %(url)s, %(canonical_url)s, %(status)s,
        %(headers)s, %(html_gz)s, %(content_sha256)s, %(fetched_at)s)
ON CONFLICT (portal, canonical_url, content_sha256) DO NOTHING
RETURNING id
"""


def spool_dir() -> Path:
    path = home() / "spool"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _row(item: dict) -> dict:
    body: bytes = item["body"]
    return {
        "portal": item["portal"],
        "crawl_run_id": item.get("crawl_run_id"),
        "requested_url": item["requested_url"],
        "url": item["url"],
        "canonical_url": item["canonical_url"],
        "status": item["status"],
        "headers": Json(item.get("headers", {})),
        "html_gz": psycopg2.Binary(gzip.compress(body, mtime=0)),
        "content_sha256": hashlib.sha256(body).hexdigest(),
        "fetched_at": item["fetched_at"],
    }


def store_page(conn, item: dict) -> bool:
    """Insert one fetched page; return False when the identical page was already stored."""
    with conn.cursor() as cur:
        cur.execute(INSERT_RAW_PAGE, _row(item))
        inserted = cur.fetchone() is not None
        # The page is safely stored: it no longer needs a retry on the next run.
        cur.execute(
            "DELETE FROM fetch_failures WHERE portal = %s AND canonical_url IN (%s, %s)",
            (item["portal"], item["canonical_url"], item.get("requested_canonical_url", item["canonical_url"])),
        )
    conn.commit()
    return inserted


class RawPageStorePipeline:
    """Scrapy item pipeline: one row in raw_pages per fetched article page."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.conn = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.db_url = spider.db_url
        self.spool_path = spool_dir() / f"{spider.portal.id}.jsonl"

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
            log.error("database unreachable, spooling %s to %s: %s", item["url"], self.spool_path, err)
            spooled = dict(item, body=base64.b64encode(item["body"]).decode("ascii"))
            with self.spool_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(spooled, ensure_ascii=False) + "\n")
            stats.inc_value("portalnews/raw_pages_spooled")
            return {"url": item["url"], "stored": "spooled"}
        stats.inc_value("portalnews/raw_pages_stored" if inserted else "portalnews/raw_pages_unchanged")
        # Keep the HTML out of Scrapy's item log and memory after storing it.
        return {"url": item["url"], "canonical_url": item["canonical_url"], "stored": inserted}


def drain_spool(db_url: str, portal: str) -> int:
    """Store pages spooled while the database was down; return how many were loaded."""
    path = spool_dir() / f"{portal}.jsonl"
    if not path.exists():
        return 0
    pending = path.with_suffix(".draining")
    path.rename(pending)
    conn = connect(db_url)
    count = 0
    try:
        with pending.open(encoding="utf-8") as fh:
            for line in fh:
                item = json.loads(line)
                item["body"] = base64.b64decode(item["body"])
                store_page(conn, item)
                count += 1
    finally:
        conn.close()
    pending.unlink()
    return count
