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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import datetime
from itertools import repeat

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
    for bounded in _cleaners[:size]:
        if bounded._worker is None or not bounded._worker.is_alive():
            bounded._start()  # all workers up before the cleaning threads hand them pages
        free.put(bounded)
    return free


def _clean_page(free: queue.Queue, row: dict, hints: dict | None):
    """(row, article, error): the page cleaned by whichever worker process is free."""
    bounded = free.get()
    try:
        try:
            html = gzip.decompress(bytes(row["html_gz"]))
        except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
            log.warning(
                "page %s not cleaned: its stored HTML is corrupt (%s: %s); a revisit fetches it again",
                row["url"],
                type(err).__name__,
                err,
            )
            return row, None, err
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
    stats = CleanStats()
    last_id = 0
    free: queue.Queue | None = None
    while True:
        with transaction(db_url) as cur:
            cur.execute(
                """
                SELECT r.id, r.url, r.html_gz FROM raw_pages r
                LEFT JOIN extractions e ON e.raw_page_id = r.id AND e.extractor_version = %s
                WHERE r.portal = %s AND (%s OR e.raw_page_id IS NULL) AND r.id > %s
                  AND (%s::timestamptz IS NULL OR r.fetched_at >= %s::timestamptz)
                ORDER BY r.id LIMIT %s
                """,
                (EXTRACTOR_VERSION, portal.id, force, last_id, since, since, BATCH),
            )
            rows = cur.fetchall()
        if not rows:
            return stats
        if free is None:  # started on the first page: the DAG's clean task often finds none left
            free = start_workers()
        # (raw page id, extractor version, ok, error, extraction as JSON)
        results: list[tuple[int, str, bool, str | None, Json | None]] = []
        # Pages are cleaned in worker processes, one per core; these threads only wait on them.
        for row, article, err in pool.map(_clean_page, repeat(free), rows, repeat(portal.extract)):
            last_id = row["id"]
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
