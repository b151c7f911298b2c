"""What a quiet hour costs: a run that finds nothing new reads robots.txt once and each entry point once.

The site is a generated NukeViet portal (tests/support/generated_portal.py) with five category listings of
two pages each, a sitemap index named by robots.txt, a news sitemap and an RSS feed. Its entry points
are the registry's start URLs (the five listings) plus the nukeviet family's sitemap and feed paths;
robots.txt's own Sitemap: line names one of those again.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from portalnews import jobs
from portalnews.mirror import SiteMirror
from portalnews.registry import load_registry
from tests.support.database import query

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.generated_portal import generate  # noqa: E402

START_URLS = ["/news/thoi-su/", "/news/xay-dung-dang/", "/news/kinh-te/", "/news/van-hoa-xa-hoi/",
              "/news/quoc-phong-an-ninh/"]
FAMILY_ENTRY_POINTS = ["/sitemap.xml", "/sitemap-vi.news.xml", "/rss/"]
ENTRY_POINTS = sorted(START_URLS + FAMILY_ENTRY_POINTS)


@pytest.fixture(scope="module")
def paginated_site_dir(tmp_path_factory) -> Path:
    """20 articles, 2 per listing page: every category lists 4 articles over pages 1 and 2."""
    directory = tmp_path_factory.mktemp("paginated-site")
    generate(directory, articles=20, per_page=2)
    return directory


@pytest.fixture
def crawled_site(paginated_site_dir, db_url, tmp_path):
    """The site served, its registry entry, and the database after a first full run."""
    with SiteMirror(paginated_site_dir) as mirror:
        registry = tmp_path / "generated.toml"
        registry.write_text(mirror.registry_text(), encoding="utf-8")
        (portal,) = load_registry([registry], include_builtin=False).values()
        first = jobs.run_portal(db_url, portal, [registry])
        assert first["status"] == "success", first
        assert first["load"]["new"] == 20
        assert "/news/thoi-su/page-2" in [path for _, path, _ in mirror.requested()]
        mirror.reset_log()
        yield mirror, registry, portal


def test_robots_txt_is_read_once_for_both_its_rules_and_its_sitemap_lines(
    paginated_site_dir, db_url, tmp_path
):
    with SiteMirror(paginated_site_dir) as mirror:
        # A sitemap only robots.txt names, listing an article no listing shows.
        mirror.replace(
            "/robots.txt",
            f"User-agent: *\nDisallow: /admin/\n\nSitemap: {mirror.origin}/only-in-robots.xml\n",
        )
        mirror.replace("/only-in-robots.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
                       '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                       f"<url><loc>{mirror.origin}/news/thoi-su/chi-trong-sitemap-88888.html</loc></url></urlset>")
        any_article = next((paginated_site_dir / "www" / "news" / "kinh-te").glob("*.html"))
        mirror.replace("/news/thoi-su/chi-trong-sitemap-88888.html", any_article.read_bytes())
        registry = tmp_path / "generated.toml"
        registry.write_text(mirror.registry_text(), encoding="utf-8")
        (portal,) = load_registry([registry], include_builtin=False).values()
        jobs.run_portal(db_url, portal, [registry])
        requests = mirror.requested()
    assert [path for _, path, _ in requests].count("/robots.txt") == 1
    assert ("GET", "/news/thoi-su/chi-trong-sitemap-88888.html", 200) in requests


def test_a_run_with_nothing_new_costs_robots_txt_and_one_conditional_request_per_entry_point(
    crawled_site, db_url
):
    mirror, registry, portal = crawled_site

    second = jobs.run_portal(db_url, portal, [registry])

    requests = mirror.requested()
    assert [path for _, path, _ in requests].count("/robots.txt") == 1
    assert sorted((path, status) for _, path, status in requests if path != "/robots.txt") == \
        [(path, 304) for path in ENTRY_POINTS]
    assert len(requests) == 1 + len(ENTRY_POINTS)
    assert second["load"]["new"] == 0 and second["crawl"]["pages_fetched"] == 0


def test_without_validators_page_one_showing_nothing_new_stops_the_paging(crawled_site, db_url):
    mirror, registry, portal = crawled_site
    query(db_url, "DELETE FROM http_validators")  # as if the portal sent no ETag / Last-Modified

    second = jobs.run_portal(db_url, portal, [registry])

    paths = sorted(path for _, path, _ in mirror.requested())
    assert paths == sorted(["/robots.txt", *ENTRY_POINTS])  # page 1 of each listing, never page 2
    assert second["crawl"]["paging_stopped_nothing_new"] == len(START_URLS)
    assert second["load"]["new"] == 0


def test_a_new_article_on_page_one_is_fetched_and_the_paging_still_stops(crawled_site, db_url):
    mirror, registry, portal = crawled_site
    listing = mirror.site_dir / "www" / "news" / "thoi-su" / "index.html"
    article = mirror.site_dir / "www" / "news" / "thoi-su" / "bai-moi-99999.html"
    template = next(listing.parent.glob("*-1*.html")).read_text(encoding="utf-8")
    mirror.replace("/news/thoi-su/bai-moi-99999.html", template.replace("<h1", "<h1 data-new", 1))
    page_one = listing.read_text(encoding="utf-8")
    first_card = page_one.index('<div class="news_column">')
    new_card = (
        '<div class="news_column"><h3><a href="/news/thoi-su/bai-moi-99999.html">Bài mới</a></h3></div>'
    )
    mirror.replace("/news/thoi-su/", page_one[:first_card] + new_card + page_one[first_card:])
    assert not article.exists()

    second = jobs.run_portal(db_url, portal, [registry])

    requested = {path: status for _, path, status in mirror.requested()}
    assert requested["/news/thoi-su/bai-moi-99999.html"] == 200
    # Page 1 showed something new, so page 2 was asked for (unchanged: 304); the other listings were not.
    assert requested["/news/thoi-su/page-2"] == 304
    assert not [
        path for path in requested if path.endswith("page-2") and not path.startswith("/news/thoi-su/")
    ]
    assert second["crawl"]["pages_fetched"] == 1
