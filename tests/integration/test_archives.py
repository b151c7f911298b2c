"""Web archives in and out (docs/web-archives.md): WARC/WACZ import, WARC and Parquet export, and a
backfill from a real Wayback-compatible server (pywb) replaying a recorded fixture portal's WARC.

Every archive here is made by warcio recording real HTTP fetches of a fixture site served on
127.0.0.1 (warcio's capture_http), or written by portalnews and read back by warcio's own tools,
DuckDB and pandas."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from portalnews import jobs
from portalnews.cli import main
from portalnews.extraction import EXTRACTOR_VERSION
from portalnews.store.schema import migrate, register_portals
from tests.support.archives import record_warc, response_offsets
from tests.support.database import migrate_until, query
from tests.support.docs import fenced_blocks
from tests.support.paths import REPO
from tests.support.sites import with_settings

GUIDE = REPO / "docs" / "web-archives.md"
WARCIO = Path(sys.executable).parent / "warcio"


def guide_sql(containing: str) -> list[str]:
    """The guide's SQL blocks that mention `containing`: every query it shows is run here."""
    return [block for block in fenced_blocks(GUIDE, "sql") if containing in block]


def article_count(db_url: str) -> int:
    return query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"]


def test_import_keeps_the_portals_articles_with_provenance_and_a_second_import_adds_nothing(
        db_url, serve_site, tmp_path):
    site = serve_site("liferay_danang")
    warc = record_warc(site, tmp_path / "danang.warc.gz")
    site.mirror.stop()  # the import reads the file only
    recorded = {url: date for _, url, date in response_offsets(warc)}

    first = jobs.import_archives(db_url, site.portal, [warc])

    assert first["status"] == "success", first
    expected_titles = sorted(article["title"] for article in site.expected)
    assert sorted(r["title"] for r in query(db_url, "SELECT title FROM articles")) == expected_titles
    # Article 101 is also recorded under a link with tracking parameters: same canonical URL and body.
    assert first["import"]["articles"] == len(site.expected) + 1
    assert first["import"]["pages_stored"] == len(site.expected) and first["import"]["already_stored"] == 1
    assert first["import"]["skipped_not_article"] > 0  # listings, the home page, contact pages
    pages = query(db_url, "SELECT url, source, archive_file, archive_record_id, fetched_at, crawl_run_id"
                          " FROM raw_pages")
    assert {p["source"] for p in pages} == {"archive"} and {p["archive_file"] for p in pages} == {str(warc)}
    for page in pages:
        assert re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", page["archive_record_id"])
        assert page["fetched_at"] == datetime.fromisoformat(recorded[page["url"]].replace("Z", "+00:00"))
    (run,) = query(db_url, "SELECT id, trigger, status, stats FROM crawl_runs")
    assert (
        run["trigger"] == "import"
        and run["status"] == "success"
        and {p["crawl_run_id"] for p in pages} == {run["id"]}
    )
    assert run["stats"]["import"]["pages_stored"] == len(site.expected)
    by_source, latest = (query(db_url, sql) for sql in guide_sql("raw_pages"))
    assert [(r["source"], r["pages"], r["files"]) for r in by_source] == [("archive", len(site.expected), 1)]
    assert len(latest) == len(site.expected) and {r["archive_file"] for r in latest} == {str(warc)}

    again = jobs.import_archives(db_url, site.portal, [warc])

    assert (
        again["import"]["pages_stored"] == 0 and again["import"]["already_stored"] == len(site.expected) + 1
    )
    assert again["load"].get("new", 0) == 0
    assert query(db_url, "SELECT count(*) AS n FROM raw_pages")[0]["n"] == len(site.expected)
    assert article_count(db_url) == len(site.expected)


def test_an_archives_articles_are_read_through_the_raw_page_index_once_an_older_database_migrates(
        make_database):
    """The guide's query of the articles an import brought in joins raw pages to articles by
    articles.raw_page_id: migration 0018 indexes it on a database holding articles already, and the
    query reads articles through it instead of reading every article."""
    db_url = make_database(migrated=False)
    migrate_until(db_url, "0018")
    # What an older release stored: a crawled page and two archived ones, each the page of one article.
    query(db_url, "INSERT INTO portals (id, name, base_url) VALUES ('quangtri', 'Quảng Trị', 'http://qt.test/')")
    for n, (source, fetched, title) in enumerate([
            ("crawl", "2025-03-02 08:00+07", "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 20"),
            ("archive", "2024-11-05 09:30+07", "Tổng kết công tác dân vận năm 2024"),
            ("archive", "2024-10-01 14:00+07", "Khai mạc Đại hội Đảng bộ huyện Gio Linh")]):
        url = f"http://qt.test/tin/{n}"
        (page,) = query(db_url, "INSERT INTO raw_pages (portal, requested_url, url, canonical_url, status,"
                                " html_gz, content_sha256, fetched_at, source, archive_file) VALUES"
                                " ('quangtri', %s, %s, %s, 200, '\\x00', %s, %s, %s, %s) RETURNING id",
                        (url, url, url, str(n), fetched, source,
                         "quangtri.warc.gz" if source == "archive" else None))
        query(db_url, "INSERT INTO articles (portal, url, canonical_url, title, body, body_fingerprint,"
                      " extractor_version, raw_page_id) VALUES ('quangtri', %s, %s, %s, 'x', %s, 'v0', %s)",
              (url, url, title, str(n), page["id"]))
    assert query(db_url, "SELECT to_regclass('articles_raw_page') AS i") == [{"i": None}]

    assert migrate(db_url) == ["0018_articles_by_raw_page.sql"]

    (archived,) = guide_sql("a.raw_page_id")
    assert [(r["title"], r["source"]) for r in query(db_url, archived)] == [
        ("Khai mạc Đại hội Đảng bộ huyện Gio Linh", "archive"),
        ("Tổng kết công tác dân vận năm 2024", "archive")]
    # Planner costs on three rows favour a scan; with scans priced out the index must serve the join.
    plan = query(db_url, "SET enable_seqscan = off; EXPLAIN " + archived)
    assert "using articles_raw_page on articles a" in "\n".join(r["QUERY PLAN"] for r in plan)


def test_discover_reads_the_archived_listings_as_the_crawl_does_and_counts_what_they_link(
        db_url, serve_site, tmp_path, monkeypatch, capsys):
    site = serve_site("liferay_danang")
    site.mirror.fail("/web/guest/tin-tuc/chi-tiet?id=108&_c=2", 404)  # the archive missed article 108
    warc = record_warc(site, tmp_path / "danang.warc.gz")
    site.mirror.stop()
    monkeypatch.setenv("DATABASE_URL", db_url)

    code = main(["import", str(warc), "--portal", site.portal.id, "--registry", str(site.registry_file),
                 "--discover"])

    assert code == 0
    output = capsys.readouterr().out
    assert "discovery read 8 archived listings linking 8 articles, 7 of them archived" in output
    (run,) = query(db_url, "SELECT stats FROM crawl_runs")
    # Read from the fixture (routes.toml): the listings are the start URLs trang-chu and tin-tuc, tin-tuc
    # recorded again as ?_c=2, 3 and 5 (one canonical URL: liferay keeps only `id`), and the listing
    # pattern's ?cur=1..3; together they link articles 101-108, of which the file holds all but 108.
    figures = {key: run["stats"]["import"][key] for key in (
        "listings_read", "listings_unreadable", "links_discovered", "articles_through_listings")}
    assert figures == {"listings_read": 8, "listings_unreadable": 0, "links_discovered": 8,
                       "articles_through_listings": 7}
    assert article_count(db_url) == 7  # what discovery finds is what the article pattern already took
    assert "listings_read" not in jobs.import_archives(db_url, site.portal, [warc])["import"]


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_a_damaged_warc_keeps_the_records_before_the_damage_and_says_where_in_one_line(
        db_url, serve_site, tmp_path, caplog, damage):
    site = serve_site("liferay_danang")
    warc = record_warc(site, tmp_path / "whole.warc.gz")
    responses = response_offsets(warc)
    articles = [(offset, url) for offset, url, _ in responses if site.portal.article_regex.search(url)]
    damaged_at, _ = articles[3]  # the fourth article's record is cut or overwritten
    data = warc.read_bytes()
    damaged = tmp_path / f"{damage}.warc.gz"
    if damage == "truncated":
        damaged.write_bytes(data[:damaged_at + 600])
    else:
        damaged.write_bytes(data[:damaged_at + 20] + b"\0garbage" * 40 + data[damaged_at + 340:])

    result = jobs.import_archives(db_url, site.portal, [damaged])

    kept = [url for offset, url in articles if offset < damaged_at]
    assert len(kept) == 3
    assert sorted(r["url"] for r in query(db_url, "SELECT url FROM raw_pages")) == sorted(kept)
    assert result["status"] == "alert" and f"damaged at offset {damaged_at}" in result["message"]
    lines = [r.getMessage() for r in caplog.records if "damaged at offset" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0] and str(damaged) in lines[0]
    assert query(db_url, "SELECT status, message FROM crawl_runs")[0]["message"] == result["message"]


def test_portalnews_import_reads_a_wacz_through_its_archive_folder(
    db_url, serve_site, tmp_path, monkeypatch, capsys
):
    site = serve_site("tintuc_hcm")
    warc = record_warc(site, tmp_path / "data.warc.gz")
    wacz = tmp_path / "hcm.wacz"
    with zipfile.ZipFile(
        wacz, "w"
    ) as package:  # the WACZ layout: archive/, pages/, indexes/, datapackage.json
        package.write(warc, "archive/data.warc.gz")
        package.writestr("pages/pages.jsonl", json.dumps({"format": "json-pages-1.0"}) + "\n")
        package.writestr("datapackage.json", json.dumps({"profile": "data-package", "wacz_version": "1.1.1"}))

    monkeypatch.setenv("DATABASE_URL", db_url)

    code = main(["import", str(wacz), "--portal", site.portal.id, "--registry", str(site.registry_file)])

    assert code == 0
    # One article is also recorded under a shared link with tracking parameters: stored once.
    assert (
        f"{len(site.expected)} stored, 1 already stored; articles new {len(site.expected)}"
        in capsys.readouterr().out
    )
    assert article_count(db_url) == len(site.expected) > 0
    assert {r["archive_file"] for r in query(db_url, "SELECT archive_file FROM raw_pages")} == \
        {f"{wacz}#archive/data.warc.gz"}


def test_a_live_and_an_archived_copy_of_one_article_are_one_row_reached_by_both_urls(
    db_url, serve_site, tmp_path
):
    site = serve_site("liferay_danang")
    live = jobs.run_portal(db_url, site.portal, [site.registry_file])
    assert live["status"] == "success" and article_count(db_url) == len(site.expected)
    live_url = site.mirror.url("/web/guest/tin-tuc/chi-tiet?id=101&_c=3")
    body = urllib.request.urlopen(live_url, timeout=10).read()
    # The archive holds the page under the portal's older address form (another path, same article),
    # and once under the very URL the crawl fetched (same canonical URL and body: not stored again).
    old_url = site.mirror.url("/web/guest/chi-tiet?id=101")
    warc = tmp_path / "old-address.warc.gz"
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url in (old_url, live_url):
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": "2025-01-02T03:04:05Z"},
                )
            )

    result = jobs.import_archives(db_url, site.portal, [warc])

    assert result["import"]["pages_stored"] == 1 and result["import"]["already_stored"] == 1
    assert article_count(db_url) == len(site.expected)
    (article,) = query(db_url, "SELECT id FROM articles WHERE canonical_url LIKE %s", ("%id=101",))
    urls = query(
        db_url,
        "SELECT canonical_url FROM article_urls WHERE article_id = %s ORDER BY canonical_url",
        (article["id"],),
    )
    assert [u["canonical_url"].split("/", 3)[3] for u in urls] == ["web/guest/chi-tiet?id=101",
                                                                     "web/guest/tin-tuc/chi-tiet?id=101"]


def _export(db_url, fmt: str, output: Path, *extra: str) -> None:
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = db_url
    try:
        assert main(["export", "--format", fmt, "--output", str(output), *extra]) == 0
    finally:
        if old is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = old


def test_the_warc_export_is_read_back_by_warcio_and_imports_into_another_database(
        db_url, make_database, serve_site, tmp_path):
    site = serve_site("liferay_danang")
    jobs.run_portal(db_url, site.portal, [site.registry_file])
    exported = tmp_path / "export.warc.gz"

    _export(db_url, "warc", exported, "--portal", site.portal.id)

    checked = subprocess.run([str(WARCIO), "check", "-v", str(exported)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    index = [
        json.loads(line)
        for line in subprocess.run(
            [str(WARCIO), "index", str(exported)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
    ]
    kinds = [entry["warc-type"] for entry in index]
    pages = query(db_url, "SELECT r.id, r.url, r.html_gz, r.fetched_at, u.article_id FROM raw_pages r"
                          " JOIN article_urls u USING (portal, canonical_url)")
    assert kinds[0] == "warcinfo" and kinds.count("response") == kinds.count("request") == kinds.count(
        "metadata"
    ) == len(pages) == len(site.expected)
    by_url = {p["url"]: p for p in pages}
    with exported.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                page = by_url[record.rec_headers.get_header("WARC-Target-URI")]
                assert record.content_stream().read() == gzip.decompress(page["html_gz"])
                assert record.http_headers.get_statuscode() == "200"
                written = datetime.fromisoformat(
                    record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")
                )
                assert written == page["fetched_at"]
            elif record.rec_type == "metadata":
                fields = dict(
                    line.split(": ", 1) for line in record.content_stream().read().decode().splitlines()
                )
                page = by_url[record.rec_headers.get_header("WARC-Target-URI")]
                assert fields["portalnews-article-id"] == str(page["article_id"])
                assert fields["portalnews-extractor-version"] == EXTRACTOR_VERSION

    elsewhere = make_database()
    reimported = jobs.import_archives(elsewhere, site.portal, [exported])
    assert reimported["status"] == "success" and article_count(elsewhere) == len(site.expected)


def test_the_parquet_export_has_typed_columns_that_duckdb_and_pandas_read(db_url, serve_site, tmp_path):
    import duckdb
    import pandas

    site = serve_site("liferay_danang")
    jobs.run_portal(db_url, site.portal, [site.registry_file])
    exported = tmp_path / "articles.parquet"

    _export(db_url, "parquet", exported)

    stored = {r["id"]: r for r in query(db_url, "SELECT id, title, published_at, images FROM articles")}
    rows = duckdb.sql(f"SELECT id, title, published_at, images FROM '{exported}'").fetchall()
    assert len(rows) == len(stored) == len(site.expected)
    for article_id, title, published_at, images in rows:
        assert title == stored[article_id]["title"]
        assert published_at == stored[article_id]["published_at"]  # same instant, zone kept
        assert images == [
            {"src": i.get("src"), "caption": i.get("caption")} for i in stored[article_id]["images"]
        ]
    types = dict(
        duckdb.sql(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{exported}')").fetchall()
    )
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE" and types["id"] == "BIGINT"
    assert types["images"] == "STRUCT(src VARCHAR, caption VARCHAR)[]"
    (per_portal,) = guide_sql("FROM 'articles-2024.parquet'")
    assert duckdb.sql(per_portal.replace("articles-2024.parquet", str(exported))).fetchall() == \
        [(site.portal.id, len(stored), min(a["published_at"] for a in stored.values()))]
    frame = pandas.read_parquet(exported)
    assert str(frame["published_at"].dtype) == "datetime64[us, Asia/Ho_Chi_Minh]"
    assert any(len(images) for images in frame["images"])  # the fixture articles have pictures


# ---- backfill from a Wayback-compatible server (pywb) -------------------------------------------------
def test_a_backfill_from_a_wayback_server_fetches_the_earliest_captures_and_resumes_with_nothing_twice(
        db_url, serve_site, tmp_path, pywb_archive):
    site = serve_site("liferay_danang")
    warc = record_warc(site, tmp_path / "recorded.warc.gz")
    captured = {url: date for _, url, date in response_offsets(warc)}
    # A later capture of article 101, changed since: the backfill takes the earliest one.
    later_url = site.mirror.url("/web/guest/tin-tuc/chi-tiet?id=101&_c=3")
    changed = urllib.request.urlopen(later_url, timeout=10).read().replace(b"<title>", b"<title>CHANGED ")
    later = tmp_path / "later.warc.gz"
    with later.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                later_url,
                "response",
                payload=io.BytesIO(changed),
                http_headers=http,
                warc_headers_dict={"WARC-Date": "2030-01-01T00:00:00Z"},
            )
        )
    archive = pywb_archive(warc, later)
    site.mirror.stop()  # the portal is gone; only the archive has its pages
    os.environ["DATABASE_URL"] = db_url
    try:
        code = main(["run", "--portal", site.portal.id, "--registry", str(site.registry_file), "--backfill",
                     "--from-archive", archive, "--archive-delay", "0"])
        assert code == 0
        (run,) = query(db_url, "SELECT trigger, status, stats FROM crawl_runs")
        crawl = run["stats"]["crawl"]
        assert run["trigger"] == "backfill" and run["status"] == "success"
        assert crawl["captures_listed"] == len(captured) + 1  # every 200 capture of the host
        assert crawl["archive_urls_matched"] == crawl["pages_fetched"] == len(site.expected)
        assert sorted(r["title"] for r in query(db_url, "SELECT title FROM articles")) == \
            sorted(a["title"] for a in site.expected)
        for page in query(
            db_url, "SELECT url, source, archive_file, archive_record_id, fetched_at FROM raw_pages"
        ):
            assert page["source"] == "archive" and page["archive_file"] == archive
            assert page["fetched_at"] == datetime.fromisoformat(captured[page["url"]].replace("Z", "+00:00"))
            assert page["archive_record_id"].endswith(" " + page["url"])
        bodies = [gzip.decompress(r["html_gz"]) for r in query(db_url, "SELECT html_gz FROM raw_pages")]
        assert not [body for body in bodies if b"<title>CHANGED" in body]  # fetched_at above: the 1st capture

        # Run again: every matched capture is already stored, nothing is fetched twice.
        assert main(["run", "--portal", site.portal.id, "--registry", str(site.registry_file), "--backfill",
                     "--from-archive", archive, "--archive-delay", "0"]) == 0
    finally:
        os.environ.pop("DATABASE_URL", None)
    second = query(db_url, "SELECT stats FROM crawl_runs ORDER BY id")[1]["stats"]["crawl"]
    assert second["archive_already_stored"] == len(site.expected) and second["pages_fetched"] == 0
    assert article_count(db_url) == len(site.expected)


def test_a_backfill_outside_the_captures_dates_fetches_nothing(db_url, serve_site, tmp_path, pywb_archive):
    site = serve_site("liferay_danang")
    archive = pywb_archive(record_warc(site, tmp_path / "recorded.warc.gz"))
    until = datetime(2001, 1, 1, tzinfo=UTC).date().isoformat()  # every capture was made today

    crawl = jobs.crawl(
        db_url,
        site.portal,
        None,
        [site.registry_file],
        since="2000-01-01",
        from_archive=archive,
        until=until,
        archive_delay=0,
    )

    assert crawl["captures_listed"] == 0 and crawl["pages_fetched"] == 0


def test_an_interrupted_archive_backfill_resumes_and_fetches_no_capture_twice(
        db_url, serve_site, tmp_path, pywb_archive):
    site = serve_site("liferay_danang")
    archive = pywb_archive(record_warc(site, tmp_path / "recorded.warc.gz"))
    site.mirror.stop()
    # Stopped after a few responses (robots.txt, the CDX answers, some captures), as a crash would.
    registry, portal = with_settings(site, tmp_path, 'settings = { AUTOTHROTTLE_START_DELAY = 0.01, '
                                                      'CLOSESPIDER_PAGECOUNT = 8, CONCURRENT_REQUESTS = 1 }')
    register_portals(db_url, [portal])  # what jobs.start_run does before a crawl
    first = jobs.crawl(db_url, portal, None, [registry], from_archive=archive, archive_delay=0)
    assert first["finish_reason"] == "closespider_pagecount"
    assert 0 < first["pages_stored"] < len(site.expected)

    registry, portal = with_settings(site, tmp_path, "")
    second = jobs.crawl(db_url, portal, None, [registry], from_archive=archive, archive_delay=0)

    assert second["finish_reason"] == "finished"
    assert second["pages_fetched"] == len(site.expected) - first["pages_stored"]
    assert second["archive_already_stored"] == first["pages_stored"]
    assert query(db_url, "SELECT count(*) AS n FROM raw_pages")[0]["n"] == len(site.expected)


class _Throttling:
    """A proxy in front of the archive: the first request for each capture gets 429 with Retry-After,
    as a busy Wayback server answers; the others are passed on. Records when each path arrived."""

    def __init__(self, upstream: str, retry_after: int):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.arrivals: list[tuple[str, float]] = []
        throttled: set[str] = set()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                proxy.arrivals.append((self.path, time.monotonic()))
                if "id_/" in self.path and self.path not in throttled:
                    throttled.add(self.path)
                    self.send_response(429)
                    self.send_header("Retry-After", str(retry_after))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                try:
                    with urllib.request.urlopen(upstream + self.path, timeout=30) as answer:
                        status, headers, body = answer.status, answer.headers.items(), answer.read()
                except urllib.error.HTTPError as err:
                    status, headers, body = err.code, err.headers.items(), err.read()
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_an_archive_answering_429_with_retry_after_is_asked_again_no_sooner_than_it_said(
        db_url, serve_site, tmp_path, pywb_archive):
    site = serve_site("liferay_danang")
    archive = pywb_archive(record_warc(site, tmp_path / "recorded.warc.gz"))
    site.mirror.stop()
    origin, collection = archive.rsplit("/", 1)
    proxy = _Throttling(origin, retry_after=2)
    try:
        crawl = jobs.crawl(db_url, site.portal, None, [site.registry_file],
                           from_archive=f"{proxy.origin}/{collection}", archive_delay=0)
    finally:
        proxy.close()

    assert crawl["pages_fetched"] == len(site.expected)  # every capture stored after its 429
    captures = {path for path, _ in proxy.arrivals if "id_/" in path}
    assert len(captures) == len(site.expected)
    for path in captures:
        times = [t for arrived, t in proxy.arrivals if arrived == path]
        assert len(times) == 2, path
        assert times[1] - times[0] >= 2.0, path  # the header decided, not the backoff's short base
