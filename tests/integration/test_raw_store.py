"""Raw pages are kept before cleaning, and a database outage during a crawl loses nothing."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

from portalnews.registry import Portal
from portalnews.store import embedded as embedded_db
from portalnews.store.db import connect
from portalnews.store.raw_pages import store_page, store_pages
from portalnews.store.schema import register_portals
from portalnews.store.spool import RawPageWriter, drain_spool
from tests.support.database import query

PORTAL = Portal(id="fx_store", name="Store test", base_url="http://127.0.0.1:9/", start_urls=("http://127.0.0.1:9/",),
                article_url_pattern="/tin-tuc/")
HTML = "<html><body><h1>Tiêu đề</h1><p>Nội dung bài viết.</p></body></html>".encode()


def _item(url="http://127.0.0.1:9/tin-tuc/bai-1"):
    return {"portal": PORTAL.id, "crawl_run_id": None, "requested_url": url, "url": url, "canonical_url": url,
            "status": 200, "headers": {"Content-Type": ["text/html; charset=utf-8"]}, "body": HTML,
            "fetched_at": "2026-01-02T03:04:05+07:00"}


def test_a_fetched_page_is_stored_compressed_with_url_status_headers_and_time(db_url):
    register_portals(db_url, [PORTAL])
    conn = connect(db_url)
    assert store_page(conn, _item()) is True
    assert store_page(conn, _item()) is False  # the identical page again adds nothing
    conn.close()
    (row,) = query(db_url, "SELECT * FROM raw_pages")
    assert gzip.decompress(bytes(row["html_gz"])) == HTML
    assert row["status"] == 200 and row["headers"]["Content-Type"] == ["text/html; charset=utf-8"]
    assert row["fetched_at"] == datetime(2026, 1, 1, 20, 4, 5, tzinfo=UTC)
    # analysts' sessions show Vietnam time by default
    assert row["fetched_at"].utcoffset() == timedelta(hours=7)


def test_a_batch_is_stored_in_one_statement_saying_per_page_whether_it_was_new(db_url):
    """store_pages inserts a batch with one INSERT: each page's answer is still its own, in order (an
    identical page already stored, or earlier in the same batch, is not new), and the retry marks of the
    stored pages go, under their canonical URL and the one they were requested at, others' stay."""
    register_portals(db_url, [PORTAL])
    base = "http://127.0.0.1:9/tin-tuc/"
    with connect(db_url) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO fetch_failures (portal, canonical_url, url, reason)"
                        " VALUES (%s, %s, %s, 'x')",
                        [(PORTAL.id, base + name, base + name) for name in ("bai-2", "bai-3-cu", "bai-9")])
    conn = connect(db_url)
    assert store_page(conn, _item(base + "bai-1")) is True
    moved = dict(_item(base + "bai-3"), requested_canonical_url=base + "bai-3-cu")
    changed = dict(_item(base + "bai-1"), body=HTML + b"<!-- sua -->")
    assert store_pages(conn, [_item(base + "bai-1"), _item(base + "bai-2"), _item(base + "bai-2"), moved,
                              changed]) == [False, True, False, True, True]
    conn.close()
    assert [(r["url"], r["n"]) for r in query(
        db_url, "SELECT url, count(*) AS n FROM raw_pages GROUP BY url ORDER BY url")] == [
        (base + "bai-1", 2), (base + "bai-2", 1), (base + "bai-3", 1)]
    left = query(db_url, "SELECT canonical_url FROM fetch_failures")
    assert [row["canonical_url"] for row in left] == [base + "bai-9"]


def test_pages_fetched_while_the_database_is_down_are_spooled_then_loaded(db_url, tmp_path):
    register_portals(db_url, [PORTAL])
    dead_url = f"postgresql://postgres@127.0.0.1:{embedded_db._free_port()}/nowhere"
    writer = RawPageWriter(dead_url)

    assert writer.write([_item()]) == ["spooled"]
    assert query(db_url, "SELECT count(*) AS n FROM raw_pages")[0]["n"] == 0

    assert drain_spool(db_url, PORTAL.id).stored == 1
    assert query(db_url, "SELECT url FROM raw_pages")[0]["url"] == "http://127.0.0.1:9/tin-tuc/bai-1"
    assert drain_spool(db_url, PORTAL.id).stored == 0
