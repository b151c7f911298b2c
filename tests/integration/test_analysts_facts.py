"""Facts for analysts (issue 19): the load stage derives the documents each article cites and the
officials it names, replaces them when the content changes, recomputes them after a rules change;
the views, search_articles' document filter, the CLI and every query of docs/facts.md, as `analyst`,
on the demo data (the recorded fixture portals loaded by the real pipeline)."""

from __future__ import annotations

import json
import re

import pytest

from portalnews.cli import main
from portalnews.cli.database import analyst_url
from portalnews.facts import RULES_VERSION
from portalnews.pipelines.load import load_pending
from tests.integration.test_analysts_demo import demo_db  # noqa: F401 (the demo database, loaded once here)
from tests.integration.test_load_batches import PORTAL, cleaned_page  # noqa: F401 (as crawl + clean store a page)
from tests.support.database import query
from tests.support.docs import sql_statements
from tests.support.paths import REPO

FACTS_GUIDE = REPO / "docs" / "facts.md"
# What the recorded articles name, read from their pages (tests/fixtures/sites/*/expected/*.json):
# the Đà Nẵng article of 13-02-2020 (fx_liferay) and the TP.HCM one of 11-02-2020 (fx_tintuc).
TW4 = "Nghị quyết Trung ương 4 khóa XII"
DIRECTIVE = ("Thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị, đồng chí Lê Thị Hoa, Phó Bí thư Huyện ủy, đề nghị"
             " các chi bộ đăng ký việc làm cụ thể.\nSau 8 năm, Chỉ thị 05 đã đi vào cuộc sống.")


# ---- the load stage --------------------------------------------------------------------------
def _facts(db_url: str) -> tuple[list, list, list]:
    return (query(db_url, "SELECT article_id, rules_version FROM article_facts ORDER BY article_id"),
            query(db_url, "SELECT document_key, field FROM document_mentions ORDER BY field, start_offset"),
            query(db_url, "SELECT name, position, honorific FROM official_mentions ORDER BY start_offset"))


def test_loading_derives_the_facts_and_a_changed_article_has_them_replaced(db_url, cleaned_page):  # noqa: F811
    cleaned_page("/tin/1", "Tổng kết Chỉ thị 05", DIRECTIVE)
    assert load_pending(db_url, PORTAL).new == 1
    (article,) = query(db_url, "SELECT id FROM articles")
    facts, documents, officials = _facts(db_url)
    assert facts == [{"article_id": article["id"], "rules_version": RULES_VERSION}]
    assert documents == [
        {"document_key": "05-CT/TW", "field": "body"},
        {"document_key": "05-CT/TW", "field": "body"},
        {"document_key": "05-CT/TW", "field": "title"},
    ]
    assert officials == [{"name": "Lê Thị Hoa", "position": "Phó Bí thư Huyện ủy", "honorific": "đồng chí"}]

    # The portal corrects the article: another directive, another official. Its facts are the new text's.
    corrected = (
        DIRECTIVE.replace("Chỉ thị 05-CT/TW", "Chỉ thị 35-CT/TW")
        .replace("Chỉ thị 05", "Chỉ thị 35")
        .replace("Lê Thị Hoa", "Lê Thị Hòa")
    )
    cleaned_page("/tin/1", "Tổng kết Chỉ thị 05", corrected, minutes_after=60)
    assert load_pending(db_url, PORTAL).updated == 1
    facts, documents, officials = _facts(db_url)
    # the title still says "Chỉ thị 05"
    assert [d["document_key"] for d in documents] == ["35-CT/TW", "35-CT/TW"]
    assert officials == [{"name": "Lê Thị Hòa", "position": "Phó Bí thư Huyện ủy", "honorific": "đồng chí"}]
    # the old text stays there
    assert query(db_url, "SELECT count(*) AS n FROM article_versions") == [{"n": 1}]


def test_facts_recompute_derives_again_what_other_rules_or_no_rules_derived(db_url, cleaned_page, monkeypatch,  # noqa: F811
                                                                             capsys):
    cleaned_page("/tin/1", "Tổng kết Chỉ thị 05", DIRECTIVE)
    cleaned_page("/tin/2", "Sơ kết", "Bí thư Huyện ủy Nguyễn Văn Minh chủ trì hội nghị.", minutes_after=1)
    load_pending(db_url, PORTAL)
    before = _facts(db_url)
    # An article stored before migration 0011 (no facts) and one derived by older rules.
    query(db_url, "DELETE FROM article_facts WHERE article_id = (SELECT min(id) FROM articles)")
    query(db_url, "UPDATE article_facts SET rules_version = 'facts-0'")
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["facts", "recompute"]) == 0
    assert (
        capsys.readouterr().out.strip() == f"facts rules {RULES_VERSION}: 2 articles derived again, 0 failed"
    )
    assert _facts(db_url) == before
    assert main(["facts", "recompute"]) == 0  # nothing left to do
    assert "0 articles derived again" in capsys.readouterr().out


def test_an_article_the_rules_fail_on_is_logged_and_left_out_while_the_others_get_their_facts(
    db_url,
    cleaned_page,  # noqa: F811
    caplog,
):
    import psycopg2

    from portalnews.extraction import Article
    from portalnews.pipelines.load.facts import record_facts

    cleaned_page("/tin/1", "Tổng kết Chỉ thị 05", DIRECTIVE)
    cleaned_page("/tin/2", "Sơ kết", "Nội dung.", minutes_after=1)
    load_pending(db_url, PORTAL)
    first, second = (row["id"] for row in query(db_url, "SELECT id FROM articles ORDER BY id"))
    unreadable = Article(title=b"\xff not text", body="Nội dung.")  # what no stored article can be
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        failed = record_facts(cur, [(first, Article(title=None, body=DIRECTIVE)), (second, unreadable)])
    conn.close()
    assert failed == [second]
    (error,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert error.startswith(f"facts of article {second} not derived: TypeError: ") and "\n" not in error
    assert [r["article_id"] for r in _facts(db_url)[0]] == [first]


# ---- the views, as the analyst, on the demo data ---------------------------------------------
def test_article_documents_lists_every_mention_with_its_quote(demo_db):  # noqa: F811
    rows = query(
        analyst_url(demo_db),
        "SELECT portal, document_key, document_type, number, symbol, issuer, term,"
        " plenum, quote FROM article_documents ORDER BY portal, field DESC, start_offset",
    )
    keys = [(r["portal"], r["document_key"]) for r in rows]
    # The Đà Nẵng article: the plenum resolution in its title and five times in its body, then 35-NQ/TW.
    # The TP.HCM one: "Nghị quyết 35" in its title, "Nghị quyết số 35-NQ/TW" in its lead (its body's start).
    assert keys == [("fx_liferay", TW4)] * 6 + [("fx_liferay", "35-NQ/TW"), ("fx_tintuc", "35-NQ/TW"),
                                                ("fx_tintuc", "35-NQ/TW")]
    resolution = next(r for r in rows if r["portal"] == "fx_liferay" and r["number"])
    assert (resolution["document_type"], resolution["number"], resolution["symbol"], resolution["issuer"],
            resolution["term"]) == ("Nghị quyết", "35", "NQ/TW", "Bộ Chính trị", "XII")
    assert "Nghị quyết số 35-NQ/TW của Bộ Chính trị (khóa XII)" in resolution["quote"]
    assert {r["plenum"] for r in rows if r["document_key"] == TW4} == {4}


def test_document_coverage_says_which_portals_wrote_about_a_document_and_when_first(demo_db):  # noqa: F811
    rows = query(
        analyst_url(demo_db),
        "SELECT document_key, portal, to_char(first_mentioned_at, 'YYYY-MM-DD') AS"
        " first, articles FROM document_coverage ORDER BY document_key, portal",
    )
    assert rows == [
        {"document_key": "35-NQ/TW", "portal": "fx_liferay", "first": "2020-02-13", "articles": 1},
        {"document_key": "35-NQ/TW", "portal": "fx_tintuc", "first": "2020-02-11", "articles": 1},
        {"document_key": TW4, "portal": "fx_liferay", "first": "2020-02-13", "articles": 1},
    ]


def test_official_positions_and_article_officials(demo_db):  # noqa: F811
    rows = query(analyst_url(demo_db), "SELECT name, position, portals, articles FROM official_positions"
                                       " ORDER BY name, position")
    liferay = ["fx_liferay"]
    assert rows == [
        {"name": "Trương Quang Nghĩa", "position": "Bí thư Thành ủy", "portals": liferay, "articles": 1},
        {
            "name": "Trương Quang Nghĩa",
            "position": "Ủy viên Trung ương Đảng",
            "portals": liferay,
            "articles": 1,
        },
        {
            "name": "Võ Văn Thương",
            "position": "Trưởng Ban Tổ chức Thành ủy",
            "portals": liferay,
            "articles": 1,
        },
    ]
    mentions = query(analyst_url(demo_db), "SELECT name, position, honorific, quote FROM article_officials"
                                           " ORDER BY start_offset")
    # "Bí thư Trương Quang Nghĩa" four more times: the position the article gave first.
    assert sum(m["position"] == "Bí thư Thành ủy" for m in mentions) == 5
    thuong = next(m for m in mentions if m["name"] == "Võ Văn Thương")
    assert thuong["honorific"] == "ông" and thuong["quote"].startswith(
        "Ông Võ Văn Thương, Trưởng Ban Tổ chức"
    )
    # The byline (NGÔ HUYỀN) is the author, not an official.
    assert not [m for m in mentions if "HUYỀN" in m["name"].upper()]


def test_search_articles_is_filtered_by_a_document_key_in_any_spelling(demo_db):  # noqa: F811
    url = analyst_url(demo_db)
    both = query(
        url,
        "SELECT portal FROM search_articles('bao ve nen tang tu tuong', document_key => '35-nq / tw')"
        " ORDER BY portal",
    )
    assert [r["portal"] for r in both] == ["fx_liferay", "fx_tintuc"]
    plenum = query(url, "SELECT portal FROM search_articles('nghi quyet', document_key => %s)",
                   ("nghi quyet trung uong 4 khoa xii",))
    assert [r["portal"] for r in plenum] == ["fx_liferay"]
    assert query(url, "SELECT * FROM search_articles('nghi quyet', document_key => '57-NQ/TW')") == []
    # The earlier signature still answers as before.
    assert len(query(url, "SELECT * FROM search_articles('nghi quyet', 'fx_tintuc', NULL)")) >= 1


# ---- the command line ------------------------------------------------------------------------
def test_portalnews_documents_lists_documents_by_articles(demo_db, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", demo_db)
    assert main(["documents"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "  1. 35-NQ/TW (Nghị quyết): 2 articles · fx_liferay, fx_tintuc · first 2020-02-11 on fx_tintuc",
        f"  2. {TW4} (Nghị quyết): 1 articles · fx_liferay · first 2020-02-13 on fx_liferay"]
    assert main(["documents", "trung uong", "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["document_key"] == TW4 and row["portals"] == ["fx_liferay"]
    assert main(["documents", "--portal", "fx_tintuc"]) == 0
    assert "1 articles · fx_tintuc" in capsys.readouterr().out
    assert main(["documents", "--since", "2020-02-12", "--portal", "fx_tintuc"]) == 1
    assert "no document cited" in capsys.readouterr().err


def test_portalnews_documents_key_shows_articles_per_portal_per_month(demo_db, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", demo_db)
    assert main(["documents", "35-nq/tw"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "35-NQ/TW: 2 articles, first 2020-02-11 on fx_tintuc",
        "  month    portal                   articles",
        "  2020-02  fx_liferay                      1",
        "  2020-02  fx_tintuc                       1"]


def test_portalnews_officials_shows_positions_with_first_and_last_seen(demo_db, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("DATABASE_URL", demo_db)
    assert main(["officials", "truong quang nghia"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Trương Quang Nghĩa",
        "  Bí thư Thành ủy: 2020-02-13 .. 2020-02-13, 1 articles · fx_liferay",
        "  Ủy viên Trung ương Đảng: 2020-02-13 .. 2020-02-13, 1 articles · fx_liferay"]
    assert main(["officials", "VÕ VĂN", "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["name"], row["position"]) == ("Võ Văn Thương", "Trưởng Ban Tổ chức Thành ủy")
    assert main(["officials", "nobody here"]) == 1


# ---- docs/facts.md -----------------------------------------------------------------------------
def test_the_guide_documents_a_query_over_every_facts_relation():
    sql = " ".join(statement for statement, _ in sql_statements(FACTS_GUIDE))
    for relation in ("article_documents", "article_officials", "document_coverage", "official_positions",
                     "search_articles"):
        assert re.search(rf"\b{relation}\b", sql), relation


@pytest.mark.parametrize(("statement", "returns_rows"), sql_statements(FACTS_GUIDE))
def test_every_query_of_the_facts_guide_returns_rows_on_the_demo_data_as_the_analyst(demo_db, statement,  # noqa: F811
                                                                                     returns_rows):
    assert bool(query(analyst_url(demo_db), statement, None)) == returns_rows, statement
