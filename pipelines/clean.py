"""Clean stage: raw_pages -> extractions, for pages not yet cleaned by the current extractor version.

Runs entirely from stored raw pages (no network), so it can be re-run after an extractor change.
A page that fails to clean is recorded with its error and counted; it never stops the stage.
"""

from __future__ import annotations

import gzip
import logging
import queue
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import datetime

from psycopg2.extras import Json, execute_values

from portalnews.config import clean_workers
from portalnews.extraction import EXTRACTOR_VERSION, ExtractionError
from portalnews.pipelines.alongside import repeated_alongside
from portalnews.pipelines.clean_workers import BoundedCleaner, CleaningError, cleaner
from portalnews.registry import Portal
from portalnews.store.db import transaction

log = logging.getLogger(__name__)
BATCH = 100
_cleaners: list[BoundedCleaner] = [cleaner]  # one worker process each, started on first use


def _cleaner_pool(size: int) -> queue.Queue:
    while len(_cleaners) < size:
        _cleaners.append(BoundedCleaner())
    free: queue.Queue = queue.Queue()
    # All workers up before the cleaning threads hand them pages, their interpreters starting at once.
    starting = [bounded._start(wait=False) for bounded in _cleaners[:size]
                if bounded._worker is None or not bounded._worker.is_alive()]
    failures = []
    for worker in starting:  # each waited for, so none is left with its "ready" unread
        try:
            worker.wait_until_ready()
        except RuntimeError as err:
            failures.append(err)
    if failures:
        raise failures[0]
    for bounded in _cleaners[:size]:
        free.put(bounded)
    return free


def _clean_page(free: queue.Queue, row: dict, hints: dict | None):
    """(row, article, error): the page cleaned by whichever worker process is free."""
    try:  # before taking a worker, which would wait meanwhile
        html = gzip.decompress(bytes(row["html_gz"]))
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
        log.warning(
            "page %s not cleaned: its stored HTML is corrupt (%s: %s); a revisit fetches it again",
            row["url"],
            type(err).__name__,
            err,
        )
        return row, None, err
    bounded = free.get()
    try:
        return row, bounded.clean(html, row["url"], hints), None  # bounded in size and time
    except (ExtractionError, CleaningError) as err:
        log.warning("page %s not cleaned: %s", row["url"], err)
        return row, None, err
    except Exception as err:  # a broken page must not stop the stage
        log.exception("page %s crashed the extractor", row["url"])
        return row, None, err
    finally:
        free.put(bounded)


@dataclass
class CleanStats:
    cleaned: int = 0
    failed: int = 0
    missing_date: int = 0
    missing_author: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def add(self, other: CleanStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def cleaning_alongside(db_url: str, portal: Portal, idle_wait: float = 0.5):
    """Clean the portal's pages while the block runs (a crawl storing them), then once more after it:
    fetching waits on the network and cleaning on the CPU, so they overlap. The future holds the
    summed CleanStats (or the cleaning's exception) once the block has ended."""
    return repeated_alongside(f"clean-{portal.id}", lambda: clean_pending(db_url, portal),
                              lambda done: bool(done.cleaned or done.failed), CleanStats(), idle_wait)


def clean_pending(
    db_url: str, portal: Portal, since: datetime | None = None, force: bool = False
) -> CleanStats:
    """Clean every raw page of `portal` lacking an extraction by EXTRACTOR_VERSION.

    With `force` (reextract), re-clean every stored page in scope; the load stage then updates the
    articles whose cleaned result changed.
    """
    workers = clean_workers()
    with ThreadPoolExecutor(workers, thread_name_prefix="clean") as pool:
        return _clean_batches(db_url, portal, since, force, pool, lambda: _cleaner_pool(workers))


def _clean_batches(db_url: str, portal: Portal, since: datetime | None, force: bool, pool: ThreadPoolExecutor,
                   start_workers: Callable[[], queue.Queue]) -> CleanStats:
    """Clean the pages batch by batch, the next batch read and handed to the pool before the one in
    flight is stored: the workers clean on while the database reads and writes, instead of waiting for
    them between batches."""
    stats = CleanStats()
    last_id = 0
    in_flight: list[Future] = []
    free: queue.Queue | None = None
    while True:
        rows = _next_pages(db_url, portal, since, force, last_id)
        if rows:
            last_id = rows[-1]["id"]
            if free is None:  # started on the first page: the DAG's clean task often finds none left
                free = start_workers()
        cleaning = ([pool.submit(_clean_page, free, row, portal.extract) for row in rows]
                    if free is not None else [])
        if in_flight:
            _store_results(db_url, portal, [future.result() for future in in_flight], stats)
        if not cleaning:
            return stats
        in_flight = cleaning


def _next_pages(db_url: str, portal: Portal, since: datetime | None, force: bool,
                after_id: int) -> list[dict]:
    with transaction(db_url) as cur:
        cur.execute(
            """
            SELECT r.id, r.url, r.html_gz FROM raw_pages r
            LEFT JOIN extractions e ON e.raw_page_id = r.id AND e.extractor_version = %s
            WHERE r.portal = %s AND (%s OR e.raw_page_id IS NULL) AND r.id > %s
              AND (%s::timestamptz IS NULL OR r.fetched_at >= %s::timestamptz)
            ORDER BY r.id LIMIT %s
            """,
            (EXTRACTOR_VERSION, portal.id, force, after_id, since, since, BATCH),
        )
        return cur.fetchall()


def _store_results(db_url: str, portal: Portal, cleaned: list[tuple], stats: CleanStats) -> None:
    """Store a batch's (row, article, error) results as extractions, counting them in `stats`."""
    # (raw page id, extractor version, ok, error, extraction as JSON)
    results: list[tuple[int, str, bool, str | None, Json | None]] = []
    for row, article, err in cleaned:
        if article is None:
            results.append((row["id"], EXTRACTOR_VERSION, False, f"{type(err).__name__}: {err}", None))
            stats.failed += 1
            continue
        stats.cleaned += 1
        stats.missing_date += article.published_at is None
        stats.missing_author += article.author is None
        results.append((row["id"], EXTRACTOR_VERSION, True, None, Json(article.to_json())))
    with transaction(db_url) as cur:
        execute_values(
            cur,
            "INSERT INTO extractions (raw_page_id, extractor_version, ok, error, result) VALUES %s"
            " ON CONFLICT (raw_page_id, extractor_version) DO UPDATE"
            " SET ok = EXCLUDED.ok, error = EXCLUDED.error, result = EXCLUDED.result,"
            " extracted_at = now(), loaded_at = NULL",
            results,
        )
    log.info("cleaned %d pages of %s so far (%d failed)", stats.cleaned, portal.id, stats.failed)
