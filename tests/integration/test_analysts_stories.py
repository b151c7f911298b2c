"""Stories across portals: copies of one text on several portals share a story, even with a changed
header line or byline; different texts never do; the story records its first portal and time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portalnews.pipelines.load import load_pending, stories
from portalnews.registry import Portal
from portalnews.vietnamese.dates import VIETNAM
from tests.support.database import migrate_until, query

# A provincial directive as portals republish it (text written for this test, in the portals' style).
DIRECTIVE = """Thực hiện Kết luận số 123-KL/TW của Bộ Chính trị, Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy, tổ chức đảng tập trung lãnh đạo, chỉ đạo triển khai đồng bộ các giải pháp phát triển kinh tế - xã hội năm 2025.
Các cấp ủy đảng chủ động rà soát, sắp xếp tổ chức bộ máy của hệ thống chính trị tinh gọn, hoạt động hiệu lực, hiệu quả; bảo đảm hoàn thành trước ngày 30/6/2025.
Ban Tổ chức Tỉnh ủy chủ trì, phối hợp với các cơ quan liên quan hướng dẫn việc sắp xếp chi bộ, đảng bộ cơ sở sau khi hợp nhất đơn vị hành chính cấp xã, báo cáo kết quả về Ban Thường vụ Tỉnh ủy.
Ủy ban Kiểm tra Tỉnh ủy tăng cường kiểm tra, giám sát việc thực hiện nghị quyết, chỉ thị của Đảng, kịp thời phát hiện, xử lý nghiêm các trường hợp vi phạm.
Ban Tuyên giáo Tỉnh ủy định hướng công tác tuyên truyền, tạo đồng thuận trong cán bộ, đảng viên và Nhân dân về chủ trương sắp xếp tổ chức bộ máy."""  # noqa: E501 (test data, kept as served)
OTHER = """Sáng 12/5, Huyện ủy tổ chức hội nghị sơ kết công tác dân vận 6 tháng đầu năm, triển khai mô hình “Dân vận khéo” trong chuyển đổi số tại các xã vùng sâu, vùng xa.
Hội nghị đánh giá các tổ công nghệ số cộng đồng đã hướng dẫn hơn 3.000 người dân cài đặt ứng dụng định danh điện tử, thanh toán không dùng tiền mặt.
Đồng chí Bí thư Huyện ủy đề nghị tiếp tục nhân rộng mô hình, gắn với phong trào thi đua yêu nước và xây dựng nông thôn mới nâng cao."""  # noqa: E501 (test data, kept as served)


def _portal(portal_id: str) -> Portal:
    return Portal(id=portal_id, name=portal_id, base_url=f"http://{portal_id}.test/",
                  start_urls=(f"http://{portal_id}.test/",), article_url_pattern="/tin/")


def load_into(db_url: str, n: int, portal_id: str, title: str, body: str, published: datetime) -> dict:
    """Store a cleaned page of `portal` (its URL numbered n) as the crawl and clean stages would, then run
    the load stage; return the article's id and story id."""
    url = f"http://{portal_id}.test/tin/{n}"
    query(db_url, "INSERT INTO portals (id, name, base_url) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
          (portal_id, portal_id, url))
    page = query(
        db_url,
        "INSERT INTO raw_pages (portal, requested_url, url, canonical_url, status, html_gz,"
        " content_sha256) VALUES (%s, %s, %s, %s, 200, '\\x00', %s) RETURNING id",
        (portal_id, url, url, url, f"sha{n}"),
    )[0]["id"]
    result = {"title": title, "body": body, "published_at": published.isoformat()}
    query(
        db_url,
        "INSERT INTO extractions (raw_page_id, extractor_version, ok, result)"
        " VALUES (%s, 'v1', true, %s)",
        (page, __import__("json").dumps(result)),
    )
    load_pending(db_url, _portal(portal_id))
    return query(db_url, "SELECT a.id, a.story_id FROM articles a WHERE raw_page_id = %s", (page,))[0]


@pytest.fixture
def load_article(db_url):
    """`load_into` the test's database, URLs numbered in order."""
    counter = iter(range(1, 1000))
    return lambda *page: load_into(db_url, next(counter), *page)


MORNING = datetime(2025, 5, 13, 8, 0, tzinfo=VIETNAM)


def test_the_same_text_on_three_portals_is_one_story_first_published_by_the_earliest(db_url, load_article):
    hatinh = load_article("hatinh", "Triển khai Kết luận 123", DIRECTIVE, MORNING + timedelta(hours=3))
    thainguyen = load_article("thainguyen", "Triển khai Kết luận 123-KL/TW", DIRECTIVE, MORNING)
    danang = load_article("danang", "Triển khai Kết luận số 123", DIRECTIVE, MORNING + timedelta(days=1))
    assert hatinh["story_id"] == thainguyen["story_id"] == danang["story_id"]
    story = query(db_url, "SELECT * FROM stories WHERE id = %s", (hatinh["story_id"],))[0]
    # Crawled second, published first: the story's first copy is Thái Nguyên's.
    assert (story["first_portal"], story["first_published_at"], story["first_article_id"]) == \
        ("thainguyen", MORNING, thainguyen["id"])
    across = query(db_url, "SELECT * FROM stories_across_portals")
    assert len(across) == 1 and across[0]["portals"] == 3
    assert across[0]["carried_by"] == [
        "thainguyen +00d 00h 00m",
        "hatinh +00d 03h 00m",
        "danang +01d 00h 00m",
    ]
    delays = {r["portal"]: r["after_first"] for r in query(db_url, "SELECT * FROM story_articles")}
    assert delays == {"thainguyen": timedelta(0), "hatinh": timedelta(hours=3), "danang": timedelta(days=1)}


def test_a_copy_with_its_own_header_line_and_byline_joins_the_story(db_url, load_article):
    first = load_article("hatinh", "Triển khai Kết luận 123", DIRECTIVE + "\nPV", MORNING)
    copy = load_article(
        "thainguyen",
        "Tỉnh ủy triển khai Kết luận 123",
        "(Báo Thái Nguyên) - " + DIRECTIVE + "\nTHU HÀ (tổng hợp)",
        MORNING + timedelta(hours=2),
    )
    assert copy["story_id"] == first["story_id"]


def test_different_texts_are_different_stories_even_on_the_same_topic(db_url, load_article):
    first = load_article("hatinh", "Triển khai Kết luận 123", DIRECTIVE, MORNING)
    other = load_article("thainguyen", "Ra mắt mô hình Dân vận khéo", OTHER, MORNING)
    # Half the directive, rewritten around: a related article, not a copy.
    half = "\n".join(DIRECTIVE.splitlines()[:2]) + "\n" + OTHER
    related = load_article("danang", "Đà Nẵng sắp xếp bộ máy", half, MORNING)
    assert len({first["story_id"], other["story_id"], related["story_id"]}) == 3
    assert query(db_url, "SELECT count(*) AS n FROM stories_across_portals") == [{"n": 0}]


def test_minhash_similarity_tracks_how_much_text_two_bodies_share():
    base = stories.minhash(DIRECTIVE)
    assert stories.similarity(base, stories.minhash(DIRECTIVE)) == 1.0
    assert stories.similarity(base, stories.minhash(DIRECTIVE + "\nNGỌC HÀ")) >= 0.9
    assert stories.similarity(base, stories.minhash(OTHER)) <= 0.1
    assert stories.minhash("  ...  ") is None
    assert len(stories.band_keys(base)) == stories.MINHASH_BINS // stories.BAND_ROWS


def test_story_candidates_are_looked_up_through_the_band_table_index_not_a_scan(db_url, load_article):
    load_article("hatinh", "Triển khai Kết luận 123", DIRECTIVE, MORNING)
    keys = stories.band_keys(stories.minhash(DIRECTIVE))
    assert query(db_url, "SELECT array_agg(band ORDER BY band) AS keys FROM story_bands") == [
        {"keys": sorted(keys)}]
    # Planner costs on a one-row table favour a scan; with scans priced out the band index must serve.
    plan = query(db_url, "SET enable_seqscan = off; EXPLAIN SELECT article_id FROM story_bands"
                         " WHERE band = ANY(%s::bigint[])", (stories.band_keys(stories.minhash(OTHER)),))
    assert "story_bands_pkey" in "\n".join(r["QUERY PLAN"] for r in plan)


def test_a_copy_needs_enough_whole_bands_in_common_to_be_read_and_no_copy_is_missed():
    # 12 bins differing (the most a copy at the threshold may differ in), each in another band: the
    # fewest whole bands two copies can share.
    original = stories.minhash(DIRECTIVE)
    copy = [x + 1 if i % stories.BAND_ROWS == 0 and i < 12 * stories.BAND_ROWS else x
            for i, x in enumerate(original)]
    assert stories.similarity(original, copy) * stories.MINHASH_BINS == stories.MIN_SAME_BINS
    shared = set(stories.band_keys(original)) & set(stories.band_keys(copy))
    assert len(shared) == stories.MIN_SHARED_BANDS == 4


def test_a_copy_stored_before_the_band_table_is_found_after_it(make_database):
    """Articles signed before migration 0014 (keys in story_signatures.bands) are found by the new lookup:
    the migration copies their keys into story_bands."""
    from portalnews.store.schema import migrate

    db_url = make_database(migrated=False)
    migrate_until(db_url, "0014")
    # What the load stage stored before 0014: the article, its story, its signature with its band keys.
    query(db_url, "INSERT INTO portals (id, name, base_url) VALUES ('hatinh', 'hatinh', 'http://hatinh.test/')")
    story = query(db_url, "INSERT INTO stories (first_portal, first_published_at) VALUES ('hatinh', %s)"
                          " RETURNING id", (MORNING,))[0]["id"]
    stored = query(db_url, "INSERT INTO articles (portal, url, canonical_url, title, body, body_fingerprint,"
                           " extractor_version, published_at, story_id) VALUES ('hatinh', 'http://hatinh.test/tin/0',"
                           " 'http://hatinh.test/tin/0', 'Triển khai Kết luận 123', %s, 'old', 'v0', %s, %s)"
                           " RETURNING id", (DIRECTIVE, MORNING, story))[0]["id"]
    signature = stories.minhash(DIRECTIVE)
    query(db_url, "INSERT INTO story_signatures (article_id, minhash, bands) VALUES (%s, %s, %s)",
          (stored, signature, stories.band_keys(signature)))
    migrate(db_url)
    copy = load_into(db_url, 1, "danang", "Ban Thường vụ Tỉnh ủy triển khai Kết luận 123",
                     DIRECTIVE + "\nNGỌC HÀ", MORNING + timedelta(hours=3))
    assert copy["story_id"] == story
    assert query(db_url, "SELECT count(*) AS n FROM story_bands WHERE article_id = %s", (stored,)) == [
        {"n": len(set(stories.band_keys(signature)))}]


def test_articles_stored_before_the_migration_get_stories_exact_copies_shared(make_database):
    from portalnews.store.schema import MIGRATIONS_DIR, migrate

    db_url = make_database(migrated=False)
    query(db_url, (MIGRATIONS_DIR / "0001_initial.sql").read_text(encoding="utf-8"), None)
    query(
        db_url,
        "CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz DEFAULT now());"
        " INSERT INTO schema_migrations (name) VALUES ('0001_initial.sql');"
        " INSERT INTO portals (id, name, base_url) VALUES ('a', 'A', 'http://a/'), ('b', 'B', 'http://b/')",
    )
    for portal, fingerprint, published in (
        ("a", "f1", "2025-05-13 10:00+07"),
        ("b", "f1", "2025-05-13 08:00+07"),
        ("b", "f2", None),
    ):
        query(
            db_url,
            "INSERT INTO articles (portal, url, canonical_url, body, body_fingerprint, extractor_version,"
            " published_at) VALUES (%s, %s, %s, 'x', %s, 'v0', %s)",
            (
                portal,
                f"http://{portal}/{fingerprint}",
                f"http://{portal}/{fingerprint}",
                fingerprint,
                published,
            ),
        )
    migrate(db_url)
    rows = query(db_url, "SELECT a.portal, a.body_fingerprint, s.first_portal FROM articles a"
                         " JOIN stories s ON s.id = a.story_id ORDER BY a.id")
    assert rows == [{"portal": "a", "body_fingerprint": "f1", "first_portal": "b"},
                    {"portal": "b", "body_fingerprint": "f1", "first_portal": "b"},
                    {"portal": "b", "body_fingerprint": "f2", "first_portal": "b"}]
    assert query(db_url, "SELECT count(*) AS n FROM stories") == [{"n": 2}]
