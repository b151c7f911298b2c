"""Load stage: extractions -> articles, deduplicated.

One article per portal and canonical URL. A page that the dedupe rules (pipelines/dedupe.py) match to
a stored article by content is a duplicate: its URL becomes an alias of that article. The columns
written are the Article dataclass's own (portalnews.extraction.article), so a new field needs no
change here. Loading is idempotent: re-loading the same extraction changes nothing.

A newly fetched page that changes a stored article keeps the replaced content in article_versions
(pipelines/versions.py); re-extracting the same page updates in place, and an older page never
replaces a newer one. Every new article joins a story across portals (pipelines/stories.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg2.extras import Json

from portalnews.extraction import Article
from portalnews.pipelines import dedupe, stories, versions
from portalnews.registry import Portal
from portalnews.registry.urls import canonical_url
from portalnews.store.db import transaction

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class LoadStats:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _changed(row: dict, article: Article) -> bool:
    return any(row[name] != value for name, value in article.column_values().items())


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
                SELECT e.raw_page_id, e.extractor_version, e.result, r.url, r.canonical_url, r.requested_url,
                       r.fetched_at
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


def _page_age(cur, existing: dict, row: dict) -> str:
    """Is the row's page the stored article's own page ("same"), fetched after it ("newer"), or before?"""
    if existing["raw_page_id"] is None:
        return "newer"
    if existing["raw_page_id"] == row["raw_page_id"]:
        return "same"
    cur.execute("SELECT fetched_at FROM raw_pages WHERE id = %s", (existing["raw_page_id"],))
    stored = cur.fetchone()
    if stored and (stored["fetched_at"], existing["raw_page_id"]) > (row["fetched_at"], row["raw_page_id"]):
        return "older"
    return "newer"


def _load_one(cur, portal: Portal, row: dict, stats: LoadStats) -> None:
    article = Article.from_json(row["result"])
    urls = sorted({row["canonical_url"], canonical_url(row["requested_url"], portal)})
    body_fingerprint = dedupe.fingerprint(article.body)
    body_simhash = dedupe.simhash(article.body)
    existing, matched_by = dedupe.find_existing(cur, portal.id, urls, body_fingerprint, article.title, body_simhash)
    # Every Article column (JSON ones wrapped for psycopg2), then what the load stage adds.
    values = {name: Json(value) if isinstance(value, (list, dict)) else value
              for name, value in article.column_values().items()}
    values.update(body_fingerprint=body_fingerprint, body_simhash=body_simhash.to_hex(),
                  raw_page_id=row["raw_page_id"], extractor_version=row["extractor_version"])
    if existing is None:
        cur.execute(
            f"INSERT INTO articles (portal, url, canonical_url, {', '.join(values)})"
            f" VALUES (%(portal)s, %(url)s, %(canonical_url)s, {', '.join(f'%({k})s' for k in values)})"
            " RETURNING id",
            {"portal": portal.id, "url": row["url"], "canonical_url": row["canonical_url"], **values},
        )
        article_id = cur.fetchone()["id"]
        _alias(cur, portal.id, urls, article_id)
        stories.assign_story(cur, article_id, portal.id, article.published_at, article.body, body_fingerprint)
        stats.new += 1
        return
    _alias(cur, portal.id, urls, existing["id"])
    if matched_by == "content" and not set(urls) & {existing["canonical_url"]}:
        stats.duplicate += 1
        return
    page = _page_age(cur, existing, row)
    if page == "older":  # a re-extraction of a page the portal has since changed
        stats.unchanged += 1
        return
    changed = _changed(existing, article)
    if changed and page == "newer":
        versions.record_version(cur, existing, article, row["raw_page_id"])
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
