"""Fetched pages waiting on local disk while the database is unreachable: nothing fetched is lost.

- `RawPageWriter` stores batches of pages from a worker thread (never on Scrapy's reactor); once the
  database fails it spools every page straight to disk and tries the database again only every few
  seconds, so an outage costs the crawl no time.
- Spool files are JSON lines under `$PORTALNEWS_HOME/spool/`; each batch is appended with one write
  and fsync'd, so a crash can cut at most the last line.
- `drain_spool` (the next run, before crawling) stores every spooled page. A line that is not a whole
  page (cut by a crash) is moved to `spool/quarantine/` with a message naming the file and line, and
  the rest is loaded; a drain interrupted by another outage leaves its `.draining` file for the next.
- Nothing fetched ends only in a quarantine file: a page PostgreSQL refuses, and a cut line whose URL
  can still be read, are also recorded in `fetch_failures` with the reason, so the next run fetches
  them again (what a cut took whole is found again: the listings that led to spooled pages keep no
  validators, see the spider).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from portalnews.config import home
from portalnews.store.crawl_state import record_failures
from portalnews.store.db import connect, connect_once
from portalnews.store.raw_pages import store_pages

log = logging.getLogger(__name__)

PAGE_KEYS = ("portal", "requested_url", "url", "canonical_url", "status", "body", "fetched_at")
DRAIN_BATCH = 50
DISCONNECTED = (psycopg2.OperationalError, psycopg2.InterfaceError)
# The URLs of a spooled line come before its body (parse_article's key order): a cut line keeps them.
LINE_URL = re.compile(rb'"requested_url": "((?:[^"\\]|\\.)*)"')
LINE_CANONICALS = [re.compile(b'"' + key + rb'": "((?:[^"\\]|\\.)*)"')
                   for key in (b"requested_canonical_url", b"canonical_url")]  # the spider's key first


def spool_dir() -> Path:
    directory = home() / "spool"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if directory.stat().st_mode & 0o077:  # made by an earlier version: fetched pages are the user's alone
        directory.chmod(0o700)
    return directory


def spool_path(portal: str) -> Path:
    return spool_dir() / f"{portal}.jsonl"


def spool_pages(pages: list[dict]) -> Path:
    """Append pages (one portal's) to its spool file: one write, then fsync. Returns the file."""
    path = spool_path(pages[0]["portal"])
    data = b"".join(
        json.dumps(dict(page, body=base64.b64encode(page["body"]).decode("ascii")), ensure_ascii=False)
        .encode("utf-8") + b"\n"
        for page in pages
    )
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # a crash cut the last line: keep it alone, to be quarantined
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def _page_from_line(line: bytes) -> dict:
    page = json.loads(line)
    if not isinstance(page, dict) or any(key not in page for key in PAGE_KEYS):
        raise ValueError("not a spooled page (keys missing)")
    page["body"] = base64.b64decode(page["body"], validate=True)
    return page


def _quarantine(portal: str, source: Path, number: int, line: bytes, err: Exception) -> Path:
    directory = spool_dir() / "quarantine"
    directory.mkdir(exist_ok=True, mode=0o700)
    target = directory / f"{portal}.jsonl"
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.rstrip(b"\n") + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    log.error("spool file %s line %d is not a whole page (%s: %s; cut by a crash?): kept in %s, "
              "the other lines are loaded", source, number, type(err).__name__, str(err)[:200], target)
    return target


def _record_cut_line(conn, portal: str, source: Path, number: int, line: bytes) -> None:
    """A cut line's page becomes a fetch failure (fetched again next run) when its URLs survived the cut."""
    url = LINE_URL.search(line)
    canonical = next(filter(None, (pattern.search(line) for pattern in LINE_CANONICALS)), None)
    if not (url and canonical):
        return
    decoded = [json.loads(b'"' + match.group(1) + b'"') for match in (url, canonical)]
    with conn.cursor() as cur:
        record_failures(cur, portal, {decoded[0]: (decoded[1], f"spooled page cut by a crash ({source} line "
                                                               f"{number}): fetched again")})
    conn.commit()


def _drain_file(conn, portal: str, path: Path) -> tuple[int, int]:
    """Store one spool file's pages; return (stored, quarantined). Deletes the file when done."""
    stored = quarantined = 0
    batch: list[dict] = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                batch.append(_page_from_line(line))
            except (ValueError, binascii.Error) as err:  # JSONDecodeError is a ValueError
                _quarantine(portal, path, number, line, err)
                _record_cut_line(conn, portal, path, number, line)
                quarantined += 1
                continue
            if len(batch) >= DRAIN_BATCH:
                store_pages(conn, batch)
                stored += len(batch)
                batch = []
    if batch:
        store_pages(conn, batch)
        stored += len(batch)
    path.unlink()
    return stored, quarantined


@dataclass
class Drained:
    stored: int = 0  # spooled pages now in raw_pages
    # lines cut by a crash: in spool/quarantine/ (and in fetch_failures when their URL survived)
    quarantined: int = 0


def drain_spool(db_url: str, portal: str) -> Drained:
    """Store every page spooled for `portal` (this outage's and any earlier drain's leftovers). Raises on
    a database error, leaving the rest for the next drain."""
    directory = spool_dir()
    live = directory / f"{portal}.jsonl"
    if live.exists():
        live.rename(directory / f"{portal}.{time.time_ns()}.draining")
    # `<portal>.draining` is what earlier versions left behind when a drain failed.
    pending = sorted(directory.glob(f"{portal}.*.draining")) + sorted(directory.glob(f"{portal}.draining"))
    drained = Drained()
    if not pending:
        return drained
    conn = connect(db_url)
    try:
        for path in pending:
            stored, quarantined = _drain_file(conn, portal, path)
            drained.stored += stored
            drained.quarantined += quarantined
    finally:
        conn.close()
    return drained


class RawPageWriter:
    """Stores batches of pages on one worker thread; spools them while the database is unreachable."""

    def __init__(self, db_url: str, retry_every: float = 5.0, connect_timeout: int = 5):
        self.db_url = db_url
        self.retry_every = retry_every
        self.connect_timeout = connect_timeout
        self.conn: psycopg2.extensions.connection | None = None
        self.next_attempt = 0.0  # monotonic time; while the database is down, spool until then
        self.last_error: str | None = None
        self.spool_file: Path | None = None
        self._lock = threading.Lock()

    def write(self, pages: list[dict]) -> list[str]:
        """For each page: "stored", "unchanged" (identical page already stored) or "spooled"."""
        with self._lock:
            if time.monotonic() >= self.next_attempt:
                # One quick reconnect rides out a dropped connection; a second failure spools.
                try:
                    for attempt in Retrying(retry=retry_if_exception_type(DISCONNECTED),
                                            stop=stop_after_attempt(2), wait=wait_fixed(0.2),
                                            before_sleep=self._disconnected, reraise=True):
                        with attempt:
                            return self._store(pages)
                except DISCONNECTED as err:
                    self._disconnected(err)
                self.next_attempt = time.monotonic() + self.retry_every
            self.spool_file = spool_pages(pages)
            return ["spooled"] * len(pages)

    def _store(self, pages: list[dict]) -> list[str]:
        if self.conn is None or self.conn.closed:
            self.conn = connect_once(self.db_url, connect_timeout=self.connect_timeout)
        conn = self.conn
        try:
            return ["stored" if new else "unchanged" for new in store_pages(conn, pages)]
        except DISCONNECTED:
            raise
        except psycopg2.Error:
            conn.rollback()
            return self._store_one_by_one(conn, pages)

    def _disconnected(self, err_or_state) -> None:
        """Forget the connection after an outage error (called with tenacity's retry state or the error)."""
        err = getattr(getattr(err_or_state, "outcome", None), "exception", lambda: err_or_state)()
        self._drop_connection()
        self.last_error = " ".join(str(err).split())[:300] or type(err).__name__

    def _store_one_by_one(self, conn, pages: list[dict]) -> list[str]:
        """A batch the database refused (not an outage): store what it accepts, quarantine the rest."""
        results = []
        for page in pages:
            try:
                results.append("stored" if store_pages(conn, [page])[0] else "unchanged")
            except DISCONNECTED:
                raise
            except psycopg2.Error as err:
                conn.rollback()
                line = json.dumps(dict(page, body=base64.b64encode(page["body"]).decode("ascii")))
                _quarantine(page["portal"], Path("(database refused the page)"), 0, line.encode(), err)
                first_line = (str(err).strip().splitlines() or [type(err).__name__])[0]
                reason = "database refused the page: " + first_line
                with conn.cursor() as cur:  # retried next run, with its real reason
                    record_failures(cur, page["portal"], {page["requested_url"]: (
                        page.get("requested_canonical_url", page["canonical_url"]), reason)})
                conn.commit()
                results.append("failed")
        return results

    def _drop_connection(self) -> None:
        if self.conn is not None and not self.conn.closed:
            with contextlib.suppress(psycopg2.Error):
                self.conn.close()
        self.conn = None

    def close(self) -> None:
        with self._lock:
            self._drop_connection()
