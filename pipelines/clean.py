"""Clean stage: raw_pages -> extractions, for pages not yet cleaned by the current extractor version.

Runs entirely from stored raw pages (no network), so it can be re-run after an extractor change.
A page that fails to clean is recorded with its error and counted; it never stops the stage.
"""

from __future__ import annotations

import gzip
import logging
from dataclasses import dataclass
from datetime import datetime

from psycopg2.extras import Json

from portalnews.extraction import EXTRACTOR_VERSION, ExtractionError, extract_article
from portalnews.registry import Portal
from portalnews.store.db import transaction

log = logging.getLogger(__name__)
BATCH = 100


@dataclass
class CleanStats:
    cleaned: int = 0
    failed: int = 0
    missing_date: int = 0
    missing_author: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def clean_pending(db_url: str, portal: Portal, since: datetime | None = None, force: bool = False) -> CleanStats:
    """Clean every raw page of `portal` lacking an extraction by EXTRACTOR_VERSION.

    With `force` (reextract), re-clean every stored page in scope; the load stage then updates the
    articles whose cleaned result changed.
    """
    stats = CleanStats()
    last_id = 0
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
        results = []
        for row in rows:
            last_id = row["id"]
            try:
                html = gzip.decompress(bytes(row["html_gz"]))
                article = extract_article(html, row["url"], hints=portal.extract)
            except ExtractionError as err:
                results.append((row["id"], False, f"{type(err).__name__}: {err}", None))
                stats.failed += 1
                log.warning("page %s not cleaned: %s", row["url"], err)
                continue
            except Exception as err:  # a broken page must not stop the stage
                results.append((row["id"], False, f"{type(err).__name__}: {err}", None))
                stats.failed += 1
                log.exception("page %s crashed the extractor", row["url"])
                continue
            stats.cleaned += 1
            stats.missing_date += article.published_at is None
            stats.missing_author += article.author is None
            results.append((row["id"], True, None, Json(article.to_json())))
        with transaction(db_url) as cur:
            for raw_page_id, ok, error, result in results:
                cur.execute(
                    "INSERT INTO extractions (raw_page_id, extractor_version, ok, error, result)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (raw_page_id, extractor_version) DO UPDATE"
                    " SET ok = EXCLUDED.ok, error = EXCLUDED.error, result = EXCLUDED.result,"
                    " extracted_at = now(), loaded_at = NULL",
                    (raw_page_id, EXTRACTOR_VERSION, ok, error, result),
                )
        log.info("cleaned %d pages of %s so far (%d failed)", stats.cleaned, portal.id, stats.failed)
