"""The `portalnews` command line, run as users run it: a subprocess with real servers behind it."""

from __future__ import annotations

import json

from tests.support.cli import portalnews
from tests.support.database import query


def test_run_loads_the_given_portals_and_prints_a_summary_per_portal(db_url, serve_site):
    first, second = serve_site("nukeviet_province"), serve_site("tintuc_hcm")
    result = portalnews(
        "run",
        "--registry",
        str(first.registry_file),
        "--registry",
        str(second.registry_file),
        "--portal",
        first.portal.id,
        "--portal",
        second.portal.id,
        db_url=db_url,
    )
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("portal "))
    assert header.split() == [
        "portal",
        "status",
        "fetched",
        "new",
        "updated",
        "duplicate",
        "unchanged",
        "304s",
        "errors",
    ]
    for site in (first, second):
        row = next(line.split() for line in lines if line.startswith(site.portal.id + " "))
        assert row[1] == "success" and int(row[3]) == len(site.expected)
    counts = query(db_url, "SELECT portal, count(*) AS n FROM articles GROUP BY portal ORDER BY portal")
    assert {c["portal"]: c["n"] for c in counts} == {first.portal.id: len(first.expected),
                                                    second.portal.id: len(second.expected)}


def test_run_reports_a_registry_mistake_clearly(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[portal]]\nid = "x"\n', encoding="utf-8")
    result = portalnews("run", "--registry", str(bad), check=False)
    assert result.returncode == 2
    assert "registry error" in result.stderr and str(bad) in result.stderr


def test_check_shows_what_a_registry_entry_discovers_and_one_cleaned_article(serve_site):
    site = serve_site("tintuc_hcm")
    report = json.loads(portalnews("check", site.portal.id, "--registry", str(site.registry_file)).stdout)
    assert len(report["article_links"]) >= len(site.expected) - 1
    assert report["listing_pages"] and report["errors"] == []
    titles = {want["title"] for want in site.expected}
    assert report["sample_article"]["title"] in titles


def test_check_marks_tracking_parameter_copies_and_links_robots_txt_forbids(serve_site):
    # nukeviet_province's feed links one article with ?utm_source=rss&utm_medium=feed, its listing links
    # an internal document under /news/tai-lieu-noi-bo/, which its robots.txt disallows.
    site = serve_site("nukeviet_province")
    report = json.loads(portalnews("check", site.portal.id, "--registry", str(site.registry_file)).stdout)
    copy = site.mirror.url(
        "/news/thoi-su/ra-mat-mo-hinh-dan-van-kheo-1839.html?utm_source=rss&utm_medium=feed"
    )
    forbidden = site.mirror.url("/news/tai-lieu-noi-bo/ke-hoach-cong-tac-noi-bo-quy-ii-1799.html")
    assert {copy, forbidden} <= set(report["article_links"])
    assert report["link_notes"] == {
        copy: f"copy of {site.mirror.url('/news/thoi-su/ra-mat-mo-hinh-dan-van-kheo-1839.html')} "
            "(same canonical"
        " URL: tracking parameters or a print view)",
        forbidden: "disallowed by robots.txt: never fetched",
    }


def test_check_fails_when_nothing_is_discovered(serve_site):
    site = serve_site("tintuc_hcm")
    for url in site.portal.start_urls:
        site.mirror.replace(url.removeprefix(site.mirror.origin), "<html><body>trống</body></html>")
    site.mirror.fail("/rss/", 404)
    result = portalnews("check", site.portal.id, "--registry", str(site.registry_file), check=False)
    assert result.returncode == 1
    assert "no article links found" in result.stdout


def test_extract_prints_one_json_object_per_file_in_order(tmp_path, serve_site):
    site = serve_site("liferay_danang")
    import urllib.request

    files = []
    for n, want in enumerate(site.expected[:3]):
        path = tmp_path / f"page{n}.html"
        path.write_bytes(urllib.request.urlopen(site.mirror.url(want["path"])).read())
        files.append((path, want))
    result = portalnews("extract", *(str(p) for p, _ in files))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in records] == [str(p) for p, _ in files]
    for record, (_, want) in zip(records, files, strict=True):
        assert {"file", "title", "published_at", "author", "sapo", "body"} <= set(record)
        assert record["title"] == want["title"] and record["published_at"] == want["published_at"]


def test_reextract_recleans_stored_pages_offline_and_updates_changed_articles(db_url, serve_site):
    from portalnews.extraction import EXTRACTOR_VERSION

    site = serve_site("nukeviet_province")
    portalnews("run", "--registry", str(site.registry_file), "--portal", site.portal.id, db_url=db_url)
    # Pretend an older extractor produced a wrong title for one article.
    query(
        db_url,
        "UPDATE articles SET title = 'sai', extractor_version = 'old' WHERE id = (SELECT min(id) "
        "FROM articles)",
    )
    site.mirror.stop()  # no network: reextract works from raw_pages only

    result = portalnews(
        "reextract", "--registry", str(site.registry_file), "--portal", site.portal.id, db_url=db_url
    )

    assert "'updated': 1" in result.stdout
    rows = query(db_url, "SELECT title, extractor_version FROM articles")
    assert "sai" not in {r["title"] for r in rows}
    assert {r["extractor_version"] for r in rows} == {EXTRACTOR_VERSION}


def test_db_url_prints_the_configured_database(db_url):
    assert portalnews("db", "url", db_url=db_url).stdout.strip() == db_url


def test_check_also_extracts_the_entrys_test_urls(serve_site, tmp_path):
    site = serve_site("liferay_danang")
    want = site.expected[0]
    registry = tmp_path / "with-test-url.toml"
    registry.write_text(
        site.registry_file.read_text(encoding="utf-8")
        + f'\n[portal.extract]\ntest_url = ["{site.mirror.url(want["path"])}"]\n',
        encoding="utf-8",
    )
    report = json.loads(portalnews("check", site.portal.id, "--registry", str(registry)).stdout)
    (tested,) = report["test_urls"]
    assert tested["title"] == want["title"] and tested["published_at"] == want["published_at"]


def test_check_runs_the_crawls_own_discovery_with_the_portals_scrapy_settings(serve_site, tmp_path):
    site = serve_site("tintuc_hcm")
    site.mirror.replace("/robots.txt", "User-agent: *\nDisallow: /\n")
    # Obeying robots.txt (the project default), nothing may be read...
    refused = portalnews("check", site.portal.id, "--registry", str(site.registry_file), check=False)
    assert refused.returncode == 1
    # ...and a portal whose entry turns it off in its own Scrapy settings is read as the crawl would.
    registry = tmp_path / "no-robots.toml"
    registry.write_text(site.registry_file.read_text(encoding="utf-8").replace(
        "settings = { ", "settings = { ROBOTSTXT_OBEY = false, "), encoding="utf-8")
    report = json.loads(portalnews("check", site.portal.id, "--registry", str(registry)).stdout)
    assert report["sample_article"]["title"] in {want["title"] for want in site.expected}


def test_check_of_an_unreachable_portal_fails_with_one_clear_line(tmp_path):
    from portalnews.store.embedded import _free_port

    origin = f"http://127.0.0.1:{_free_port()}"
    registry = tmp_path / "dead.toml"
    registry.write_text(f'[[portal]]\nid = "dead_portal"\nname = "Nobody home"\nbase_url = "{origin}/"\n'
                        f'start_urls = ["{origin}/tin-tuc/"]\narticle_url_pattern = "/tin-tuc/.+-\\\\d+$"\n'
                        "settings = { RETRY_TIMES = 1, RETRY_BACKOFF_BASE = 0.05 }\n", encoding="utf-8")
    result = portalnews("check", "dead_portal", "--registry", str(registry), check=False)
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("portalnews: check of dead_portal failed: ") and f"{origin}/tin-tuc/" in line
    assert "Connection" in line and "Traceback" not in result.stderr
