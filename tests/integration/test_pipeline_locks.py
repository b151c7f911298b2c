"""The pipeline's locks (issue 17, item 5): readers cannot take them, waits are bounded, and the
one-crawl-per-portal lock survives a database restart (or the crawl stops when another run took it).
Real PostgreSQL servers, restarted for real; a real crawl of a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import psycopg2
import pytest

from portalnews import jobs
from portalnews.cli.database import analyst_url
from portalnews.store import embedded as embedded_db
from portalnews.store.locks import LOCK_SPACE, PortalBusy, portal_lock
from portalnews.store.schema import migrate
from tests.support.database import query
from tests.support.hostile_site import HostileSite

LOCK_CALLS = [
    "SELECT pg_advisory_lock(hashtext('portalnews-crawl'), hashtext('danang'))",
    "SELECT pg_try_advisory_lock(hashtext('portalnews-crawl'), hashtext('danang'))",
    "SELECT pg_advisory_lock_shared(hashtext('portalnews-load:danang'))",
    "SELECT pg_try_advisory_xact_lock(hashtext('portalnews-load:danang'))",
    "SELECT pg_advisory_xact_lock(hashtext('portalnews-story:1'))",
]


@pytest.mark.parametrize("statement", LOCK_CALLS)
def test_the_analyst_cannot_take_the_pipelines_locks(db_url, statement):
    conn = psycopg2.connect(analyst_url(db_url))
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(statement)
    finally:
        conn.close()


@pytest.fixture
def pipeline_login(pipeline_login_url):
    """db_url logged in as a fresh role that is only a member of portalnews_pipeline."""
    return pipeline_login_url[0]


def test_the_pipeline_role_takes_the_crawl_lock_and_a_second_taker_is_told_busy(pipeline_login):
    busy = pytest.raises(PortalBusy, match="another run of danang is crawling")
    with portal_lock(pipeline_login, "danang"), busy, portal_lock(pipeline_login, "danang"):
        pass
    with portal_lock(pipeline_login, "danang"):  # released
        pass


def test_every_lock_wait_in_the_database_is_bounded(db_url):
    assert query(db_url, "SHOW lock_timeout") == [{"lock_timeout": "10min"}]
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SET lock_timeout = '300ms'")  # the database's 10 min, shortened for the test
            with portal_lock(db_url, "danang"), pytest.raises(psycopg2.errors.LockNotAvailable):
                cur.execute("SELECT pg_advisory_lock(hashtext(%s), hashtext('danang'))", (LOCK_SPACE,))
    finally:
        conn.close()


@pytest.fixture
def restartable_server():
    parent = Path(tempfile.mkdtemp(prefix="portalnews-test-locks-"))
    pgdata = parent / "data"
    server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    embedded_db.ensure_database(server, "locks")
    url = server.url("locks")
    migrate(url)

    def restart() -> None:
        embedded_db.stop(pgdata)
        embedded_db.start(pgdata=pgdata, port=server.port)

    yield url, restart
    embedded_db.stop(pgdata)
    embedded_db.remove_cluster(pgdata)
    shutil.rmtree(parent, ignore_errors=True)


def _wait_for(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


def test_the_crawl_lock_is_taken_again_after_a_database_restart(restartable_server):
    url, restart = restartable_server
    with portal_lock(url, "danang", check_every=0.5) as held:
        restart()
        assert _wait_for(lambda: held.retaken == 1)
        with pytest.raises(PortalBusy), portal_lock(url, "danang"):
            pass
        assert not held.lost.is_set()


def test_a_lock_another_run_took_during_a_restart_is_reported_lost(restartable_server):
    url, restart = restartable_server
    stopped: list[str] = []
    with portal_lock(url, "danang", check_every=10) as held:
        held.when_lost(lambda: stopped.append("crawl stopped"))
        restart()
        thief = psycopg2.connect(url)  # right after the restart, before the holder's next check
        with thief.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(hashtext(%s), hashtext('danang'))", (LOCK_SPACE,))
            assert cur.fetchone()[0]
        assert _wait_for(held.lost.is_set, 40)
        thief.close()
    assert stopped == ["crawl stopped"]


def test_a_run_crawling_through_a_database_restart_keeps_the_portal_and_a_second_run_is_refused(
        restartable_server, tmp_path):
    url, restart = restartable_server
    slugs = [f"hoi-nghi-khoi-dong-{n}-{500 + n}" for n in range(1, 11)]
    site = HostileSite(tmp_path, "khoidong").articles_listed(slugs).serve()
    restarted = threading.Event()

    def restart_then_go_on():
        restart()
        restarted.set()

    site.mirror.before[f"/bai-viet/{slugs[2]}.html"] = restart_then_go_on
    for slug in slugs[3:]:  # the crawl goes on for about 10 s after the restart
        site.mirror.before[f"/bai-viet/{slug}.html"] = lambda: time.sleep(3.0)
    first: dict = {}
    runner = threading.Thread(
        target=lambda: first.update(jobs.run_portal(url, site.portal, [site.registry_file]))
    )
    runner.start()
    try:
        assert restarted.wait(120)
        crawl_locks = ("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted"
                       " AND classid::int = hashtext(%s) AND objsubid = 2")
        # the first run took it again
        assert _wait_for(lambda: query(url, crawl_locks, (LOCK_SPACE,))[0]["n"] == 1)
        assert runner.is_alive()
        second = jobs.run_portal(url, site.portal, [site.registry_file])
        assert second["status"] == "failed" and "PortalBusy" in second["message"], second
        runner.join(300)
        assert first["crawl"]["pages_fetched"] == len(slugs), first
        third = jobs.run_portal(url, site.portal, [site.registry_file])  # stores what the first run spooled
        assert third["status"] == "success", third
    finally:
        runner.join(300)
        site.stop()
    fetched = [path for _, path, _ in site.mirror.requested() if path.startswith("/bai-viet/")]
    assert sorted(fetched) == sorted(f"/bai-viet/{slug}.html" for slug in slugs)  # each once, by one run
    assert query(url, "SELECT count(*) AS n FROM raw_pages")[0]["n"] == len(slugs)
