"""No silent, permanent loss (issue 17, item 3): every fetched page ends in raw_pages or in
fetch_failures (never only in a quarantine file), what PostgreSQL cannot store is made storable or
recorded with its real reason, a listing's validators wait until every article it led to is settled,
and refused pages show in the run's figures and status. Each case is followed by two more runs with
ETags on: nothing is lost. Real crawls, real HTTP servers on 127.0.0.1, real PostgreSQL servers."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

from portalnews import jobs
from portalnews.mirror import Response
from portalnews.store import embedded as embedded_db
from portalnews.store.schema import migrate
from portalnews.store.spool import spool_dir
from tests.support.database import query
from tests.support.hostile_site import ARTICLE, HostileSite


def _three_runs(db_url: str, site) -> list[dict]:
    return [jobs.run_portal(db_url, site.portal, [site.registry_file]) for _ in range(3)]


def test_a_nul_byte_in_a_response_header_is_stored_sanitised_and_nothing_is_lost(db_url, tmp_path):
    slugs = ["tin-thuong-1-601", "tin-nul-2-602", "tin-thuong-3-603"]
    site = HostileSite(tmp_path, "nul").articles_listed(slugs).serve()
    html = ARTICLE.format(title="Hội nghị tin nul", title_lower="hội nghị tin nul", day=2).encode()
    site.mirror.scripted[f"/bai-viet/{slugs[1]}.html"] = [Response(200, html, headers={"X-Trace": "a\x00b"})]
    try:
        first, *_more = runs = _three_runs(db_url, site)
    finally:
        site.stop()
    assert [run["status"] for run in runs] == ["success"] * 3, runs
    assert first["crawl"]["pages_fetched"] == first["crawl"]["pages_stored"] == 3
    assert len(query(db_url, "SELECT id FROM raw_pages")) == 3
    (row,) = query(db_url, "SELECT headers FROM raw_pages WHERE url LIKE %s", (f"%{slugs[1]}%",))
    assert row["headers"]["X-Trace"] == ["a\ufffdb"]
    assert query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"] == 3


def test_a_page_the_database_refuses_is_a_fetch_failure_with_its_reason_an_alert_and_fetched_again(
        db_url, tmp_path, portalnews_home):
    slugs = ["tin-thuong-4-604", "tin-bi-tu-choi-5-605"]
    site = HostileSite(tmp_path, "tuchoi").articles_listed(slugs).serve()
    # A real refusal by PostgreSQL for this one page (as a header it cannot store was before the fix).
    query(
        db_url, "ALTER TABLE raw_pages ADD CONSTRAINT refuse_one CHECK (url NOT LIKE %s)", ("%bi-tu-choi%",)
    )
    try:
        first = jobs.run_portal(db_url, site.portal, [site.registry_file])
        failures = query(db_url, "SELECT url, reason FROM fetch_failures")
        query(db_url, "ALTER TABLE raw_pages DROP CONSTRAINT refuse_one")
        _second, third = (jobs.run_portal(db_url, site.portal, [site.registry_file]) for _ in range(2))
    finally:
        site.stop()
    assert first["status"] == "alert" and first["crawl"]["pages_quarantined"] == 1, first
    assert "fetched pages of tuchoi not stored: 1 refused by the database" in first["message"]
    assert [f["url"] for f in failures] == [site.url(f"/bai-viet/{slugs[1]}.html")]
    assert failures[0]["reason"].startswith('database refused the page: new row for relation "raw_pages" '
                                            'violates check constraint "refuse_one"')
    quarantined = (spool_dir() / "quarantine" / "tuchoi.jsonl").read_text(encoding="utf-8")
    assert slugs[1] in quarantined  # the fetched page itself is kept too
    assert third["status"] == "success", third
    assert sorted(r["url"] for r in query(db_url, "SELECT url FROM raw_pages")) == \
        sorted(site.url(f"/bai-viet/{s}.html") for s in slugs)
    assert query(db_url, "SELECT count(*) AS n FROM fetch_failures")[0]["n"] == 0


@pytest.fixture
def stoppable_database():
    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-loss-"))
    pgdata = parent / "data"
    server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    embedded_db.ensure_database(server, "loss")
    url = server.url("loss")
    migrate(url)
    yield (
        url,
        (lambda: embedded_db.stop(pgdata)),
        (lambda: embedded_db.start(pgdata=pgdata, port=server.port)),
    )
    embedded_db.stop(pgdata)
    embedded_db.remove_cluster(pgdata)
    shutil.rmtree(parent, ignore_errors=True)


def test_a_spool_cut_while_the_database_was_down_loses_nothing_over_two_more_runs(
    stoppable_database, tmp_path
):
    url, stop, start = stoppable_database
    slugs = [f"tin-ngat-{n}-{700 + n}" for n in range(1, 13)]
    site = HostileSite(tmp_path, "ngat").articles_listed(slugs).serve()
    # Down before the 3rd article, back before the 9th: the pages between are spooled, the listing's
    # ETag could be saved at the crawl's end (the database is up again then).
    stopped = threading.Event()
    spool = spool_dir() / "ngat.jsonl"

    def start_once_pages_are_spooled():
        stopped.wait(60)
        deadline = time.monotonic() + 60
        while (not spool.exists() or spool.read_bytes().count(b"\n") < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
        start()

    site.mirror.before[f"/bai-viet/{slugs[2]}.html"] = lambda: (stop(), stopped.set())
    site.mirror.before[f"/bai-viet/{slugs[8]}.html"] = start_once_pages_are_spooled
    try:
        first = jobs.crawl(url, site.portal, jobs.start_run(url, site.portal), [site.registry_file],
                           on_line=lambda _line: None)
        assert first["pages_spooled"] >= 2, first
        lines = spool.read_bytes().splitlines(keepends=True)
        # The crash: the first spooled page whole, the second cut before its body ends, the rest gone.
        spool.write_bytes(lines[0] + lines[1][: len(lines[1]) // 2])
        cut = json.loads(lines[1][: lines[1].index(b', "body"')] + b"}")
        later = [jobs.run_portal(url, site.portal, [site.registry_file]) for _ in range(2)]
    finally:
        site.stop()
    # The run that drained the cut spool says so (figures and status); the next one is clean.
    assert later[0]["status"] == "alert" and later[0]["crawl"]["spool_lines_quarantined"] == 1, later[0]
    assert "1 spooled by an earlier run and cut by a crash" in later[0]["message"]
    assert later[1]["status"] == "success", later[1]
    stored = {r["url"] for r in query(url, "SELECT url FROM raw_pages")}
    assert stored == {site.url(f"/bai-viet/{s}.html") for s in slugs}  # 0 lost
    assert query(url, "SELECT count(*) AS n FROM articles")[0]["n"] == len(slugs)
    # The cut line's page was known to be missing (a fetch failure) and fetched again.
    assert cut["url"] in stored and query(url, "SELECT count(*) AS n FROM fetch_failures")[0]["n"] == 0
