"""The load stage merges pages in batches: pages of one batch that are the same article are merged as if
loaded one at a time, and a page the database refuses is recorded as a load failure while the rest of
its batch is stored."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import psycopg2
import pytest

from portalnews.pipelines import load
from portalnews.pipelines.load import load_pending
from portalnews.registry import Portal
from portalnews.vietnamese.dates import VIETNAM
from tests.support.database import query

PORTAL = Portal(id="hatinh", name="Hà Tĩnh", base_url="https://hatinh.test/", start_urls=("https://hatinh.test/",),
                article_url_pattern="/tin/")
FETCHED = datetime(2025, 5, 13, 9, 0, tzinfo=VIETNAM)
REPORT = (
    "Sáng 12/5, Huyện ủy tổ chức hội nghị sơ kết công tác dân vận 6 tháng đầu năm.\n"
    "Hội nghị đánh giá các tổ công nghệ số cộng đồng đã hướng dẫn hơn 3.000 người dân cài đặt ứng dụng.\n"
    "Đồng chí Bí thư Huyện ủy đề nghị tiếp tục nhân rộng mô hình, gắn với phong trào thi đua yêu nước."
)
CORRECTED_REPORT = REPORT.replace("hơn 3.000 người dân", "hơn 3.500 người dân")
DIRECTIVE = (
    "Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy, tổ chức đảng tập trung lãnh đạo, chỉ đạo triển khai đồng bộ"
    " các giải pháp phát triển kinh tế - xã hội năm 2025.\nCác cấp ủy đảng chủ động rà soát, sắp xếp tổ chức"
    " bộ máy của hệ thống chính trị tinh gọn, hoạt động hiệu lực, hiệu quả; bảo đảm hoàn thành trước ngày"
    " 30/6/2025.\nỦy ban Kiểm tra Tỉnh ủy tăng cường kiểm tra, giám sát việc thực hiện nghị quyết, chỉ thị"
    " của Đảng, kịp thời phát hiện, xử lý nghiêm các trường hợp vi phạm.\nBan Tuyên giáo Tỉnh ủy định hướng"
    " công tác tuyên truyền, tạo đồng thuận trong cán bộ, đảng viên và Nhân dân về chủ trương sắp xếp."
)
# 150,000 distinct words: more than PostgreSQL's 1 MB limit of one tsvector (the search column of 0002).
UNSEARCHABLE = " ".join(f"tu{n}" for n in range(150_000))


@pytest.fixture
def cleaned_page(db_url):
    """Store a cleaned page as the crawl and clean stages would (nothing is loaded)."""
    query(db_url, "INSERT INTO portals (id, name, base_url) VALUES (%s, %s, %s)",
          (PORTAL.id, PORTAL.name, PORTAL.base_url))
    count = iter(range(1, 1000))

    def store(path: str, title: str, body: str, minutes_after: int = 0) -> int:
        url = f"https://hatinh.test{path}"
        page = query(
            db_url,
            "INSERT INTO raw_pages (portal, requested_url, url, canonical_url, status, html_gz,"
            " content_sha256, fetched_at) VALUES (%s, %s, %s, %s, 200, '\\x00', %s, %s) RETURNING id",
            (PORTAL.id, url, url, url, f"sha{next(count)}", FETCHED + timedelta(minutes=minutes_after)),
        )[0]["id"]
        result = {"title": title, "body": body, "published_at": "2025-05-13T08:00:00+07:00"}
        query(
            db_url,
            "INSERT INTO extractions (raw_page_id, extractor_version, ok, result)"
            " VALUES (%s, 'v1', true, %s)",
            (page, json.dumps(result)),
        )
        return page

    return store


def test_pages_of_one_batch_that_are_one_article_are_merged_as_if_loaded_one_at_a_time(db_url, cleaned_page):
    cleaned_page("/tin/1", "Sơ kết công tác dân vận", REPORT)
    cleaned_page("/tin/1-ban-in", "Sơ kết công tác dân vận", REPORT, minutes_after=1)  # a print view: a copy
    # the portal corrected it
    cleaned_page("/tin/1", "Sơ kết công tác dân vận", CORRECTED_REPORT, minutes_after=60)
    cleaned_page("/tin/2", "Triển khai Kết luận 123", DIRECTIVE, minutes_after=2)

    assert load_pending(db_url, PORTAL).as_dict() == {"new": 2, "updated": 1, "unchanged": 0, "duplicate": 1,
                                                      "failed": 0}
    articles = query(db_url, "SELECT id, canonical_url, body FROM articles ORDER BY id")
    assert [(a["canonical_url"], a["body"]) for a in articles] == [
        ("https://hatinh.test/tin/1", CORRECTED_REPORT),
        ("https://hatinh.test/tin/2", DIRECTIVE),
    ]
    aliases = query(db_url, "SELECT canonical_url, article_id FROM article_urls ORDER BY canonical_url")
    assert aliases == [{"canonical_url": "https://hatinh.test/tin/1", "article_id": articles[0]["id"]},
                       {"canonical_url": "https://hatinh.test/tin/1-ban-in", "article_id": articles[0]["id"]},
                       {"canonical_url": "https://hatinh.test/tin/2", "article_id": articles[1]["id"]}]
    versions = query(db_url, "SELECT article_id, body, changed_fields FROM article_versions")
    assert versions == [{"article_id": articles[0]["id"], "body": REPORT, "changed_fields": ["body"]}]
    assert query(db_url, "SELECT count(*) AS n FROM stories") == [{"n": 2}]


def test_a_near_copy_in_the_same_batch_joins_the_story_of_the_page_before_it(db_url, cleaned_page):
    cleaned_page("/tin/1", "Triển khai Kết luận 123", DIRECTIVE)
    cleaned_page("/tin/2", "Tỉnh ủy triển khai Kết luận 123", "(Theo Báo Hà Tĩnh)\n" + DIRECTIVE + "\nPV")

    assert load_pending(db_url, PORTAL).new == 2
    rows = query(db_url, "SELECT a.canonical_url, s.first_article_id = a.id AS is_first FROM articles a"
                         " JOIN stories s ON s.id = a.story_id ORDER BY a.id")
    assert rows == [{"canonical_url": "https://hatinh.test/tin/1", "is_first": True},
                    {"canonical_url": "https://hatinh.test/tin/2", "is_first": False}]
    assert query(db_url, "SELECT count(*) AS n FROM stories") == [{"n": 1}]


def test_a_page_the_database_cannot_index_is_a_load_failure_and_the_rest_of_its_batch_loads(
    db_url, cleaned_page
):
    cleaned_page("/tin/1", "Sơ kết công tác dân vận", REPORT)
    refused = cleaned_page("/tin/2", "Một trang quá dài", UNSEARCHABLE, minutes_after=1)
    cleaned_page("/tin/3", "Triển khai Kết luận 123", DIRECTIVE, minutes_after=2)

    assert load_pending(db_url, PORTAL).as_dict() == {"new": 2, "updated": 0, "unchanged": 0, "duplicate": 0,
                                                      "failed": 1}
    assert [a["canonical_url"] for a in query(db_url, "SELECT canonical_url FROM articles ORDER BY id")] == [
        "https://hatinh.test/tin/1", "https://hatinh.test/tin/3"]
    [failure] = query(
        db_url, "SELECT loaded_at, load_error FROM extractions WHERE raw_page_id = %s", (refused,)
    )
    assert failure["loaded_at"] is None
    assert "too long for tsvector" in failure["load_error"]
    # The next load tries the page again (it may succeed after a fix); nothing else is loaded twice.
    assert load_pending(db_url, PORTAL).as_dict() == {"new": 0, "updated": 0, "unchanged": 0, "duplicate": 0,
                                                      "failed": 1}
    assert query(db_url, "SELECT count(*) AS n FROM articles") == [{"n": 2}]


def test_a_batch_ends_where_a_page_could_match_one_before_it(db_url, cleaned_page, monkeypatch):
    """With one page per statement the result is the same: the batching changes speed, not results."""
    monkeypatch.setattr(load, "BATCH", 1)
    cleaned_page("/tin/1", "Sơ kết công tác dân vận", REPORT)
    cleaned_page("/tin/1-ban-in", "Sơ kết công tác dân vận", REPORT, minutes_after=1)
    cleaned_page("/tin/1", "Sơ kết công tác dân vận", CORRECTED_REPORT, minutes_after=60)

    assert load_pending(db_url, PORTAL).as_dict() == {"new": 1, "updated": 1, "unchanged": 0, "duplicate": 1,
                                                      "failed": 0}


def test_a_batch_looks_its_dedupe_candidates_up_through_indexes_not_the_portals_articles(db_url):
    """The candidates of a batch (same fingerprint, or same title within the portal) are read through the
    fingerprint index and the portal's title index (migration 0016): of the portal's 3,000 articles only the
    30 sharing a title are read, none is read and thrown away, and other portals' copies of the title are
    never visited, so the load stage's cost does not grow with the portals' articles."""
    from portalnews.pipelines.load import dedupe

    for portal in (PORTAL.id, "other"):
        query(
            db_url,
            "INSERT INTO portals (id, name, base_url) VALUES (%s, %s, %s)",
            (portal, portal, PORTAL.base_url),
        )
    query(
        db_url,
        "INSERT INTO articles (portal, url, canonical_url, title, body, body_fingerprint, body_simhash,"
        " extractor_version) SELECT CASE WHEN i <= 3000 THEN %s ELSE 'other' END, 'u' || i, 'u' || i,"
        " 'Tin số ' || (i %% 100), 'x', 'fp' || i, 'ff', 'v' FROM generate_series(1, 20000) AS i;"
        " ANALYZE articles",
        (PORTAL.id,),
    )

    class Explaining:
        """A cursor that runs each statement under EXPLAIN ANALYZE and keeps the plans."""

        def __init__(self, cur):
            self.cur, self.plans = cur, []

        def execute(self, sql, params):
            self.cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            self.plans.append(self.cur.fetchone()[0][0]["Plan"])

        def fetchall(self):
            return []

    def nodes(plan: dict):
        yield plan
        for child in plan.get("Plans", []):
            yield from nodes(child)

    conn = psycopg2.connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            explaining = Explaining(cur)
            dedupe.candidates(explaining, PORTAL.id, ["https://hatinh.test/tin/moi"], ["fp7", "fp-new"],
                              ["Tin số 12", "Tin mới"], columns="a.id")
    finally:
        conn.close()
    by_content = list(nodes(explaining.plans[1]))
    assert by_content[0]["Actual Rows"] == 30 + 1  # "Tin số 12" 30 times in the portal, and fp7
    assert (
        sum(
            n.get("Rows Removed by Filter", 0) + n.get("Rows Removed by Index Recheck", 0) for n in by_content
        )
        == 0
    )
    assert "articles_portal_title_md5" in {n.get("Index Name") for n in by_content}
