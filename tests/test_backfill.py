"""Backfill: walk a portal's archive deeper than a scheduled run does, and resume after an interruption."""

from __future__ import annotations

from portalnews import jobs
from portalnews.config import home
from portalnews.registry import load_registry
from tests.conftest import query


def _with_settings(site, tmp_path, extra_lines: str):
    """The site's registry entry with extra keys (the user's way to tune a portal); a `settings`
    line given here replaces the entry's own."""
    lines = site.registry_file.read_text(encoding="utf-8").splitlines()
    if extra_lines.startswith("settings"):
        lines = [line for line in lines if not line.startswith("settings")]
    text = "\n".join(lines).replace("[[portal]]", "[[portal]]\n" + extra_lines, 1) + "\n"
    path = tmp_path / f"{site.portal.id}-tuned.toml"
    path.write_text(text, encoding="utf-8")
    return path, load_registry([path], include_builtin=False)[site.portal.id]


def test_a_scheduled_run_pages_shallowly_and_a_backfill_reaches_the_whole_archive(db_url, serve_site, tmp_path):
    site = serve_site("liferay_danang")
    registry, portal = _with_settings(site, tmp_path, "max_listing_pages = 0")

    shallow = jobs.run_portal(db_url, portal, [registry])
    assert shallow["crawl"]["paging_stopped_nothing_new"] + shallow["load"]["new"] > 0
    loaded_shallow = shallow["load"]["new"]
    assert loaded_shallow < len(site.expected), "fixture must hide some articles behind pagination"

    deep = jobs.run_portal(db_url, portal, [registry], backfill=True)

    assert deep["status"] == "success"
    assert loaded_shallow + deep["load"]["new"] == len(site.expected)
    assert query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"] == len(site.expected)
    assert [r["trigger"] for r in query(db_url, "SELECT trigger FROM crawl_runs ORDER BY id")] == ["cli", "backfill"]


def test_an_interrupted_backfill_resumes_without_fetching_again_what_it_had_fetched(db_url, serve_site, tmp_path):
    site = serve_site("liferay_danang")
    # Stop the first backfill after a few responses, as a crash or a Ctrl-C would.
    registry, portal = _with_settings(site, tmp_path, 'settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_START_DELAY = 0.01, '
                                                      'CLOSESPIDER_PAGECOUNT = 4, CONCURRENT_REQUESTS = 1 }')
    interrupted = jobs.run_portal(db_url, portal, [registry], backfill=True)
    assert interrupted["crawl"]["finish_reason"] == "closespider_pagecount"
    assert (home() / "jobs" / f"{portal.id}-backfill").exists()  # Scrapy's JOBDIR keeps the queue
    first_requests = {path for _, path, status in site.mirror.requested() if status == 200 and path != "/robots.txt"}
    site.mirror.reset_log()

    registry, portal = _with_settings(site, tmp_path, "")
    resumed = jobs.run_portal(db_url, portal, [registry], backfill=True)

    again = {path for _, path, status in site.mirror.requested() if status == 200 and path != "/robots.txt"}
    assert not (first_requests & again), sorted(first_requests & again)
    assert resumed["crawl"]["finish_reason"] == "finished"
    assert not (home() / "jobs" / f"{portal.id}-backfill").exists()
    assert query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"] == len(site.expected)


def test_a_backfill_since_a_date_skips_articles_the_listings_date_earlier(db_url, serve_site):
    site = serve_site("liferay_danang")
    since = "2020-02-12"

    run = jobs.run_portal(db_url, site.portal, [site.registry_file], backfill=True, since=since)

    loaded = {r["title"] for r in query(db_url, "SELECT title FROM articles")}
    wanted = {w["title"] for w in site.expected if w["published_at"][:10] >= since}
    assert loaded == wanted
    assert run["crawl"]["article_links_found"] > len(wanted)  # older links were seen, and left alone
