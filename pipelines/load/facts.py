"""The facts of articles (portalnews/facts/) stored set-based: the load stage calls `record_facts` for
the articles a batch inserts or changes, in the batch's transaction; `recompute_facts` derives them
again for every stored article whose facts are missing or of another rules version (after a rules
change: `portalnews facts recompute`).

Facts are those of an article's current content: recording replaces the article's earlier facts
(the old text stays in article_versions; its facts can be derived from it again). An article whose
text the rules fail on keeps no facts, is logged and counted, and never fails its batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import psycopg2.extras

from portalnews.extraction import Article
from portalnews.facts import RULES_VERSION, derive_facts
from portalnews.store.db import connection
from portalnews.store.set_based import insert_rows

log = logging.getLogger(__name__)
RECOMPUTE_BATCH = 500


@dataclass
class FactRows:
    """The rows recording some articles' facts, and the ids of those the rules failed on."""

    facts: list[dict] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)
    officials: list[dict] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def fact_rows(articles: list[tuple[int, Article]]) -> FactRows:
    """The article_facts, document_mentions and official_mentions rows of `articles` ((id, content)
    pairs), as `record_facts` stores them (tests/support/synthetic_corpus.py builds its corpus's facts
    with them too)."""
    rows = FactRows()
    for article_id, article in articles:
        try:
            derived = derive_facts(article.title, article.sapo, article.body)
        except Exception as err:  # a rule failing on one text must not cost the batch its other articles
            log.error("facts of article %s not derived: %s: %s", article_id, type(err).__name__, err)
            rows.failed.append(article_id)
            continue
        rows.facts.append({"article_id": article_id, "rules_version": RULES_VERSION})
        seen: set[tuple[str, int]] = set()  # the same text read twice (a title repeated) is one mention
        for sentence, m in derived.documents:
            where = (sentence.field, sentence.start + m.start)
            if where in seen:
                continue
            seen.add(where)
            rows.documents.append(
                {
                    "article_id": article_id,
                    "field": sentence.field,
                    "start_offset": where[1],
                    "document_key": m.document_key,
                    "document_type": m.document_type,
                    "number": m.number,
                    "symbol": m.symbol,
                    "issuer": m.issuer,
                    "term": m.term,
                    "plenum": m.plenum,
                    "issued_on": m.issued_on,
                    "sentence": sentence.text.strip(),
                }
            )
        rows.officials += [
            {
                "article_id": article_id,
                "field": sentence.field,
                "start_offset": sentence.start + m.start,
                "name": m.name,
                "position": m.position,
                "honorific": m.honorific,
                "sentence": sentence.text.strip(),
            }
            for sentence, m in derived.officials
        ]
    return rows


def record_facts(cur, articles: list[tuple[int, Article]]) -> list[int]:
    """Replace the facts of `articles` ((id, content) pairs): one DELETE and three INSERTs for all of
    them. Returns the ids of the articles the rules failed on (left without facts)."""
    if not articles:
        return []
    rows = fact_rows(articles)
    cur.execute(
        "DELETE FROM article_facts WHERE article_id = ANY(%s)", ([article_id for article_id, _ in articles],)
    )
    insert_rows(cur, "article_facts", rows.facts)
    insert_rows(cur, "document_mentions", rows.documents)
    insert_rows(cur, "official_mentions", rows.officials)
    return rows.failed


@dataclass
class RecomputeStats:
    articles: int = 0
    failed: int = 0


def recompute_facts(db_url: str, portal: str | None = None) -> RecomputeStats:
    """Derive again the facts of every article (of `portal`) whose facts are missing or were derived
    by other rules than RULES_VERSION, RECOMPUTE_BATCH articles per transaction."""
    stats = RecomputeStats()
    failed: list[int] = []
    with connection(db_url) as conn:
        while True:
            with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                cur.execute(
                    """
                    SELECT a.id, a.title, a.sapo, a.body FROM articles a
                    LEFT JOIN article_facts f ON f.article_id = a.id
                    WHERE f.rules_version IS DISTINCT FROM %s AND (%s::text IS NULL OR a.portal = %s)
                      AND a.id <> ALL(%s::bigint[])
                    ORDER BY a.id LIMIT %s
                    FOR UPDATE OF a SKIP LOCKED
                    """, (RULES_VERSION, portal, portal, failed, RECOMPUTE_BATCH))
                rows = cur.fetchall()
                if not rows:
                    return stats
                articles = [(row["id"], Article(title=row["title"], sapo=row["sapo"], body=row["body"]))
                            for row in rows]
                failed_now = record_facts(cur, articles)
                failed += failed_now  # not selected again by this pass
                stats.failed += len(failed_now)
                stats.articles += len(rows)
            log.info("facts recomputed so far: %d articles (%d failed)", stats.articles, stats.failed)

