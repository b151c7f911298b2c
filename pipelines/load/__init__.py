"""Load stage: extractions -> articles, deduplicated.

One article per portal and canonical URL. A page that the dedupe rules (pipelines/load/dedupe.py) match to
a stored article by content is a duplicate: its URL becomes an alias of that article. The columns
written are the Article dataclass's own (portalnews.extraction.article), so a new field needs no
change here. Loading is idempotent: re-loading the same extraction changes nothing.

A newly fetched page that changes a stored article keeps the replaced content in article_versions
(pipelines/load/article_versions.py); re-extracting the same page updates in place, and an older page never
replaces a newer one. Every new article joins a story across portals (pipelines/load/stories.py); the facts
of every new or changed article (documents cited, officials named: pipelines/load/facts.py) are derived
again in the same batch.

Pages are merged in batches on one connection, set-based: the dedupe candidates of a whole batch in
two queries, new articles inserted with their story in one statement (never inserted, then updated),
aliases and loaded marks written with one statement each. A batch only holds pages that cannot match
one another (no shared URL, fingerprint, title or matched article); the first page that could starts
the next batch, so every page sees its predecessors exactly as one-at-a-time loading would. A batch
that fails is loaded again page by page: a bad page keeps its error in `extractions.load_error` and
is counted as failed, and the rest of its batch is stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg2
import psycopg2.extras
from psycopg2.extras import Json, execute_values
from trafilatura.deduplication import Simhash

from portalnews.extraction import Article
from portalnews.pipelines.alongside import repeated_alongside
from portalnews.pipelines.load import article_versions, dedupe, facts, stories
from portalnews.registry import Portal
from portalnews.registry.urls import canonical_url
from portalnews.store.db import connection
from portalnews.store.set_based import insert_rows, next_ids
from portalnews.vietnamese.text import dedupe_form

log = logging.getLogger(__name__)
BATCH = 200
# What the merge reads of a stored article: never its search_vector (a whole tsvector per row).
_STORED_COLUMNS = ", ".join(
    ["a.id", "a.canonical_url", "a.raw_page_id", "a.extractor_version", "a.updated_at", "a.body_fingerprint",
     "a.body_simhash", "(SELECT r.fetched_at FROM raw_pages r WHERE r.id = a.raw_page_id) AS page_fetched_at"]
    + [f"a.{name}" for name in Article.columns()])


@dataclass
class LoadStats:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    failed: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def add(self, other: LoadStats) -> None:
        for name, value in other.__dict__.items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class _Page:
    """One pending extraction, with what dedupe and stories need computed once."""

    row: dict
    article: Article
    urls: list[str]
    fingerprint: str
    simhash: Simhash
    form: str

    @classmethod
    def of(cls, portal: Portal, row: dict) -> _Page:
        article = Article.from_json(row["result"])
        form = dedupe_form(article.body)  # the comparison form, computed once for all three hashes
        return cls(row, article, sorted({row["canonical_url"], canonical_url(row["requested_url"], portal)}),
                   dedupe.fingerprint_of_form(form), dedupe.simhash_of_form(form), form)

    def keys(self, existing: dict | None) -> set[tuple[str, str]]:
        """What another page of the same batch must not share with this one to be merged independently."""
        keys = {("url", url) for url in self.urls} | {("fingerprint", self.fingerprint)}
        if self.article.title:
            keys.add(("title", self.article.title))
        if existing is not None:
            keys.add(("article", str(existing["id"])))
        return keys

    def values(self) -> dict:
        """Every Article column (JSON ones wrapped for psycopg2), then what the load stage adds."""
        values = {name: Json(value) if isinstance(value, (list, dict)) else value
                  for name, value in self.article.column_values().items()}
        values.update(body_fingerprint=self.fingerprint, body_simhash=self.simhash.to_hex(),
                      raw_page_id=self.row["raw_page_id"], extractor_version=self.row["extractor_version"])
        return values


def loading_alongside(db_url: str, portal: Portal, idle_wait: float = 0.5):
    """Load the portal's extractions while the block runs (crawling and cleaning), then once more after
    it. The future holds the summed LoadStats (or the loading's exception) once the block has ended."""
    return repeated_alongside(f"load-{portal.id}", lambda: load_pending(db_url, portal),
                              lambda done: any(done.as_dict().values()), LoadStats(), idle_wait)


def load_pending(db_url: str, portal: Portal) -> LoadStats:
    """Merge every ok, not yet loaded extraction of `portal` into articles."""
    stats = LoadStats()
    failed: list[int] = []  # raw pages that failed to load in this pass: retried by the next one
    with connection(db_url) as conn:
        while True:
            with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                # One loader per portal at a time (a run's and a DAG's): two could both store one new text.
                cur.execute("SELECT pg_advisory_xact_lock(hashtext('portalnews-load:' || %s))", (portal.id,))
                cur.execute(
                    """
                    SELECT e.raw_page_id, e.extractor_version, e.result, r.url, r.canonical_url,
                           r.requested_url, r.fetched_at
                    FROM extractions e JOIN raw_pages r ON r.id = e.raw_page_id
                    WHERE r.portal = %s AND e.ok AND e.loaded_at IS NULL
                      AND e.raw_page_id <> ALL(%s::bigint[])
                    ORDER BY r.fetched_at, r.id LIMIT %s
                    FOR UPDATE OF e SKIP LOCKED
                    """,
                    (portal.id, failed, BATCH),
                )
                rows = cur.fetchall()
                if not rows:
                    return stats
                try:
                    cur.execute("SAVEPOINT load_batch")
                    stats.add(_load_rows(cur, portal, rows))
                except Exception:
                    if (
                        conn.closed
                    ):  # the connection is gone: the stage is retried as a whole, not page by page
                        raise
                    log.warning("a batch of %d pages of %s did not load; loading them one by one", len(rows),
                                portal.id, exc_info=True)
                    cur.execute("ROLLBACK TO SAVEPOINT load_batch")
                    for row in rows:
                        _load_alone(cur, portal, row, stats, failed)
            log.info("loaded %s so far: %s", portal.id, stats.as_dict())


def _load_alone(cur, portal: Portal, row: dict, stats: LoadStats, failed: list[int]) -> None:
    cur.execute("SAVEPOINT load_page")
    try:
        stats.add(_load_rows(cur, portal, [row]))
        cur.execute("RELEASE SAVEPOINT load_page")
    except Exception as err:
        if cur.connection.closed:
            raise
        cur.execute("ROLLBACK TO SAVEPOINT load_page")
        error = f"{type(err).__name__}: {err}".strip()
        log.error("page %s of %s not loaded: %s", row["url"], portal.id, error)
        cur.execute(
            "UPDATE extractions SET load_error = %s WHERE raw_page_id = %s AND extractor_version = %s",
            (error, row["raw_page_id"], row["extractor_version"]),
        )
        failed.append(row["raw_page_id"])
        stats.failed += 1


def _load_rows(cur, portal: Portal, rows: list[dict]) -> LoadStats:
    stats = LoadStats()
    pages = [_Page.of(portal, row) for row in rows]
    while pages:
        found = dedupe.candidates(
            cur,
            portal.id,
            sorted({url for page in pages for url in page.urls}),
            [page.fingerprint for page in pages],
            [page.article.title for page in pages if page.article.title],
            _STORED_COLUMNS,
        )
        matches: list[tuple[dict | None, str | None]] = []
        taken: set[tuple[str, str]] = set()
        for page in pages:
            existing, how = dedupe.find_existing(found, page.urls, page.fingerprint, page.article.title,
                                                 page.simhash)
            keys = page.keys(existing)
            if matches and keys & taken:
                break  # this page may match one before it: it starts the next batch, seeing that one stored
            taken |= keys
            matches.append((existing, how))
        _merge(cur, portal, pages[:len(matches)], matches, stats)
        pages = pages[len(matches):]
    return stats


def _changed(row: dict, article: Article) -> bool:
    return any(row[name] != value for name, value in article.column_values().items())


def _page_age(existing: dict, row: dict) -> str:
    """Is the row's page the stored article's own page ("same"), fetched after it ("newer"), or before?"""
    if existing["raw_page_id"] is None:
        return "newer"
    if existing["raw_page_id"] == row["raw_page_id"]:
        return "same"
    stored = existing["page_fetched_at"]
    if stored and (stored, existing["raw_page_id"]) > (row["fetched_at"], row["raw_page_id"]):
        return "older"
    return "newer"


def _merge(cur, portal: Portal, pages: list[_Page], matches: list[tuple[dict | None, str | None]],
           stats: LoadStats) -> None:
    """Store a batch of pages none of which can match another."""
    new: list[_Page] = []
    aliases: list[tuple[str, str, int]] = []
    replaced_versions: list[dict] = []
    changed_articles: list[tuple[int, Article]] = []  # their facts are derived again
    for page, (existing, matched_by) in zip(pages, matches, strict=True):
        if existing is None:
            new.append(page)
            continue
        aliases += [(portal.id, url, existing["id"]) for url in page.urls]
        if matched_by == "content" and existing["canonical_url"] not in page.urls:
            stats.duplicate += 1
            continue
        age = _page_age(existing, page.row)
        if age == "older":  # a re-extraction of a page the portal has since changed
            stats.unchanged += 1
            continue
        changed = _changed(existing, page.article)
        if changed and age == "newer":
            replaced = article_versions.replaced_content(existing, page.article, page.row["raw_page_id"])
            replaced_versions += [replaced] if replaced else []
        if changed or existing["extractor_version"] != page.row["extractor_version"]:
            # A re-extraction records its extractor version even when the result is the same.
            values = page.values()
            cur.execute(
                f"UPDATE articles SET {', '.join(f'{k} = %({k})s' for k in values)}, updated_at = now()"
                " WHERE id = %(id)s",
                {**values, "id": existing["id"]},
            )
        if changed:
            changed_articles.append((existing["id"], page.article))
            stats.updated += 1
        else:
            stats.unchanged += 1
    article_versions.record_article_versions(cur, replaced_versions)
    facts.record_facts(cur, changed_articles)
    if new:
        aliases += _insert_new(cur, portal, new)
        stats.new += len(new)
    if aliases:
        execute_values(cur, "INSERT INTO article_urls (portal, canonical_url, article_id) VALUES %s"
                            " ON CONFLICT (portal, canonical_url) DO NOTHING", aliases)
    execute_values(
        cur,
        "UPDATE extractions e SET loaded_at = now(), load_error = NULL FROM (VALUES %s) AS v(id, version)"
        " WHERE e.raw_page_id = v.id AND e.extractor_version = v.version",
        [(page.row["raw_page_id"], page.row["extractor_version"]) for page in pages],
    )


def _insert_new(cur, portal: Portal, new: list[_Page]) -> list[tuple[str, str, int]]:
    """Insert new articles, each already in its story; return their URLs to alias."""
    ids = next_ids(cur, "articles", len(new))
    newcomers = [
        stories.Newcomer(
            article_id,
            portal.id,
            page.article.published_at,
            page.fingerprint,
            stories.minhash_of_form(page.form),
        )
        for article_id, page in zip(ids, new, strict=True)
    ]
    stories.plan_stories(cur, newcomers)
    rows = [{"id": newcomer.article_id, "portal": portal.id, "url": page.row["url"],
             "canonical_url": page.row["canonical_url"], "story_id": newcomer.story_id, **page.values()}
            for newcomer, page in zip(newcomers, new, strict=True)]
    insert_rows(cur, "articles", rows)
    stories.record_stories(cur, newcomers)
    facts.record_facts(cur, [(newcomer.article_id, page.article)
                             for newcomer, page in zip(newcomers, new, strict=True)])
    return [(portal.id, url, newcomer.article_id) for newcomer, page in zip(newcomers, new, strict=True)
            for url in page.urls]
