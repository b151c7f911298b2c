"""crawl_runs: one row per run across an Airflow run's retries, and runs whose process died are
closed as failed (with the reason) by the portal's next run or the health DAG."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import psycopg2
import pytest

from portalnews import jobs
from portalnews.registry import Portal
from portalnews.store.schema import MIGRATIONS_DIR, migrate
from tests.support.database import query

DANANG = Portal(id="danang", name="Đà Nẵng", base_url="https://danang.dcs.vn/",
                start_urls=("https://danang.dcs.vn/",), article_url_pattern=r"chi-tiet")


def test_every_try_of_an_airflow_run_reuses_its_row(db_url):
    first = jobs.start_run(db_url, DANANG, trigger="airflow", airflow_run_id="scheduled__2026-11-27T05:00")
    jobs.finish_run(db_url, DANANG, first, {}, error="crawl: CrawlError: exited with 1")
    retry = jobs.start_run(db_url, DANANG, trigger="airflow", airflow_run_id="scheduled__2026-11-27T05:00")

    assert retry == first
    (row,) = query(db_url, "SELECT status, attempts, message, finished_at FROM crawl_runs")
    assert (row["status"], row["attempts"], row["message"], row["finished_at"]) == ("running", 2, None, None)
    other = jobs.start_run(db_url, DANANG, trigger="airflow", airflow_run_id="scheduled__2026-11-27T06:00")
    assert other != first and len(query(db_url, "SELECT id FROM crawl_runs")) == 2


def _start_run_in_a_process(db_url: str, airflow_run_id: str) -> subprocess.Popen:
    """A task process that opens its run and then hangs (until the test kills it)."""
    code = textwrap.dedent(f"""
        import sys, time
        from portalnews import jobs
        from tests.integration.test_crawl_runs import DANANG
        jobs.start_run({db_url!r}, DANANG, trigger="airflow", airflow_run_id={airflow_run_id!r})
        print("started", flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    return proc


def test_the_next_run_closes_a_run_whose_task_was_killed_and_leaves_a_live_one_alone(db_url):
    killed = _start_run_in_a_process(db_url, "manual__killed")
    alive = _start_run_in_a_process(db_url, "manual__alive")
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        jobs.start_run(db_url, DANANG, trigger="airflow", airflow_run_id="scheduled__next")
        rows = {r["airflow_run_id"]: r for r in query(db_url, "SELECT * FROM crawl_runs")}
    finally:
        alive.kill()
        alive.wait()
    assert rows["manual__killed"]["status"] == "failed"
    assert f"pid {killed.pid}" in rows["manual__killed"]["message"]
    assert "died" in rows["manual__killed"]["message"]
    assert rows["manual__killed"]["finished_at"] is not None
    assert rows["manual__alive"]["status"] == "running"
    assert rows["scheduled__next"]["status"] == "running"


def test_a_run_on_another_machine_is_closed_only_once_it_is_older_than_any_run_can_be(db_url):
    run_id = jobs.start_run(db_url, DANANG, trigger="airflow", airflow_run_id="scheduled__elsewhere")
    query(
        db_url,
        "UPDATE crawl_runs SET owner_host = 'worker-7', owner_pid = 1, "
        "heartbeat_at = now() - interval '1 hour'",
    )
    assert jobs.close_dead_runs(db_url) == []

    query(db_url, "UPDATE crawl_runs SET heartbeat_at = now() - interval '7 hours'")
    (closed,) = jobs.close_dead_runs(db_url)
    assert closed["id"] == run_id and "no progress since" in closed["message"]
    assert query(db_url, "SELECT status FROM crawl_runs")[0]["status"] == "failed"


def test_a_run_between_two_dag_tasks_is_not_closed(db_url):
    run_id = jobs.start_run(db_url, DANANG, trigger="airflow", airflow_run_id="scheduled__between")
    from portalnews.store.runs import release_run

    release_run(db_url, run_id)  # crawl done; clean not started yet
    assert jobs.close_dead_runs(db_url) == []


def test_the_migration_folds_the_rows_earlier_versions_opened_per_try(make_database):
    url = make_database(migrated=False)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute((MIGRATIONS_DIR / "0001_initial.sql").read_text(encoding="utf-8"))
        cur.execute(
            "CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz DEFAULT now())"
        )
        cur.execute("INSERT INTO schema_migrations (name) VALUES ('0001_initial.sql')")
        cur.execute("INSERT INTO portals VALUES ('danang', 'Đà Nẵng', 'https://danang.dcs.vn/')")
        cur.execute("INSERT INTO crawl_runs (portal, trigger, airflow_run_id, status, message) VALUES"
                    " ('danang', 'airflow', 'scheduled__a', 'failed', 'crawl: CrawlError'),"
                    " ('danang', 'airflow', 'scheduled__a', 'running', NULL),"
                    " ('danang', 'airflow', 'scheduled__a', 'success', NULL),"
                    " ('danang', 'airflow', 'scheduled__b', 'success', NULL)")
    conn.close()

    migrate(url)

    rows = query(url, "SELECT airflow_run_id, status, attempts, message FROM crawl_runs ORDER BY id")
    assert [(r["airflow_run_id"], r["status"], r["attempts"]) for r in rows] == [
        (None, "failed", 1),
        (None, "failed", 1),
        ("scheduled__a", "success", 3),
        ("scheduled__b", "success", 1),
    ]
    assert "earlier try of Airflow run scheduled__a" in rows[1]["message"]
    with pytest.raises(psycopg2.errors.UniqueViolation):
        query(url, "INSERT INTO crawl_runs (portal, airflow_run_id) VALUES ('danang', 'scheduled__b')")
