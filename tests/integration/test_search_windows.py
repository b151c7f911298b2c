"""search_articles looks for a query matching a middling share of the articles (a phrase of common words)
among the newest articles first, widening the window until it holds `max_ranked` matches (migration 0015):
the ranked rows are the same as ranking the newest `max_ranked` matches of the whole table."""

from __future__ import annotations

from datetime import datetime, timedelta

import psycopg2
from psycopg2.extras import execute_values

from portalnews.vietnamese.dates import VIETNAM
from tests.support.database import query

PHRASE = "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ {n} bàn về kế hoạch năm tới."
# The phrase's five words, none next to the other as in the phrase (written for this test).
APART = ("Đảng bộ xã Hòa Bình tổ chức đại hội; ban tổ chức đề nghị các chi bộ chấp hành nghiêm quy định về"
         " thời gian, địa điểm và hành trình đón đại biểu số {n}.")
OTHER = "Người dân thôn {n} thu hoạch lúa sớm, năng suất ước đạt sáu tấn một héc-ta."
START = datetime(2025, 1, 1, 8, 0, tzinfo=VIETNAM)


def _store(db_url: str, rows: list[tuple[str, str, datetime]]) -> None:
    conn = psycopg2.connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("INSERT INTO portals (id, name, base_url) VALUES ('hatinh', 'hatinh', 'http://hatinh.test/')")
            execute_values(cur, "INSERT INTO articles (portal, url, canonical_url, title, body,"
                                " body_fingerprint, extractor_version, published_at) VALUES %s",
                           [("hatinh", f"http://hatinh.test/tin/{n}", f"http://hatinh.test/tin/{n}", title,
                             body, f"f{n}", "v1", published)
                            for n, (title, body, published) in enumerate(rows)])
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE articles")
    finally:
        conn.close()


def _search_with_windows(db_url: str, text: str, **options) -> tuple[list[dict], list[str]]:
    """search_articles' rows, and what search_candidates said of each window it looked in."""
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SET client_min_messages = debug")
            named = "".join(f", {name} => %({name})s" for name in options)
            cur.execute(f"SELECT title, published_at FROM search_articles(%(text)s{named})",
                        {"text": text, **options})
            rows = [{"title": title, "published_at": published} for title, published in cur.fetchall()]
        return rows, [n.split("DEBUG:", 1)[1].strip() for n in conn.notices if "search_candidates:" in n]
    finally:
        conn.close()


def test_a_phrase_whose_words_stand_apart_in_newer_articles_finds_the_phrase_newest_first(db_url):
    # One other article an hour for 100 days; ten holding the phrase on day 90, forty newer ones (day 97)
    # holding its words apart.
    rows = [(f"Mùa vụ {n}", OTHER.format(n=n), START + timedelta(hours=n)) for n in range(2400)]
    rows += [(f"Hội nghị lần thứ {n}", PHRASE.format(n=n), START + timedelta(days=90, hours=n))
             for n in range(10)]
    rows += [(f"Đại hội chi bộ {n}", APART.format(n=n), START + timedelta(days=97, hours=n))
             for n in range(40)]
    _store(db_url, rows)
    hits, windows = _search_with_windows(db_url, '"ban chấp hành đảng bộ"', max_ranked=3, max_hits=3)
    assert [hit["title"] for hit in hits] == [f"Hội nghị lần thứ {n}" for n in (9, 8, 7)]
    # 10 of the newest 400 match: looked first in the newest 150 (three matches, a quarter more, at that
    # density), which hold the words apart only, then in a wider window.
    assert windows[0] == "search_candidates: 0 matches in the 150 newest articles"
    assert len(windows) == 2 and windows[1].startswith("search_candidates: 3 matches in the ")
    assert windows[1].endswith(" newest articles")
    # Every match when max_ranked allows it, newest first among equal ranks.
    hits, _ = _search_with_windows(db_url, '"ban chấp hành đảng bộ"', max_ranked=1000, max_hits=20)
    assert [hit["title"] for hit in hits] == [f"Hội nghị lần thứ {n}" for n in range(9, -1, -1)]
    # The words in any order still find the newer articles too (and rank the phrase first).
    hits, _ = _search_with_windows(db_url, "ban chấp hành đảng bộ", max_ranked=1000, max_hits=50)
    assert len(hits) == 50 and hits[0]["title"] == "Hội nghị lần thứ 9"


def test_a_window_holding_enough_matches_gives_the_newest_matches_of_the_whole_table(db_url):
    # A match every sixth article (under a quarter of the newest: looked for in windows), newest first.
    rows = [(f"Bài {n}", PHRASE.format(n=n) if n % 6 == 0 else OTHER.format(n=n), START + timedelta(hours=n))
            for n in range(600)]
    _store(db_url, rows)
    expected = query(db_url, "SELECT title FROM articles WHERE search_vector @@"
                             " websearch_to_tsquery('public.vietnamese', '\"ban chấp hành đảng bộ\"')"
                             " ORDER BY published_at DESC LIMIT 5")
    hits, windows = _search_with_windows(db_url, '"ban chấp hành đảng bộ"', max_ranked=5, max_hits=5)
    assert [hit["title"] for hit in hits] == [row["title"] for row in expected]
    assert [hit["title"] for hit in hits] == ["Bài 594", "Bài 588", "Bài 582", "Bài 576", "Bài 570"]
    # 66 of the newest 400 match: the window that should hold 5 matches, a quarter more, is the newest 38.
    assert windows == ["search_candidates: 5 matches in the 38 newest articles"]


def test_a_common_word_is_looked_for_newest_first_without_a_window(db_url):
    rows = [(f"Bài {n}", PHRASE.format(n=n) if n % 2 == 0 else OTHER.format(n=n), START + timedelta(hours=n))
            for n in range(300)]
    _store(db_url, rows)
    hits, windows = _search_with_windows(db_url, "đảng bộ", max_ranked=5, max_hits=5)
    assert [hit["title"] for hit in hits] == ["Bài 298", "Bài 296", "Bài 294", "Bài 292", "Bài 290"]
    assert windows == ["search_candidates: 5 matches in every article"]
