"""Load stage: extractions -> articles, deduplicated.

One article per portal and canonical URL (portalnews.registry.urls). A page whose URL is new but whose body is
the same as a stored article of the portal (same dedupe-form fingerprint, or same title and a near-
identical trafilatura Simhash) is a duplicate: its URL becomes an alias of that article. Loading is
idempotent: re-loading the same extraction changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from psycopg2.extras import Json
from trafilatura.deduplication import Simhash

from portalnews.extraction import Article
from portalnews.registry import Portal
from portalnews.registry.urls import canonical_url
from portalnews.store.db import transaction
from portalnews.vietnamese.text import dedupe_form

log = logging.getLogger(__name__)
BATCH = 200
NEAR_DUPLICATE_SIMILARITY = 0.95
COMPARED_FIELDS = ("title", "sapo", "published_at", "modified_at", "author", "source", "body", "category")


@dataclass
class LoadStats:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def fingerprint(body: str) -> str:
    return hashlib.sha256(dedupe_form(body).encode("utf-8")).hexdigest()


def _find_existing(cur, portal: str, urls: list[str], fp: str, title: str | None, simhash: Simhash):
    cur.execute(
        "SELECT a.* FROM article_urls u JOIN articles a ON a.id = u.article_id"
        " WHERE u.portal = %s AND u.canonical_url = ANY(%s) LIMIT 1",
        (portal, urls),
    )
    row = cur.fetchone()
    if row:
        return row, "url"
    cur.execute("SELECT * FROM articles WHERE portal = %s AND body_fingerprint = %s LIMIT 1", (portal, fp))
    row = cur.fetchone()
    if row:
        return row, "content"
    if title:
        cur.execute("SELECT * FROM articles WHERE portal = %s AND title = %s AND body_simhash IS NOT NULL",
                    (portal, title))
        for row in cur.fetchall():
            if simhash.similarity(Simhash(existing_hash=row["body_simhash"])) >= NEAR_DUPLICATE_SIMILARITY:
                return row, "content"
    return None, None


def _changed(row: dict, article: Article) -> bool:
    return any(row[f] != getattr(article, f) for f in COMPARED_FIELDS) or row["images"] != article.images


def _alias(cur, portal: str, urls: list[str], article_id: int) -> None:
    for url in urls:
        cur.execute(
            "INSERT INTO article_urls (portal, canonical_url, article_id) VALUES (%s, %s, %s)"
            " ON CONFLICT (portal, canonical_url) DO NOTHING",
            (portal, url, article_id),
        )


def load_pending(db_url: str, portal: Portal) -> LoadStats:
    """Merge every ok, not yet loaded extraction of `portal` into articles."""
    stats = LoadStats()
    while True:
        with transaction(db_url) as cur:
            cur.execute(
                """
                SELECT e.raw_page_id, e.extractor_version, e.result, r.url, r.canonical_url, r.requested_url
                FROM extractions e JOIN raw_pages r ON r.id = e.raw_page_id
                WHERE r.portal = %s AND e.ok AND e.loaded_at IS NULL
                ORDER BY r.fetched_at, r.id LIMIT %s
                FOR UPDATE OF e SKIP LOCKED
                """,
                (portal.id, BATCH),
            )
            rows = cur.fetchall()
            if not rows:
                return stats
            for row in rows:
                _load_one(cur, portal, row, stats)
                cur.execute(
                    "UPDATE extractions SET loaded_at = now() WHERE raw_page_id = %s AND extractor_version = %s",
                    (row["raw_page_id"], row["extractor_version"]),
                )
        log.info("loaded %s so far: %s", portal.id, stats.as_dict())


def _load_one(cur, portal: Portal, row: dict, stats: LoadStats) -> None:
    article = Article.from_json(row["result"])
    urls = sorted({row["canonical_url"], canonical_url(row["requested_url"], portal)})
    fp = fingerprint(article.body)
    simhash = Simhash(dedupe_form(article.body))
    existing, matched_by = _find_existing(cur, portal.id, urls, fp, article.title, simhash)
    values = {
        "title": article.title, "sapo": article.sapo, "published_at": article.published_at,
        "modified_at": article.modified_at, "author": article.author, "source": article.source,
        "body": article.body, "category": article.category, "images": Json(article.images),
        "language": article.language, "body_fingerprint": fp, "body_simhash": simhash.to_hex(),
        "raw_page_id": row["raw_page_id"], "extractor_version": row["extractor_version"],
    }
    if existing is None:
        cur.execute(
            f"INSERT INTO articles (portal, url, canonical_url, {', '.join(values)})"
            f" VALUES (%(portal)s, %(url)s, %(canonical_url)s, {', '.join(f'%({k})s' for k in values)})"
            " RETURNING id",
            {"portal": portal.id, "url": row["url"], "canonical_url": row["canonical_url"], **values},
        )
        _alias(cur, portal.id, urls, cur.fetchone()["id"])
        stats.new += 1
        return
    _alias(cur, portal.id, urls, existing["id"])
    if matched_by == "content" and not set(urls) & {existing["canonical_url"]}:
        stats.duplicate += 1
        return
    changed = _changed(existing, article)
    if changed or existing["extractor_version"] != row["extractor_version"]:
        # A re-extraction records its extractor version even when the result is the same.
        cur.execute(
            f"UPDATE articles SET {', '.join(f'{k} = %({k})s' for k in values)}, updated_at = now()"
            " WHERE id = %(id)s",
            {**values, "id": existing["id"]},
        )
    if changed:
        stats.updated += 1
    else:
        stats.unchanged += 1
