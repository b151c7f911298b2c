"""Raw pages kept: every fetched article page, gzip-compressed, with its final URL, status, headers
and fetch time, before any cleaning. When the database cannot be reached, pages wait in a local
JSON-lines spool file and are stored by the next run (`drain_spool`)."""

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
from portalnews.store.db import connect

log = logging.getLogger(__name__)

INSERT_RAW_PAGE = """
INSERT INTO raw_pages (portal, crawl_run_id, requested_url, url, canonical_url, status, headers,
                       html_gz, content_sha256, fetched_at)
VALUES (%(portal)s, %(crawl_run_id)s, %(requested_url)s, %(url)s, %(canonical_url)s, %(status)s,
        %(headers)s, %(html_gz)s, %(content_sha256)s, %(fetched_at)s)
ON CONFLICT (portal, canonical_url, content_sha256) DO NOTHING
RETURNING id
"""


def spool_path(portal: str) -> Path:
    directory = home() / "spool"
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{portal}.jsonl"


def _row(page: dict) -> dict:
    body: bytes = page["body"]
    return {
        "portal": page["portal"],
        "crawl_run_id": page.get("crawl_run_id"),
        "requested_url": page["requested_url"],
        "url": page["url"],
        "canonical_url": page["canonical_url"],
        "status": page["status"],
        "headers": Json(page.get("headers", {})),
        "html_gz": psycopg2.Binary(gzip.compress(body, mtime=0)),
        "content_sha256": hashlib.sha256(body).hexdigest(),
        "fetched_at": page["fetched_at"],
    }


def store_page(conn, page: dict) -> bool:
    """Insert one fetched page; return False when the identical page was already stored."""
    with conn.cursor() as cur:
        cur.execute(INSERT_RAW_PAGE, _row(page))
        inserted = cur.fetchone() is not None
        # The page is safely stored: it no longer needs a retry on the next run.
        cur.execute(
            "DELETE FROM fetch_failures WHERE portal = %s AND canonical_url IN (%s, %s)",
            (page["portal"], page["canonical_url"], page.get("requested_canonical_url", page["canonical_url"])),
        )
    conn.commit()
    return inserted


def spool_page(page: dict) -> Path:
    """Keep a page on local disk while the database is unreachable; return the spool file."""
    path = spool_path(page["portal"])
    spooled = dict(page, body=base64.b64encode(page["body"]).decode("ascii"))
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(spooled, ensure_ascii=False) + "\n")
    return path


def drain_spool(db_url: str, portal: str) -> int:
    """Store pages spooled while the database was down; return how many were loaded."""
    path = spool_path(portal)
    if not path.exists():
        return 0
    pending = path.with_suffix(".draining")
    path.rename(pending)
    conn = connect(db_url)
    count = 0
    try:
        with pending.open(encoding="utf-8") as fh:
            for line in fh:
                page = json.loads(line)
                page["body"] = base64.b64decode(page["body"])
                store_page(conn, page)
                count += 1
    finally:
        conn.close()
    pending.unlink()
    return count
