"""Raw pages kept: every fetched article page, gzip-compressed, with its final URL, status, headers
and fetch time, before any cleaning. When the database cannot be reached, pages wait in a local
JSON-lines spool file and are stored by the next run (portalnews.store.spool)."""

from __future__ import annotations

import gzip
import hashlib
import logging

import psycopg2
from psycopg2.extras import Json, execute_values

log = logging.getLogger(__name__)
# Level 4: on the 181 real portal pages of the extraction benchmark (170 KB on average) 20.7 % of the
# HTML against 19.8 % at zlib's default 6, at 1.3 against 2.2 ms a page of the crawl process's CPU
# (level 1: 23.5 %, 0.9 ms). Level 9 (gzip.compress's default) is no smaller than 6 on these pages.
COMPRESS_LEVEL = 4

_COLUMNS = ("portal", "crawl_run_id", "requested_url", "url", "canonical_url", "status", "headers", "html_gz",
            "content_sha256", "fetched_at", "source", "archive_file", "archive_record_id")
# A batch of pages in one statement (one round trip and one plan, not one per page). A page identical to
# one stored (or to one earlier in the batch) is not inserted: the keys returned are the pages inserted.
INSERT_RAW_PAGES = (f"INSERT INTO raw_pages ({', '.join(_COLUMNS)}) VALUES %s"
                    " ON CONFLICT (portal, canonical_url, content_sha256) DO NOTHING"
                    " RETURNING portal, canonical_url, content_sha256")
_ROW_TEMPLATE = "(" + ", ".join(f"%({name})s" for name in _COLUMNS) + ")"


def storable_headers(headers: dict) -> dict:
    """Response headers as jsonb can hold them: a NUL (which PostgreSQL's text and jsonb refuse) becomes
    U+FFFD, so a hostile header never keeps its page out of raw_pages."""
    def clean(text: str) -> str:
        return text.replace("\x00", "\ufffd")

    return {clean(str(name)): [clean(str(v)) for v in (values if isinstance(values, list) else [values])]
            for name, values in headers.items()}


def _row(page: dict) -> dict:
    body: bytes = page["body"]
    return {
        "portal": page["portal"],
        "crawl_run_id": page.get("crawl_run_id"),
        "requested_url": page["requested_url"],
        "url": page["url"],
        "canonical_url": page["canonical_url"],
        "status": page["status"],
        "headers": Json(storable_headers(page.get("headers", {}))),
        "html_gz": psycopg2.Binary(gzip.compress(body, compresslevel=COMPRESS_LEVEL, mtime=0)),
        "content_sha256": hashlib.sha256(body).hexdigest(),
        "fetched_at": page["fetched_at"],
        # Provenance (migration 0012): a page read from a web archive names the file and record.
        "source": page.get("source", "crawl"),
        "archive_file": page.get("archive_file"),
        "archive_record_id": page.get("archive_record_id"),
    }


def store_page(conn, page: dict) -> bool:
    """Insert one fetched page; return False when the identical page was already stored."""
    return store_pages(conn, [page])[0]


def store_pages(conn, pages: list[dict]) -> list[bool]:
    """Insert fetched pages in one transaction; for each, False when the identical page was already stored
    (or comes earlier in `pages`)."""
    if not pages:
        return []
    rows = [_row(page) for page in pages]
    with conn.cursor() as cur:
        returned = execute_values(cur, INSERT_RAW_PAGES, rows, template=_ROW_TEMPLATE, page_size=len(rows),
                                  fetch=True)
        new = set(map(tuple, returned))
        inserted = []
        for row in rows:  # multi-row VALUES insert in order: a key's first page is the one stored
            key = (row["portal"], row["canonical_url"], row["content_sha256"])
            inserted.append(key in new)
            new.discard(key)
        # The pages are safely stored: they no longer need a retry on the next run.
        done = [(page["portal"], url) for page in pages for url in
                (page["canonical_url"], page.get("requested_canonical_url", page["canonical_url"]))]
        cur.execute(
            "DELETE FROM fetch_failures f USING unnest(%s::text[], %s::text[]) AS v(portal, canonical_url)"
            " WHERE f.portal = v.portal AND f.canonical_url = v.canonical_url",
            ([portal for portal, _ in done], [url for _, url in done]),
        )
    conn.commit()
    return inserted
