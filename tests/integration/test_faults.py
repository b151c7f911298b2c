"""The fault matrix of issue 11: each failure a crawl meets in the wild, provoked on purpose against
real HTTP servers on 127.0.0.1 and a real PostgreSQL server, and what must follow: nothing fetched is
lost, nothing is stored twice, every failure is counted and has a reason.

Items (issue 11): 4 spool cut by a crash · 5 database outage mid-crawl · 6 redirect loop, gzip bomb,
Retry-After · 7 a huge page to clean · 8 registry errors · 9 two runs of one portal, entities.
(Item 1, local files, is in test_security.py.)
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from portalnews import jobs
from portalnews.mirror import Response
from portalnews.registry import Portal, RegistryError, load_registry
from portalnews.store import embedded as embedded_db
from portalnews.store.db import connect
from portalnews.store.raw_pages import store_page
from portalnews.store.schema import migrate, register_portals
from portalnews.store.spool import drain_spool, spool_dir, spool_pages
from tests.support.database import query
from tests.support.hostile_site import HostileSite

ARTICLE_SLUGS = [f"hoi-nghi-so-{n}-{100 + n}" for n in range(1, 13)]


def _page(portal: str, n: int) -> dict:
    url = f"http://127.0.0.1:9/bai-viet/trang-{n}.html"
    return {"portal": portal, "crawl_run_id": None, "requested_url": url, "url": url, "canonical_url": url,
            "status": 200, "headers": {}, "body": f"<html><body><p>Trang {n}</p></body></html>".encode(),
            "fetched_at": "2026-01-02T03:04:05+07:00"}


def _register(db_url: str, portal_id: str) -> None:
    query(db_url, "INSERT INTO portals (id, name, base_url) VALUES (%s, %s, %s)",
          (portal_id, portal_id, "http://127.0.0.1:9/"))


@pytest.fixture
def site_of_twelve_articles(tmp_path):
    served = HostileSite(tmp_path, "twelve").articles_listed(ARTICLE_SLUGS).serve()
    yield served
    served.stop()


# ---- 4. a spool file cut off by a crash -----------------------------------------------------------
def test_a_spool_line_cut_by_a_crash_is_quarantined_and_the_pages_after_it_are_loaded(db_url, caplog):
    _register(db_url, "cut")
    spool_pages([_page("cut", 1)])
    path = spool_pages([_page("cut", 2)])
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 40])  # the crash cut the second line short...
    spool_pages([_page("cut", 3), _page("cut", 4)])  # ...and the next outage appended after it

    with caplog.at_level(logging.ERROR):
        assert drain_spool(db_url, "cut").stored == 3

    urls = [r["url"] for r in query(db_url, "SELECT url FROM raw_pages ORDER BY url")]
    assert urls == [f"http://127.0.0.1:9/bai-viet/trang-{n}.html" for n in (1, 3, 4)]
    quarantined = (spool_dir() / "quarantine" / "cut.jsonl").read_bytes()
    assert quarantined.startswith(b'{"portal": "cut"') and quarantined.count(b"\n") == 1
    (message,) = [r.getMessage() for r in caplog.records if "not a whole page" in r.getMessage()]
    assert "line 2" in message and ".draining" in message
    assert list(spool_dir().glob("cut*")) == []


def test_a_drain_interrupted_by_another_outage_is_finished_by_the_next_one(db_url):
    _register(db_url, "again")
    spool_pages([_page("again", 1)])
    leftover = spool_dir() / "again.draining"  # the name earlier versions left and never read again
    spool_path = spool_pages([_page("again", 2)])
    spool_path.rename(leftover)
    spool_pages([_page("again", 3)])

    assert drain_spool(db_url, "again").stored == 3
    assert query(db_url, "SELECT count(*) AS n FROM raw_pages")[0]["n"] == 3
    assert drain_spool(db_url, "again").stored == 0


# ---- 5. the database stops in the middle of a crawl -------------------------------------------------
@pytest.fixture(scope="module")
def stoppable_server():
    """A PostgreSQL server of its own (the session's is shared), which the test stops and restarts."""
    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-outage-"))
    pgdata = parent / "data"
    server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    embedded_db.ensure_database(server, "outage")
    url = server.url("outage")
    migrate(url)
    yield pgdata, server.port, url
    embedded_db.stop(pgdata)
    embedded_db.remove_cluster(pgdata)
    shutil.rmtree(parent, ignore_errors=True)


def test_a_database_outage_mid_crawl_loses_no_page_and_stores_none_twice(
    stoppable_server, site_of_twelve_articles
):
    pgdata, port, url = stoppable_server
    site = site_of_twelve_articles
    # The database goes down just before the fourth article is served.
    site.mirror.before[f"/bai-viet/{ARTICLE_SLUGS[3]}.html"] = lambda: embedded_db.stop(pgdata)
    run_id = jobs.start_run(url, site.portal)
    lines: list[str] = []
    started = time.monotonic()
    figures = jobs.crawl(url, site.portal, run_id, [site.registry_file], on_line=lines.append)
    outage_seconds = time.monotonic() - started

    assert figures["pages_fetched"] == 12
    assert figures["pages_spooled"] >= 1 and figures["pages_stored"] + figures["pages_spooled"] == 12
    summary = [line for line in lines if "database unreachable during the crawl" in line]
    assert len(summary) == 1 and f"{figures['pages_spooled']} fetched pages kept in" in summary[0]
    print(f"crawl of 12 pages with the database stopped after 3: {outage_seconds:.1f} s")

    embedded_db.start(pgdata=pgdata, port=port)
    site.mirror.reset_log()
    run = jobs.run_portal(url, site.portal, [site.registry_file])

    assert run["status"] == "success", run
    assert site.mirror.requested(lambda path: path.startswith("/bai-viet/")) == []  # all 12 were kept
    rows = query(url, "SELECT url FROM articles WHERE portal = %s", (site.portal.id,))
    assert sorted(r["url"] for r in rows) == sorted(site.url(f"/bai-viet/{s}.html") for s in ARTICLE_SLUGS)
    assert query(url, "SELECT count(*) AS n FROM raw_pages")[0]["n"] == 12
    assert list(spool_dir().glob(f"{site.portal.id}*")) == []


# ---- 6. redirect loops, gzip bombs, Retry-After -------------------------------------------------------
@pytest.fixture
def site_with_traps(tmp_path):
    site = HostileSite(tmp_path, "traps")
    site.article("binh-thuong-1").article("cham-lai-4", day=2)
    site.redirect("/bai-viet/vong-a-2.html", "/bai-viet/vong-b-2.html")
    site.redirect("/bai-viet/vong-b-2.html", "/bai-viet/vong-c-2.html")
    site.redirect("/bai-viet/vong-c-2.html", "/bai-viet/vong-a-2.html")
    site.listing(["/bai-viet/binh-thuong-1.html", "/bai-viet/vong-a-2.html", "/bai-viet/bom-nen-3.html",
                  "/bai-viet/cham-lai-4.html"])
    served = site.serve()
    # 12 MB of spaces: 12 KB on the wire, past DOWNLOAD_MAXSIZE (10 MB) once decompressed.
    served.mirror.replace(
        "/bai-viet/bom-nen-3.html", b"<html><body>" + b" " * (12 * 1024 * 1024) + b"</body></html>"
    )
    served.mirror.scripted["/bai-viet/cham-lai-4.html"] = [
        Response(503, b"busy", headers={"Retry-After": "2"})]
    yield served
    served.stop()


def test_a_redirect_loop_and_a_gzip_bomb_are_fetch_failures_with_their_reason(db_url, site_with_traps):
    site = site_with_traps
    run = jobs.run_portal(db_url, site.portal, [site.registry_file])

    failures = {
        r["url"].rsplit("/", 1)[1]: r["reason"]
        for r in query(db_url, "SELECT url, reason FROM fetch_failures")
    }
    assert set(failures) == {"vong-a-2.html", "bom-nen-3.html"}
    assert failures["vong-a-2.html"].startswith("RedirectLoop: redirect loop: ")
    assert failures["vong-a-2.html"].count("vong-a-2.html") == 2
    assert "exceeded DOWNLOAD_MAXSIZE" in failures["bom-nen-3.html"]
    assert run["crawl"]["fetch_errors"] == 2
    assert run["load"]["new"] == 2


def test_a_503_with_retry_after_is_retried_no_sooner_than_asked(db_url, site_with_traps):
    site = site_with_traps
    jobs.run_portal(db_url, site.portal, [site.registry_file])

    times = [t for path, t in site.mirror.arrivals if path == "/bai-viet/cham-lai-4.html"]
    assert len(times) == 2
    assert times[1] - times[0] >= 2.0  # RETRY_BACKOFF_BASE is 0.05 s for this portal: the header decided
    assert (
        query(db_url, "SELECT count(*) AS n FROM raw_pages WHERE url LIKE %s", ("%cham-lai-4%",))[0]["n"] == 1
    )


# ---- 7. a huge or pathological page to clean ----------------------------------------------------------
CLEAN_PORTAL = Portal(id="to_clean", name="Clean bound", base_url="http://127.0.0.1:9/",
                      start_urls=("http://127.0.0.1:9/",), article_url_pattern="/bai-viet/")
PARAGRAPH = (
    "<div><p>Hội nghị Ban Chấp hành Đảng bộ thành phố lần thứ mười lăm bàn về công tác xây dựng Đảng "
    "và hệ thống chính trị.</p></div>"
)


def _store_raw(db_url: str, slug: str, html: bytes) -> None:
    page = _page(CLEAN_PORTAL.id, 0)
    url = f"http://127.0.0.1:9/bai-viet/{slug}.html"
    page.update(requested_url=url, url=url, canonical_url=url, body=html)
    conn = connect(db_url)
    store_page(conn, page)
    conn.close()


@pytest.fixture
def raw_pages_huge_slow_and_normal(db_url, tmp_path):
    register_portals(db_url, [CLEAN_PORTAL])
    _store_raw(
        db_url,
        "trang-9-mb-1",
        b"<html><body><article>" + PARAGRAPH.encode() * 55_000 + b"</article></body></html>",
    )
    _store_raw(
        db_url,
        "trang-cham-2",
        b"<html><body><article>" + PARAGRAPH.encode() * 17_000 + b"</article></body></html>",
    )
    normal = (
        HostileSite(tmp_path, "normal").article("binh-thuong-3").dir
        / "www"
        / "bai-viet"
        / "binh-thuong-3.html"
    )
    _store_raw(db_url, "binh-thuong-3", normal.read_bytes())
    return db_url


def test_a_huge_page_and_a_page_over_the_time_limit_are_extraction_errors_and_the_rest_cleans(
        raw_pages_huge_slow_and_normal, monkeypatch):
    db_url = raw_pages_huge_slow_and_normal
    # the 2.9 MB page needs far longer; a news page, far less
    monkeypatch.setenv("PORTALNEWS_CLEAN_TIMEOUT", "1")
    started = time.monotonic()
    stats = jobs.clean(db_url, CLEAN_PORTAL)
    print(f"cleaned 9.3 MB + 2.9 MB + 1 normal page in {time.monotonic() - started:.1f} s")

    assert stats["cleaned"] == 1 and stats["failed"] == 2
    errors = {r["url"].rsplit("/", 1)[1]: r["error"] for r in query(
        db_url, "SELECT r.url, e.error FROM extractions e JOIN raw_pages r ON r.id = e.raw_page_id")}
    assert errors["trang-9-mb-1.html"].startswith("PageTooLarge: 9")
    assert errors["trang-cham-2.html"] == "CleaningTimeout: cleaning took over 1 s; stopped"
    assert errors["binh-thuong-3.html"] is None


# ---- 8. registry errors ------------------------------------------------------------------------------
ENTRY = 'name = "n"\nbase_url = "https://example.vn/"\nstart_urls = ["https://example.vn/tin/"]\n' \
        'article_url_pattern = "/tin/.+"\n'


@pytest.mark.parametrize(("lines", "key"), [
    ('id = 12\n' + ENTRY, "'id'"),
    ('id = "sai"\n' + ENTRY + 'max_listing_pages = "ten"\n', "'max_listing_pages'"),
    ('id = "sai"\n' + ENTRY + 'min_articles_per_run = true\n', "'min_articles_per_run'"),
    ('id = "sai"\n' + ENTRY + 'settings = "DOWNLOAD_DELAY=2"\n', "'settings'"),
    ('id = "sai"\n' + ENTRY + 'family = ["nukeviet"]\n', "'family'"),
    ('id = "sai"\n' + ENTRY + 'host_aliases = [1, 2]\n', "'host_aliases'"),
    ('id = "sai"\n' + ENTRY.replace('"n"', "{ vi = 'n' }"), "'name'"),
])
def test_a_value_of_the_wrong_type_is_one_line_naming_file_entry_and_key(tmp_path, lines, key):
    registry = tmp_path / "sai.toml"
    registry.write_text("[[portal]]\n" + lines, encoding="utf-8")
    with pytest.raises(RegistryError) as err:
        load_registry([registry], include_builtin=False)
    message = str(err.value)
    assert message.startswith(f"{registry}: portal ") and key in message and "\n" not in message


def test_the_same_id_twice_in_one_file_is_an_error(tmp_path):
    registry = tmp_path / "hai-lan.toml"
    registry.write_text(
        f'[[portal]]\nid = "trung"\n{ENTRY}\n[[portal]]\nid = "trung"\n{ENTRY}', encoding="utf-8"
    )
    with pytest.raises(RegistryError, match=r"hai-lan.toml: portal 'trung': duplicate id \(entries 1 and 2"):
        load_registry([registry], include_builtin=False)


def test_deep_nesting_and_huge_files_are_refused_with_the_file_named(tmp_path):
    deep = tmp_path / "sau.toml"
    deep.write_text(f'[[portal]]\nid = "sau"\n{ENTRY}settings = {{ X = ' + "[" * 5000 + "]" * 5000 + " }\n",
                    encoding="utf-8")
    with pytest.raises(RegistryError, match=r"sau.toml: nested too deeply"):
        load_registry([deep], include_builtin=False)
    huge = tmp_path / "lon.toml"
    huge.write_text("# " + "x" * (35 * 1024 * 1024) + "\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"lon.toml: \d+ bytes is too large"):
        load_registry([huge], include_builtin=False)


def test_a_misspelt_scrapy_setting_is_warned_about_in_the_crawl_log(db_url, site_of_twelve_articles):
    site = site_of_twelve_articles
    text = site.registry_file.read_text(encoding="utf-8")
    site.registry_file.write_text(text.replace("RETRY_TIMES = 2", "RETRY_TIMES = 2, DOWNLAOD_DELAY = 0"),
                                  encoding="utf-8")
    lines: list[str] = []
    jobs.run_portal(db_url, site.portal, [site.registry_file], on_line=lines.append)
    warned = [line for line in lines if "DOWNLAOD_DELAY" in line]
    assert warned and "did you mean DOWNLOAD_DELAY?" in warned[0] and str(site.registry_file) in warned[0]


# ---- 9. two runs of one portal at once; `portalnews run` killed mid-crawl -----------------------------
def _portalnews_run(db_url: str, site) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_url)
    return subprocess.Popen([str(Path(sys.executable).with_name("portalnews")), "run", "--registry",
                             str(site.registry_file), "--portal", site.portal.id],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_second_run_of_a_portal_that_is_crawling_says_so_and_fetches_nothing(
    db_url, site_of_twelve_articles
):
    site = site_of_twelve_articles
    first_is_crawling = threading.Event()
    may_finish = threading.Event()

    def hold_the_first_run():
        first_is_crawling.set()
        may_finish.wait(60)

    site.mirror.before[f"/bai-viet/{ARTICLE_SLUGS[0]}.html"] = hold_the_first_run
    first = _portalnews_run(db_url, site)
    try:
        assert first_is_crawling.wait(60), first.communicate(timeout=60)[0]

        def index_requests():  # every run starts with robots.txt and the listing; the first is past them
            return [path for _, path, _ in site.mirror.requested() if path in ("/", "/robots.txt")]

        before = index_requests()
        second = jobs.run_portal(db_url, site.portal, [site.registry_file])

        assert second["status"] == "failed"
        assert second["message"].startswith(
            "PortalBusy: another run of twelve is crawling, holding it since "
        )
        assert index_requests() == before  # the second run fetched nothing
    finally:
        may_finish.set()
        output = first.communicate(timeout=120)[0]
    assert first.returncode == 0, output
    assert query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"] == 12


def test_killing_portalnews_run_mid_crawl_stops_its_scrapy_child_and_the_next_run_loses_nothing(
        db_url, site_of_twelve_articles, portalnews_home):
    site = site_of_twelve_articles
    crawling, killed = threading.Event(), threading.Event()

    def held_article():  # the crawl stays mid-way until the run is killed, however slow the machine
        crawling.set()
        killed.wait(120)

    for slug in ARTICLE_SLUGS[4:8]:
        site.mirror.before[f"/bai-viet/{slug}.html"] = held_article
    run = _portalnews_run(db_url, site)
    try:
        assert crawling.wait(60), run.communicate(timeout=60)[0]
        children = psutil.Process(run.pid).children(recursive=True)  # the Scrapy crawl, cleaning workers
        assert [p for p in children if "scrapy" in " ".join(p.cmdline())]
        run.kill()  # kill -9: no cleanup of its own
        run.communicate(timeout=60)
    finally:
        killed.set()
    _gone, alive = psutil.wait_procs(children, timeout=30)
    assert alive == [], f"outlived the killed run: {[' '.join(p.cmdline()) for p in alive]}"
    assert list((portalnews_home / "tmp").glob("crawl-*")), "expected the killed run's scratch directory"

    site.mirror.reset_log()
    again = jobs.run_portal(db_url, site.portal, [site.registry_file])

    assert again["status"] == "success", again
    assert not [d for d in (portalnews_home / "tmp").glob("crawl-*")]  # the dead run's scratch is gone
    rows = query(db_url, "SELECT url FROM articles WHERE portal = %s", (site.portal.id,))
    assert sorted(r["url"] for r in rows) == sorted(site.url(f"/bai-viet/{s}.html") for s in ARTICLE_SLUGS)
    assert (
        query(db_url, "SELECT count(*) - count(DISTINCT canonical_url) AS twice FROM raw_pages")[0]["twice"]
        == 0
    )


def test_an_entity_the_page_shows_literally_is_stored_as_shown_not_decoded_twice(db_url, tmp_path):
    site = HostileSite(tmp_path, "entities")
    site.article("hop-tac-at-t-1", title="Hợp tác với AT&amp;amp;T và Ernst &amp; Young")
    site.listing(["/bai-viet/hop-tac-at-t-1.html"])
    served = site.serve()
    try:
        run = jobs.run_portal(db_url, served.portal, [served.registry_file])
    finally:
        served.stop()
    assert run["load"]["new"] == 1, run
    (article,) = query(db_url, "SELECT title, body FROM articles")
    # The browser shows "AT&amp;T" (the source escapes the ampersand once more) and "Ernst & Young".
    assert article["title"] == "Hợp tác với AT&amp;T và Ernst & Young"
    assert "hợp tác với at&amp;t và ernst & young" in article["body"]
