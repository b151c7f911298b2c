"""Dedupe rules: when is a newly cleaned page an article the portal already has?

In order: one of its URLs (canonical form, portalnews.registry.urls) is already an article's; its
body has the same fingerprint (the comparison form of the text, so spacing, case, punctuation and
tone-mark placement do not count); or it has the same title and a near-identical trafilatura Simhash
(a changed byline or footer line). A new rule is one more step in `find_existing`.
"""

from __future__ import annotations

import hashlib

from trafilatura.deduplication import Simhash

from portalnews.vietnamese.text import dedupe_form

NEAR_DUPLICATE_SIMILARITY = 0.95


def fingerprint(body: str) -> str:
    return hashlib.sha256(dedupe_form(body).encode("utf-8")).hexdigest()


def simhash(body: str) -> Simhash:
    return Simhash(dedupe_form(body))


def find_existing(cur, portal: str, urls: list[str], body_fingerprint: str, title: str | None,
                  body_simhash: Simhash) -> tuple[dict | None, str | None]:
    """(the stored article this page is, how it matched: "url" or "content"), or (None, None)."""
    cur.execute(
        "SELECT a.* FROM article_urls u JOIN articles a ON a.id = u.article_id"
        " WHERE u.portal = %s AND u.canonical_url = ANY(%s) LIMIT 1",
        (portal, urls),
    )
    row = cur.fetchone()
    if row:
        return row, "url"
    cur.execute("SELECT * FROM articles WHERE portal = %s AND body_fingerprint = %s LIMIT 1",
                (portal, body_fingerprint))
    row = cur.fetchone()
    if row:
        return row, "content"
    if title:
        cur.execute("SELECT * FROM articles WHERE portal = %s AND title = %s AND body_simhash IS NOT NULL",
                    (portal, title))
        for row in cur.fetchall():
            if body_simhash.similarity(Simhash(existing_hash=row["body_simhash"])) >= NEAR_DUPLICATE_SIMILARITY:
                return row, "content"
    return None, None
