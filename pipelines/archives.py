"""Web archives in and out of raw_pages: the stage of `portalnews import` that keeps archived pages
(WARC/WACZ files -> raw pages; portalnews.jobs.import_archives then runs the usual clean -> dedupe ->
load) and `portalnews export --format warc` (raw pages -> WARC/1.1).

An imported page is a raw page like a crawled one, with its provenance (migration 0012): source
'archive', the file, the WARC-Record-ID, and WARC-Date as its fetch time. A page already stored
(same canonical URL and payload digest) is skipped, so importing a file twice adds nothing, and an
archived copy of an article the crawl also fetched under another URL is merged by the load stage's
dedupe into the one article (article_urls keeps both URLs). Backfill from a Wayback-compatible server
is a crawl (spiders/archive_spider.py, through portalnews.jobs.crawl).
"""

from __future__ import annotations

import gzip
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from psycopg2.extras import RealDictCursor

from portalnews.archives.warc import (
    WIRE_HEADERS,
    ArchivedResponse,
    DamagedArchive,
    StoredPage,
    WarcExporter,
    read_responses,
)
from portalnews.extraction import EXTRACTOR_VERSION
from portalnews.registry import Portal
from portalnews.registry.url_policy import RefusedURL, fetchable_url
from portalnews.registry.urls import canonical_url
from portalnews.spiders import discovery
from portalnews.store.db import connect
from portalnews.store.raw_pages import store_pages

log = logging.getLogger(__name__)

IMPORT_BATCH = 100  # pages per INSERT transaction
EXPORT_FETCH = 200  # raw pages per round trip of the export's server-side cursor


class _Acceptance:
    """Which archived responses are the portal's article pages: the URL policy, hosts and article
    pattern a crawl applies to the links it discovers."""

    def __init__(self, portal: Portal):
        self.portal = portal
        self.hosts = {h.split(":")[0].lower() for h in portal.hosts} | {
            d.lower() for d in portal.allowed_domains
        }
        self.start_urls = {canonical_url(url, portal) for url in portal.start_urls}

    def reason_to_skip(self, response: ArchivedResponse) -> str | None:
        if response.status != 200:
            return "not_ok"
        return self._reason_to_refuse(response.url)

    def link_is_article(self, url: str) -> bool:
        return self._reason_to_refuse(url) is None

    def _reason_to_refuse(self, url: str) -> str | None:
        try:
            fetchable_url(url)
        except RefusedURL:
            return "refused"
        if (urlsplit(url).hostname or "").lower() not in self.hosts:
            return "off_site"
        if not self.portal.article_regex.search(url):
            return "not_article"
        return None

    def is_listing(self, response: ArchivedResponse) -> bool:
        """An index the crawl reads: a start URL, or a page the portal's listing pattern matches."""
        listing = self.portal.listing_regex
        return canonical_url(response.url, self.portal) in self.start_urls \
            or bool(listing and listing.search(response.url))


class _Discovery:
    """`--discover`: the archived listings read with the crawl's own discovery, the article links it
    accepts (the portal's article pattern, on-site, http/https), and which of them the files hold."""

    def __init__(self, accept: _Acceptance):
        self.accept, self.listings_read, self.listings_unreadable = accept, 0, 0
        self.linked: set[str] = set()  # canonical article URLs the listings link
        self.archived: set[str] = set()  # canonical article URLs the files hold

    def read_listing(self, response: ArchivedResponse) -> None:
        content_type = next((values[0] for name, values in response.headers.items()
                             if name.lower() == "content-type" and values), "")
        try:
            found = discovery.discover(response.body, response.url, content_type)
        except discovery.UnreadableIndex as err:
            log.error("%s: archived listing %s unreadable: %s", response.file, response.url, err)
            self.listings_unreadable += 1
            return
        self.listings_read += 1
        for url, _context in found.article_links:
            if self.accept.link_is_article(url):
                self.linked.add(canonical_url(url, self.accept.portal))

    def figures(self) -> dict:
        return {"listings_read": self.listings_read, "listings_unreadable": self.listings_unreadable,
                "links_discovered": len(self.linked),
                "articles_through_listings": len(self.linked & self.archived)}


def _page(portal: Portal, run_id: int | None, response: ArchivedResponse) -> dict:
    return {
        "portal": portal.id, "crawl_run_id": run_id, "requested_url": response.url, "url": response.url,
        "canonical_url": canonical_url(response.url, portal), "status": response.status,
        "headers": {k: v for k, v in response.headers.items() if k.lower() not in WIRE_HEADERS},
        "body": response.body, "fetched_at": response.date,
        "source": "archive", "archive_file": response.file, "archive_record_id": response.record_id,
    }


def store_archived(db_url: str, portal: Portal, run_id: int | None, files: list[Path],
                   say: Callable[[str], None] = log.info, discover: bool = False) -> dict:
    """Store the portal's article pages found in WARC/WACZ files as raw pages with their provenance;
    return the figures. A damaged file keeps the pages before the damage; `damage` lists one line
    per damaged file, naming the offset, and the other files are still read. `discover` also reads
    the archived listings as the crawl does and counts the article links found and archived."""
    counts: Counter = Counter()
    damage: list[str] = []
    accept = _Acceptance(portal)
    found = _Discovery(accept) if discover else None
    conn = connect(db_url)
    try:
        for path in files:
            batch: list[dict] = []
            try:
                for response in read_responses(path):
                    counts["responses"] += 1
                    skip = accept.reason_to_skip(response)
                    if found and skip == "not_article" and accept.is_listing(response):
                        found.read_listing(response)
                    if skip:
                        counts[f"skipped_{skip}"] += 1
                        continue
                    counts["articles"] += 1
                    if found:
                        found.archived.add(canonical_url(response.url, portal))
                    batch.append(_page(portal, run_id, response))
                    if len(batch) >= IMPORT_BATCH:
                        _store(conn, batch, counts)
            except DamagedArchive as err:
                log.error("%s", err)  # one line naming the file and the offset
                damage.append(str(err))
            except OSError as err:
                message = f"{path}: cannot be read: {err}"
                log.error("%s", message)
                damage.append(message)
            _store(conn, batch, counts)  # what precedes the damage is kept
            say(f"{path}: {counts['responses']} responses read, {counts['pages_stored']} pages stored so far")
    finally:
        conn.close()
    return {"responses": 0, "articles": 0, "pages_stored": 0, "already_stored": 0, **counts,
            **(found.figures() if found else {}),
            "files": len(files), "damaged_files": len(damage), "damage": damage}


def _store(conn, batch: list[dict], counts: Counter) -> None:
    """Store and empty the batch; a page already stored (same canonical URL and body) is counted."""
    if batch:
        inserted = store_pages(conn, batch)
        counts["pages_stored"] += sum(inserted)
        counts["already_stored"] += len(inserted) - sum(inserted)
        batch.clear()


# ---- export ------------------------------------------------------------------------------------------
EXPORT_PAGES_SQL = """
SELECT r.id, r.portal, r.requested_url, r.url, r.canonical_url, r.status, r.headers, r.html_gz, r.fetched_at,
       r.source, r.archive_file, r.archive_record_id, u.article_id,
       (SELECT e.extractor_version FROM extractions e WHERE e.raw_page_id = r.id
        ORDER BY e.extracted_at DESC LIMIT 1) AS extractor_version
FROM raw_pages r
LEFT JOIN article_urls u ON u.portal = r.portal AND u.canonical_url = r.canonical_url
WHERE (%(portals)s::text[] IS NULL OR r.portal = ANY(%(portals)s)) AND (%(since)s::timestamptz IS NULL
       OR r.fetched_at >= %(since)s)
ORDER BY r.id
"""


def export_warc(conn, out: BinaryIO, portals: list[str] | None, since: datetime | None) -> int:
    """Write the stored raw pages (of `portals`, fetched since `since`) to `out` as WARC/1.1; a
    server-side cursor keeps memory flat. Returns the number of pages written."""
    exporter = WarcExporter(out, software=f"portalnews (extractor {EXTRACTOR_VERSION})")
    written = 0
    with conn.cursor(name="portalnews_warc_export", cursor_factory=RealDictCursor) as cur:
        cur.itersize = EXPORT_FETCH
        cur.execute(EXPORT_PAGES_SQL, {"portals": list(portals) if portals else None, "since": since})
        for row in cur:
            exporter.write(
                StoredPage(
                    requested_url=row["requested_url"],
                    url=row["url"],
                    status=row["status"],
                    headers=row["headers"],
                    body=gzip.decompress(bytes(row["html_gz"])),
                    fetched_at=row["fetched_at"],
                    fields={
                        "portalnews-raw-page-id": row["id"],
                        "portalnews-portal": row["portal"],
                        "portalnews-canonical-url": row["canonical_url"],
                        "portalnews-article-id": row["article_id"],
                        "portalnews-extractor-version": row["extractor_version"],
                        "portalnews-source": row["source"],
                        "portalnews-archive-file": row["archive_file"],
                        "portalnews-archive-record-id": row["archive_record_id"],
                    },
                )
            )
            written += 1
    return written
