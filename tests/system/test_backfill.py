"""Backfill: walk a portal's archive deeper than a scheduled run does, resume after an interruption,
and wait for a running scheduled crawl of the portal instead of crawling it at the same time."""

from __future__ import annotations

import json
import subprocess
import threading
import time

import pytest

from portalnews import jobs
from portalnews.config import home
from portalnews.store.locks import LOCK_SPACE, PortalStillBusy, portal_lock, wait_for_portal
from tests.support.airflow_env import airflow_test_env
from tests.support.database import query
from tests.support.sites import with_settings as _with_settings


def test_a_scheduled_run_pages_shallowly_and_a_backfill_reaches_the_whole_archive(
    db_url, serve_site, tmp_path
):
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
    assert [r["trigger"] for r in query(db_url, "SELECT trigger FROM crawl_runs ORDER BY id")] == [
        "cli",
        "backfill",
    ]


def test_an_interrupted_backfill_resumes_without_fetching_again_what_it_had_fetched(
    db_url, serve_site, tmp_path
):
    site = serve_site("liferay_danang")
    # Stop the first backfill after a few responses, as a crash or a Ctrl-C would.
    registry, portal = _with_settings(
        site,
        tmp_path,
        "settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_START_DELAY = 0.01, "
        "CLOSESPIDER_PAGECOUNT = 4, CONCURRENT_REQUESTS = 1 }",
    )
    interrupted = jobs.run_portal(db_url, portal, [registry], backfill=True)
    assert interrupted["crawl"]["finish_reason"] == "closespider_pagecount"
    assert (home() / "jobs" / f"{portal.id}-backfill").exists()  # Scrapy's JOBDIR keeps the queue
    first_requests = {
        path for _, path, status in site.mirror.requested() if status == 200 and path != "/robots.txt"
    }
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


def test_waiting_for_a_busy_portal_gives_up_at_its_limit_naming_the_holder(db_url):
    checks: list[str] = []
    with portal_lock(db_url, "hue"):  # what a running crawl of hue holds
        with pytest.raises(
            PortalStillBusy,
            match=r"^another run of hue is crawling, holding it since .+; still so "
            r"after waiting \d+ s \(limit 1 s\): this try stops without crawling$",
        ):
            wait_for_portal(db_url, "hue", limit_seconds=1, poll_seconds=0.3, log=checks.append)
        busy_checks = list(checks)
        wait_for_portal(db_url, "danang", limit_seconds=1, log=checks.append)  # another portal is free
    # A busy portal logs each check, the first at once; a free one is taken at once, logging nothing
    # (how many checks fit in the limit depends on the machine's load, so it is not counted).
    assert busy_checks and all(
        line.startswith(
            "waiting for the running crawl of hue to finish (another run of "
            "hue is crawling, holding it since "
        )
        for line in busy_checks
    )
    assert checks == busy_checks
    wait_for_portal(db_url, "hue", limit_seconds=1, log=checks.append)  # released with the crawl
    assert checks == busy_checks


def _held_locks(db_url: str, portal_id: str) -> int:
    return query(db_url, "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted"
                         " AND classid::int = hashtext(%s) AND objid::int = hashtext(%s)",
                 (LOCK_SPACE, portal_id))[0]["n"]


def _hold_requests_until(mirror, gate: threading.Event) -> None:
    """The portal answers nothing until the gate opens: a crawl of it stays running meanwhile."""
    answer = mirror._resolve

    def held(target, nth_get=1):
        gate.wait(timeout=300)
        return answer(target, nth_get)

    mirror._resolve = held


class _Lines:
    """A process's output, read as it comes."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=lambda: self.lines.extend(process.stdout), daemon=True)
        self.thread.start()

    def wait_for(self, text: str, process: subprocess.Popen, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in list(self.lines)):
            assert process.poll() is None and time.monotonic() < deadline, "".join(self.lines)[-4000:]
            time.sleep(0.2)

    @property
    def text(self) -> str:
        self.thread.join(timeout=30)
        return "".join(self.lines)


@pytest.mark.slow
def test_a_backfill_triggered_while_the_hourly_crawl_runs_waits_for_it_and_never_overlaps(
        db_url, serve_site, airflow_metadata_url, tmp_path):
    site = serve_site("liferay_danang")
    # hourly: the first listing page
    registry, portal = _with_settings(site, tmp_path, "max_listing_pages = 0")
    gate = threading.Event()
    _hold_requests_until(site.mirror, gate)
    env = {**airflow_test_env(db_url, airflow_metadata_url, registry), "PYTHONUNBUFFERED": "1"}
    hourly = subprocess.Popen(["airflow", "dags", "test", f"portalnews_{portal.id}"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    conf = json.dumps({"portal": portal.id, "since": "2000-01-01", "depth": 10, "wait": 10})
    backfill = None
    try:
        hourly_log = _Lines(hourly)
        deadline = time.monotonic() + 240
        while not _held_locks(db_url, portal.id):  # the hourly crawl has started and holds the portal
            assert hourly.poll() is None and time.monotonic() < deadline, hourly_log.text[-4000:]
            time.sleep(0.2)
        backfill = subprocess.Popen(
            ["airflow", "dags", "test", "portalnews_backfill", "-c", conf],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        backfill_log = _Lines(backfill)
        backfill_log.wait_for(
            f"waiting for the running crawl of {portal.id} to finish (another run of {portal.id} "
            "is crawling, holding it since ",
            backfill,
        )
        gate.set()  # the portal answers: the hourly crawl finishes, then the backfill crawls
        hourly.wait(timeout=300)
        backfill.wait(timeout=300)
    finally:
        gate.set()
        for process in (hourly, backfill):
            if process is not None and process.poll() is None:
                process.kill()
    output = backfill_log.text
    assert f"{portal.id} is free after waiting" in output, output[-4000:]

    runs = {r["trigger"]: r for r in query(db_url, "SELECT id, trigger, status, started_at FROM crawl_runs")}
    assert set(runs) == {"airflow", "backfill"}, hourly_log.text[-4000:]
    assert runs["airflow"]["status"] == "success" and runs["backfill"]["status"] == "success", output[-4000:]
    pages = {
        p["crawl_run_id"]: p
        for p in query(
            db_url,
            "SELECT crawl_run_id, min(fetched_at) AS first,"
            " max(fetched_at) AS last FROM raw_pages GROUP BY 1",
        )
    }
    # Every page of the hourly crawl was stored before the backfill's crawl began, which then fetched
    # the older articles behind the listing's further pages.
    assert (
        pages[runs["airflow"]["id"]]["last"]
        < runs["backfill"]["started_at"]
        <= pages[runs["backfill"]["id"]]["first"]
    )
    assert query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"] == len(site.expected)
