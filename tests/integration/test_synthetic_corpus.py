"""tests/support/synthetic_corpus.py, the synthetic corpus the scale benchmark (bench/search.py) measures
on: its rows are those the pipeline would have written for the same texts (hashes, MinHash bands, facts,
stories), and it is as unrepetitive as real portals (distinct titles, republished copies a few per cent)."""

from __future__ import annotations

import json
import random

import psycopg2
import pytest

from portalnews.extraction import Article
from portalnews.pipelines.load import dedupe, facts, load_pending, stories
from portalnews.registry import Portal
from tests.support.database import query
from tests.support.synthetic_corpus import PORTALS, Corpus, write_articles

ARTICLES = 1_200


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(seed=5, pool_size=3_000)


@pytest.fixture
def corpus_db(db_url, corpus):
    for portal in PORTALS:
        query(db_url, "INSERT INTO portals (id, name, base_url) VALUES (%s, %s, %s)",
              (portal, portal, f"http://{portal}.test/"))
    conn = psycopg2.connect(db_url)
    try:  # two chunks, made by two worker processes
        counts = write_articles(conn, corpus, 0, ARTICLES, chunk=ARTICLES // 2, workers=2)
    finally:
        conn.close()
    return db_url, counts


def test_titles_are_distinct_and_copies_form_stories_across_portals(corpus_db):
    db_url, counts = corpus_db
    row = query(db_url, "SELECT count(*) AS articles, count(DISTINCT (portal, title)) AS titles,"
                        " count(DISTINCT body_fingerprint) AS bodies, count(DISTINCT story_id) AS stories"
                        " FROM articles")[0]
    assert row["articles"] == ARTICLES
    assert row["titles"] == ARTICLES  # within a portal no two articles share a title
    # Every original text distinct; two portals republishing one may print the same byline (same body).
    assert ARTICLES - counts["copies"] < row["bodies"] <= ARTICLES
    # A few per cent are another portal's article republished, in that article's story.
    assert 0.01 * ARTICLES < counts["copies"] < 0.06 * ARTICLES
    assert row["stories"] == ARTICLES - counts["copies"]
    republished = query(db_url, "SELECT count(*) AS n, count(*) FILTER (WHERE f.portal <> a.portal AND"
                                " f.title = a.title AND f.published_at < a.published_at) AS other_portal"
                                " FROM articles a JOIN stories s ON s.id = a.story_id"
                                " JOIN articles f ON f.id = s.first_article_id WHERE a.id <> f.id")[0]
    assert republished == {"n": counts["copies"], "other_portal": counts["copies"]}
    # The rows the foreign keys' triggers were skipped for are consistent all the same.
    dangling = query(db_url, """
        SELECT (SELECT count(*) FROM articles a LEFT JOIN stories s ON s.id = a.story_id WHERE s.id IS NULL)
             + (SELECT count(*) FROM stories s LEFT JOIN articles a ON a.id = s.first_article_id
                WHERE a.id IS NULL)
             + (SELECT count(*) FROM article_urls u LEFT JOIN articles a ON a.id = u.article_id
                WHERE a.id IS NULL)
             + (SELECT count(*) FROM articles a LEFT JOIN extractions e ON e.raw_page_id = a.raw_page_id
                WHERE e.raw_page_id IS NULL) AS n""")[0]["n"]
    assert dangling == 0


def test_rows_are_those_the_load_stage_would_write(corpus_db):
    db_url, counts = corpus_db
    sample = query(db_url, "SELECT a.id, a.title, a.sapo, a.body, a.body_fingerprint, a.body_simhash,"
                           " s.minhash, (SELECT array_agg(b.band ORDER BY b.band) FROM story_bands b"
                           "  WHERE b.article_id = a.id) AS bands FROM articles a"
                           " JOIN story_signatures s ON s.article_id = a.id"
                           " WHERE mod(a.id, 20) = 0 ORDER BY a.id")
    assert len(sample) == ARTICLES // 20
    with_facts = 0
    for row in sample:
        assert row["body_fingerprint"] == dedupe.fingerprint(row["body"])
        assert row["body_simhash"] == dedupe.simhash(row["body"]).to_hex()
        assert row["minhash"] == stories.minhash(row["body"])
        assert row["bands"] == sorted(stories.band_keys(row["minhash"]))
        article = Article(title=row["title"], sapo=row["sapo"], body=row["body"])
        derived = facts.fact_rows([(row["id"], article)])
        stored_documents = query(db_url, "SELECT * FROM document_mentions WHERE article_id = %s ORDER BY"
                                         " field, start_offset", (row["id"],))
        stored_officials = query(db_url, "SELECT article_id, field, start_offset, name, position, honorific,"
                                         " sentence FROM official_mentions WHERE article_id = %s ORDER BY"
                                         " field, start_offset", (row["id"],))
        assert stored_documents == sorted(derived.documents, key=lambda d: (d["field"], d["start_offset"]))
        assert stored_officials == sorted(derived.officials, key=lambda d: (d["field"], d["start_offset"]))
        with_facts += bool(stored_documents and stored_officials)
    assert with_facts > len(sample) // 2  # most articles cite a document and name an official
    assert query(db_url, "SELECT count(*) AS n FROM article_facts")[0]["n"] == ARTICLES
    assert query(db_url, "SELECT count(*) AS n FROM document_mentions")[0]["n"] == counts["documents"]


def test_the_load_stage_puts_a_republished_article_in_its_story(corpus_db, corpus):
    """A portal republishing a stored article (another byline) joins its story; a new text of the
    corpus starts one, its title unlike any stored."""
    db_url, _ = corpus_db
    original = query(db_url, "SELECT id, title, body, published_at, story_id FROM articles WHERE portal = %s"
                             " ORDER BY id LIMIT 1", (PORTALS[1],))[0]
    fresh = corpus.article(10**8, random.Random(1))
    assert not query(db_url, "SELECT 1 FROM articles WHERE title = %s", (fresh["title"],))
    pages = [("copy", original["title"], original["body"] + "\nPV", original["published_at"]),
             ("fresh", fresh["title"], fresh["body"], fresh["published_at"])]
    for slug, title, body, published in pages:
        url = f"http://{PORTALS[0]}.test/tin/{slug}"
        page = query(db_url, "INSERT INTO raw_pages (portal, requested_url, url, canonical_url, status,"
                             " html_gz, content_sha256) VALUES (%s, %s, %s, %s, 200, '\\x00', %s)"
                             " RETURNING id",
                     (PORTALS[0], url, url, url, slug))[0]["id"]
        result = {"title": title, "body": body, "published_at": published.isoformat()}
        query(db_url, "INSERT INTO extractions (raw_page_id, extractor_version, ok, result)"
                      " VALUES (%s, 'v1', true, %s::jsonb)", (page, json.dumps(result)))
    portal = Portal(id=PORTALS[0], name=PORTALS[0], base_url=f"http://{PORTALS[0]}.test/",
                    start_urls=(f"http://{PORTALS[0]}.test/",), article_url_pattern="/tin/")
    assert load_pending(db_url, portal).new == 2
    stored = {row["url"].rsplit("/", 1)[1]: row for row in query(
        db_url, "SELECT url, story_id FROM articles WHERE url LIKE %s", (f"http://{PORTALS[0]}.test/tin/%",))}
    assert stored["copy"]["story_id"] == original["story_id"]
    assert query(db_url, "SELECT count(*) AS n FROM articles WHERE story_id = %s",
                 (stored["fresh"]["story_id"],))[0]["n"] == 1
