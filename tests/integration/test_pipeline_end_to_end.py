"""The whole pipeline on each fixture portal: real Scrapy crawls of real HTTP servers on 127.0.0.1,
real trafilatura, a real PostgreSQL server."""

from __future__ import annotations

import pytest

from portalnews import jobs
from portalnews.registry.urls import canonical_url
from tests.support.database import query
from tests.support.paths import SITE_NAMES

WIDGET_TEXT = ("ĐÁNH GIÁ BÀI VIẾT", "In bài", "Chia sẻ", "Tin liên quan", "Bình luận")


def _article_for(db_url: str, site, path: str) -> dict | None:
    canonical = canonical_url(site.mirror.url(path), site.portal)
    rows = query(
        db_url,
        "SELECT a.* FROM article_urls u JOIN articles a ON a.id = u.article_id"
        " WHERE u.portal = %s AND u.canonical_url = %s",
        (site.portal.id, canonical),
    )
    return rows[0] if rows else None


@pytest.mark.parametrize("site_name", SITE_NAMES)
def test_two_runs_load_each_expected_article_exactly_once(site_name, db_url, serve_site):
    site = serve_site(site_name)
    first = jobs.run_portal(db_url, site.portal, [site.registry_file])
    assert first["status"] == "success", first
    second = jobs.run_portal(db_url, site.portal, [site.registry_file])
    assert second["status"] == "success", second

    articles = query(db_url, "SELECT * FROM articles WHERE portal = %s", (site.portal.id,))
    expected = site.expected
    assert len(articles) == len(expected), sorted(a["url"] for a in articles)
    for want in expected:
        got = _article_for(db_url, site, want["path"])
        assert got is not None, f"{want['path']} not loaded"
        assert got["title"] == want["title"], want["path"]
        published = got["published_at"].isoformat() if got["published_at"] else None
        assert published == want["published_at"], want["path"]
        assert got["author"] == want["author"], want["path"]
        assert got["body"] == want["body"], want["path"]
        for widget in WIDGET_TEXT:
            assert widget not in got["body"], (want["path"], widget)


@pytest.mark.parametrize("site_name", SITE_NAMES)
def test_second_run_fetches_no_stored_article_and_is_answered_by_304s(site_name, db_url, serve_site):
    site = serve_site(site_name)
    first = jobs.run_portal(db_url, site.portal, [site.registry_file])
    assert first["crawl"]["pages_fetched"] >= len(site.expected)
    site.mirror.reset_log()

    second = jobs.run_portal(db_url, site.portal, [site.registry_file])

    assert site.article_requests() == []
    assert second["crawl"]["pages_fetched"] == 0
    assert second["crawl"]["responses_304"] >= 1
    assert second["load"] == {"new": 0, "updated": 0, "unchanged": 0, "duplicate": 0, "failed": 0}
    print(f"{site_name}: second run {second['crawl']['requests']} requests, "
          f"{second['crawl']['responses_304']} answered 304")


def test_loading_the_same_pages_twice_creates_no_second_row(db_url, serve_site):
    site = serve_site(SITE_NAMES[0])
    jobs.run_portal(db_url, site.portal, [site.registry_file])
    before = query(db_url, "SELECT id, updated_at FROM articles ORDER BY id")
    # Re-clean and re-load every stored page, as a re-run DAG or `reextract` would.
    query(db_url, "UPDATE extractions SET loaded_at = NULL")
    stats = jobs.load(db_url, site.portal)
    after = query(db_url, "SELECT id, updated_at FROM articles ORDER BY id")
    assert after == before
    assert stats["new"] == 0 and stats["updated"] == 0
    assert stats["unchanged"] + stats["duplicate"] >= len(before)


def test_pages_answering_500_are_reported_and_the_rest_still_load(db_url, serve_site):
    site = serve_site(SITE_NAMES[0])
    broken = [want["path"] for want in site.expected[:2]]
    for path in broken:
        site.mirror.fail(path, 500)

    run = jobs.run_portal(db_url, site.portal, [site.registry_file])

    assert run["status"] == "success"
    assert run["crawl"]["fetch_errors"] == 2
    assert run["load"]["new"] == len(site.expected) - 2
    failures = query(db_url, "SELECT url, reason FROM fetch_failures WHERE portal = %s", (site.portal.id,))
    assert sorted(f["reason"] for f in failures) == ["HTTP 500", "HTTP 500"]
    recorded = query(db_url, "SELECT stats FROM crawl_runs WHERE id = %s", (run["run_id"],))[0]["stats"]
    assert recorded["crawl"]["fetch_errors"] == 2

    # The portal recovers: the next run retries exactly the failed pages, even though listings are unchanged.
    site.mirror.failures.clear()
    site.mirror.reset_log()
    retry = jobs.run_portal(db_url, site.portal, [site.registry_file])
    assert sorted(path for _, path, _ in site.article_requests()) == sorted(broken)
    assert retry["load"]["new"] == 2
    assert query(db_url, "SELECT count(*) AS n FROM fetch_failures")[0]["n"] == 0


@pytest.mark.parametrize("site_name", SITE_NAMES)
def test_the_crawl_obeys_robots_txt_and_identifies_itself(site_name, db_url, serve_site):
    from protego import Protego

    from portalnews.spiders.settings import USER_AGENT

    site = serve_site(site_name)
    robots = Protego.parse((site.mirror.site_dir / "www" / "robots.txt").read_text(encoding="utf-8"))
    jobs.run_portal(db_url, site.portal, [site.registry_file])
    requested = [path for _, path, _ in site.mirror.requested()]
    assert requested, "nothing was fetched"
    assert [p for p in requested if not robots.can_fetch(site.mirror.url(p), USER_AGENT)] == []
    assert "portalnews" in USER_AGENT
    # A link robots.txt forbids is skipped, not a failure to retry on every run.
    assert query(db_url, "SELECT url FROM fetch_failures") == []


@pytest.mark.parametrize("site_name", SITE_NAMES)
def test_only_article_pages_are_kept_as_raw_pages(site_name, db_url, serve_site):
    site = serve_site(site_name)
    jobs.run_portal(db_url, site.portal, [site.registry_file])
    kept = query(db_url, "SELECT url FROM raw_pages")
    assert kept and all(site.portal.article_regex.search(row["url"]) for row in kept)
    assert not [row["url"] for row in kept if "gioi-thieu" in row["url"] or "lien-he" in row["url"]]
