"""The analysts' side of the demo data: the real pipeline loads the recorded fixture portals (what `make demo`
serves) and revisits the one that corrects an article, as the analysts' guide tells them to; then search,
export, versions, stories and every query docs/analysts.md and docs/operators.md show run on it."""

from __future__ import annotations

import csv
import json
import re
import urllib.request
import uuid
from email.utils import parsedate_to_datetime

import pytest

from portalnews import jobs
from portalnews.cli import main
from portalnews.cli.analysts import EXPORT_COLUMNS
from portalnews.cli.database import analyst_url
from portalnews.mirror import SiteMirror
from portalnews.monitoring.health import compute_health
from portalnews.registry import load_registry
from portalnews.store.schema import migrate
from tests.support.database import on_server, query
from tests.support.docs import sql_statements
from tests.support.paths import REPO, SITE_NAMES, SITES_DIR

TW4_TITLE = ("Triển khai thực hiện Nghị quyết Trung ương 4 (khóa XII) gắn với công tác chuẩn bị và tổ chức "
             "đại hội đảng bộ các cấp")


@pytest.fixture(scope="module")
def demo_db(pg_server, tmp_path_factory):
    """A database loaded by `jobs.run_portal` from every fixture portal served over HTTP; a portal that
    corrects a page after publishing it (revisions.toml) is then revisited (`portalnews run --revisit`);
    then the portals' health is computed, as the health DAG does."""
    name = "t_demo_" + uuid.uuid4().hex[:8]
    on_server(pg_server, f'CREATE DATABASE "{name}"')
    url = f"{pg_server}/{name}"
    migrate(url)
    registry_dir = tmp_path_factory.mktemp("demo-registry")
    portals = []
    for site in SITE_NAMES:
        with SiteMirror(SITES_DIR / site) as mirror:
            registry_file = registry_dir / f"{site}.toml"
            registry_file.write_text(mirror.registry_text(), encoding="utf-8")
            (portal,) = load_registry([registry_file], include_builtin=False).values()
            portals.append(portal)
            summary = jobs.run_portal(url, portal, [registry_file])
            assert summary["status"] == "success", summary
            if (SITES_DIR / site / "revisions.toml").exists():
                revisit = jobs.run_portal(url, portal, [registry_file], revisit=True)
                assert revisit["status"] == "success" and revisit["load"]["updated"] == 1, revisit
    compute_health(url, portals)  # what the portalnews_health DAG does, for the operators' queries
    yield url
    on_server(pg_server, f'DROP DATABASE "{name}" WITH (FORCE)')


def _search(db_url: str, text: str, **filters) -> list[dict]:
    return query(db_url, "SELECT * FROM search_articles(%s, %s, %s)",
                 (text, filters.get("portal"), filters.get("since")))


# ---- search ----------------------------------------------------------------------------------
def test_a_query_typed_without_diacritics_finds_what_the_vietnamese_spelling_finds(demo_db):
    plain = _search(demo_db, "nghi quyet trung uong")
    accented = _search(demo_db, "Nghị quyết Trung ương")
    shouting = _search(demo_db, "NGHỊ QUYẾT TRUNG ƯƠNG")
    assert plain and [h["article_id"] for h in plain] == [h["article_id"] for h in accented] \
        == [h["article_id"] for h in shouting]
    assert plain[0]["title"] == TW4_TITLE  # the phrase is in its title


def test_d_with_stroke_folds_to_d(demo_db):
    titles = {h["title"] for h in _search(demo_db, "dai hoi dang bo co so")}
    assert "Huyện Hòa Vang triển khai kế hoạch tổ chức đại hội đảng bộ cơ sở" in titles
    assert titles == {h["title"] for h in _search(demo_db, "ĐẠI HỘI ĐẢNG BỘ CƠ SỞ")}


def test_the_body_is_searched_and_the_snippet_marks_the_words_as_the_page_spells_them(demo_db):
    # The page: "báo cáo viên sử dụng tiếng Mông, tiếng Dao khi phổ biến nghị quyết" (body only).
    # The province's portal and the district's (which wrote it) carry that article.
    hits = _search(demo_db, "tieng mong tieng dao")
    assert sorted((h["portal"], h["title"]) for h in hits) == [
        (portal, "Đưa nghị quyết của Đảng vào cuộc sống ở vùng đồng bào dân tộc thiểu số")
        for portal in ("fx_nukeviet", "fx_nukeviet_district")]
    assert all("«tiếng» «Mông», «tiếng» «Dao»" in h["snippet"] for h in hits)


def test_a_quoted_phrase_needs_the_words_in_order(demo_db):
    in_order = {h["article_id"] for h in _search(demo_db, '"trung uong"')}
    reversed_words = {h["article_id"] for h in _search(demo_db, '"uong trung"')}
    assert in_order and not reversed_words


def test_search_filters_by_portal_and_publication_date(demo_db):
    everywhere = _search(demo_db, "dang bo")
    portals = {h["portal"] for h in everywhere}
    assert len(portals) > 1
    only = _search(demo_db, "dang bo", portal="fx_nukeviet")
    assert only and {h["portal"] for h in only} == {"fx_nukeviet"}
    recent = _search(demo_db, "dang bo", since="2025-01-01")
    assert recent and all(h["published_at"].year == 2025 for h in recent)


def test_a_query_matching_more_than_max_ranked_articles_ranks_the_newest_matches(demo_db):
    matches = query(demo_db, "SELECT id, published_at FROM articles"
                             " WHERE search_vector @@ websearch_to_tsquery('vietnamese', 'dang bo')"
                             " ORDER BY published_at DESC LIMIT 3")
    capped = query(demo_db, "SELECT * FROM search_articles('dang bo', max_ranked => 3)")
    assert len(matches) == 3 and {h["article_id"] for h in capped} == {m["id"] for m in matches}


def test_fuzzy_title_search_finds_a_title_containing_the_words(demo_db):
    rows = query(
        demo_db,
        "SELECT title FROM articles WHERE vi_fold(%s) <%% vi_fold(title)"
        " ORDER BY word_similarity(vi_fold(%s), vi_fold(title)) DESC",
        ("nghi quyet trung uong",) * 2,
    )
    assert rows and rows[0]["title"] == TW4_TITLE


def test_fuzzy_title_search_reads_the_one_title_trigram_index(demo_db):
    """The documented fuzzy search is served by the folded title's trigram index (0002); the plain title's
    (0001) had no reader and was dropped (0017): a stored article pays for one title trigram index."""
    # Planner costs on a small table favour a scan; with scans priced out the trigram index must serve.
    plan = query(demo_db, "SET enable_seqscan = off; EXPLAIN SELECT title FROM articles"
                          " WHERE vi_fold(%s) <%% vi_fold(title)", ("nghi quyet trung uong",))
    assert "articles_title_folded_trgm" in "\n".join(r["QUERY PLAN"] for r in plan)
    trigram_indexes = query(demo_db, "SELECT i.indexrelid::regclass::text AS name FROM pg_index i"
                                     " JOIN pg_opclass o ON o.oid = ANY(i.indclass)"
                                     " WHERE i.indrelid = 'articles'::regclass"
                                     " AND o.opcname = 'gin_trgm_ops'")
    assert trigram_indexes == [{"name": "articles_title_folded_trgm"}]


def test_portalnews_search_prints_ranked_hits_with_portal_time_and_snippet(demo_db, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", demo_db)
    assert main(["search", "nghi quyet trung uong", "--limit", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f" 1. {TW4_TITLE}"
    assert out[1].startswith("    fx_liferay · 2020-02-13 09:06 · rank ")
    assert "«" in out[2]
    assert main(["search", "nghi quyet", "--portal", "fx_tintuc", "--since", "2020-02-01", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hits and {h["portal"] for h in hits} == {"fx_tintuc"}
    assert all(h["published_at"] >= "2020-02-01" and h["published_at"].endswith("+07:00") for h in hits)


def test_portalnews_search_says_how_many_match_when_it_shows_fewer(demo_db, monkeypatch, capsys):
    # Four fx_tintuc articles have both words (tintuc_hcm/expected: go-vap-cai-cach-hanh-chinh,
    # hoi-nghi-can-bo-chu-chot, tan-binh-dan-van-chinh-quyen, trien-khai-nghi-quyet-35).
    monkeypatch.setenv("DATABASE_URL", demo_db)
    assert main(["search", "nghi quyet", "--portal", "fx_tintuc", "--limit", "2"]) == 0
    out, err = capsys.readouterr()
    assert out.count("    fx_tintuc · ") == 2
    assert err.splitlines() == ["4 match, 2 shown; --limit N shows more"]
    assert main(["search", "nghi quyet", "--portal", "fx_tintuc", "--limit", "2", "--json"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2 and err.splitlines() == ["4 match, 2 shown; --limit N shows more"]
    assert main(["search", "nghi quyet", "--portal", "fx_tintuc", "--limit", "4"]) == 0
    out, err = capsys.readouterr()
    assert out.count("    fx_tintuc · ") == 4 and err == ""


def test_portalnews_search_without_hits_says_so(demo_db, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", demo_db)
    assert main(["search", "xyzzy plugh"]) == 1
    assert "no article matches" in capsys.readouterr().err


# ---- corrections and stories (tests/fixtures/sites/nukeviet_district) ----------------------------
def test_the_mirror_serves_the_corrected_page_from_its_second_fetch_on():
    # tests/fixtures/sites/nukeviet_district/revisions.toml; a HEAD shows the page without counting.
    page = "/news/tin-tuc/vo-nhai-trong-moi-rung-dau-nam-425.html"
    with SiteMirror(SITES_DIR / "nukeviet_district") as mirror:
        def fetch(method: str = "GET"):
            request = urllib.request.Request(mirror.url(page), method=method)
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.read().decode("utf-8"), response.headers
        head_before, _ = fetch("HEAD")
        first, first_headers = fetch()
        second, second_headers = fetch()
        third, _ = fetch()
    assert head_before == ""
    assert "Võ Nhai trồng mới 650 ha rừng" in first and "560 ha" not in first
    assert "Võ Nhai trồng mới 560 ha rừng" in second and "650 ha" not in second and third == second
    assert first_headers["ETag"] != second_headers["ETag"]
    assert parsedate_to_datetime(second_headers["Last-Modified"]) > parsedate_to_datetime(
        first_headers["Last-Modified"]
    )


def test_the_district_portals_correction_of_its_report_is_kept_as_a_version(demo_db):
    # revisions.toml: the portal corrected "650 ha" to "560 ha" in the title and the lead.
    (correction,) = query(demo_db, "SELECT * FROM article_corrections")
    assert correction["portal"] == "fx_nukeviet_district"
    assert correction["old_title"] == "Võ Nhai trồng mới 650 ha rừng trong đợt ra quân đầu năm"
    assert correction["title"] == "Võ Nhai trồng mới 560 ha rừng trong đợt ra quân đầu năm"
    assert set(correction["changed_fields"]) == {"title", "sapo", "body"}
    assert (
        "-Võ Nhai trồng mới 650 ha rừng" in correction["diff"]
        and "+Võ Nhai trồng mới 560 ha rừng" in correction["diff"]
    )


def test_stories_carried_by_both_the_province_and_the_district_list_the_first_copy_first(demo_db):
    stories = {s["title"]: s for s in query(demo_db, "SELECT * FROM stories_across_portals")}
    # The province's guidance (25/04 11:00) copied by the district at 15:30; the district's own report
    # (28/04 16:10) carried by the province the next morning at 09:15.
    guidance = stories["Hướng dẫn sắp xếp chi bộ sau khi hợp nhất đơn vị hành chính cấp xã"]
    assert guidance["carried_by"] == ["fx_nukeviet +00d 00h 00m", "fx_nukeviet_district +00d 04h 30m"]
    report = stories["Đưa nghị quyết của Đảng vào cuộc sống ở vùng đồng bào dân tộc thiểu số"]
    assert report["first_portal"] == "fx_nukeviet_district"
    assert report["carried_by"] == ["fx_nukeviet_district +00d 00h 00m", "fx_nukeviet +00d 17h 05m"]
    assert len(stories) == 2


# ---- export ----------------------------------------------------------------------------------
def test_export_csv_holds_every_article_with_its_text_intact(demo_db, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", demo_db)
    out = tmp_path / "articles.csv"
    assert main(["export", "--format", "csv", "--output", str(out)]) == 0
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    stored = {r["id"]: r for r in query(demo_db, "SELECT id, title, body FROM articles")}
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert len(rows) == len(stored) == 35
    for row in rows:
        assert (row["title"], row["body"]) == (
            stored[int(row["id"])]["title"],
            stored[int(row["id"])]["body"],
        )
    assert all(row["published_at"].endswith("+07") for row in rows if row["published_at"])


def test_export_jsonl_is_one_object_per_line_filtered_by_portal_and_date(demo_db, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", demo_db)
    out = tmp_path / "articles.jsonl"
    assert main(["export", "--format", "jsonl", "--portal", "fx_liferay", "--since", "2020-02-10",
                 "--output", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    articles = [json.loads(line) for line in lines]
    expected = query(demo_db, "SELECT id, body, images FROM articles WHERE portal = 'fx_liferay'"
                              " AND published_at >= '2020-02-10T00:00:00+07:00' ORDER BY published_at, id")
    assert [a["id"] for a in articles] == [e["id"] for e in expected] and len(articles) == 4
    for article, row in zip(articles, expected, strict=True):
        assert article["body"] == row["body"] and article["images"] == row["images"]
        assert article["published_at"].endswith("+07:00")


# ---- the guides ------------------------------------------------------------------------------
ANALYSTS_GUIDE = REPO / "docs" / "analysts.md"
OPERATORS_GUIDE = REPO / "docs" / "operators.md"


def documented_queries() -> list[tuple[str, bool]]:
    """Every SQL statement of the analysts' guide."""
    return sql_statements(ANALYSTS_GUIDE)


def test_the_analysts_guide_documents_queries_over_every_relation_analysts_must_find():
    sql = " ".join(statement for statement, _ in documented_queries())
    assert len(documented_queries()) >= 8
    for relation in ("articles", "stories", "portals", "crawl_runs", "search_articles", "story_articles",
                     "article_corrections", "stories_across_portals"):
        assert re.search(rf"\b{relation}\b", sql), relation


@pytest.mark.parametrize(("statement", "returns_rows"), documented_queries())
def test_every_documented_query_returns_rows_on_the_demo_data_as_the_analyst(
    demo_db, statement, returns_rows
):
    rows = query(analyst_url(demo_db), statement, None)  # None: a literal % is not a placeholder
    assert bool(rows) == returns_rows, statement


@pytest.mark.parametrize(("statement", "returns_rows"), sql_statements(OPERATORS_GUIDE))
def test_every_query_of_the_operators_guide_runs_on_the_demo_data(demo_db, statement, returns_rows):
    rows = query(demo_db, statement, None)
    assert bool(rows) == returns_rows, statement
