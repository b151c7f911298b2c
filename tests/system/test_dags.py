"""The Airflow side: DAG structure from the registry, and a real `airflow dags test` run of a
portal DAG against a fixture portal, asserting what landed in `articles`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portalnews.airflow_env import CONNECTION_ID, CRAWL_POOL
from portalnews.registry import load_registry
from tests.support.airflow_env import airflow_test_env as _airflow_env
from tests.support.airflow_env import dag_bag as _dag_bag
from tests.support.database import query

REPO = Path(__file__).resolve().parents[2]


def test_there_is_one_dag_per_portal_with_the_pipeline_steps_in_order():
    bag = _dag_bag()
    assert not bag.import_errors
    portals = load_registry()
    assert set(bag.dag_ids) == {f"portalnews_{p}" for p in portals} | {
        "portalnews_health",
        "portalnews_backfill",
    }
    dag = bag.dags["portalnews_danang"]
    assert dag.max_active_runs == 1 and dag.catchup is False
    # The three stages overlap in one task, as in `portalnews run`; the report is the run's verdict.
    assert [t.task_id for t in dag.topological_sort()] == ["crawl_clean_load", "report"]
    work = dag.get_task("crawl_clean_load")
    assert work.pool == CRAWL_POOL and work.retries >= 1 and work.retry_exponential_backoff
    assert [outlet.uri for outlet in work.outlets] == ["portalnews://articles/danang"]
    assert dag.get_task("report").retries == 0  # an alert is not a transient failure
    assert dag.timetable.expression in ("@hourly", "0 * * * *")  # the registry default


@pytest.mark.slow
def test_airflow_dags_test_loads_a_fixture_portal_into_articles(db_url, serve_site, airflow_metadata_url):
    site = serve_site("tintuc_hcm")
    env = _airflow_env(db_url, airflow_metadata_url, site.registry_file)
    assert f"AIRFLOW_CONN_{CONNECTION_ID.upper()}" in env

    result = subprocess.run(["airflow", "dags", "test", f"portalnews_{site.portal.id}"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    output = result.stdout + result.stderr
    # each stage's figures are in the task's log, each page counted once
    n = len(site.expected)
    assert "crawl statistics for" in output
    assert f"clean statistics for {site.portal.id} (airflow): {{'cleaned': {n}, 'failed': 0," in output
    assert f"load statistics for {site.portal.id} (airflow): {{'new': {n}," in output

    rows = query(
        db_url, "SELECT title, published_at, body FROM articles WHERE portal = %s", (site.portal.id,)
    )
    assert len(rows) == len(site.expected)
    runs = query(db_url, "SELECT status, trigger, airflow_run_id, stats FROM crawl_runs")
    assert [(r["status"], r["trigger"]) for r in runs] == [("success", "airflow")]
    assert runs[0]["airflow_run_id"]
    assert (runs[0]["stats"]["clean"]["cleaned"], runs[0]["stats"]["load"]["new"]) == (n, n)

    # The same DAG run again (a retry, a manual re-run) never creates a second row.
    again = subprocess.run(["airflow", "dags", "test", f"portalnews_{site.portal.id}"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout[-4000:]
    assert query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"] == len(site.expected)


@pytest.mark.slow
def test_a_zero_yield_run_fails_the_report_task(db_url, serve_site, airflow_metadata_url):
    site = serve_site("liferay_danang")
    for url in site.portal.start_urls:
        site.mirror.replace(url.removeprefix(site.mirror.origin), "<html><body>Đang bảo trì</body></html>")
    env = _airflow_env(db_url, airflow_metadata_url, site.registry_file)

    result = subprocess.run(["airflow", "dags", "test", f"portalnews_{site.portal.id}"], env=env,
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert "PortalAlert" in output and "zero yield" in output
    assert query(db_url, "SELECT status FROM crawl_runs")[0]["status"] == "alert"


def test_dag_files_import_without_heavy_libraries():
    """Parsing happens often in the dag-processor: the DAG file must not import Scrapy or trafilatura."""
    code = ("import sys, runpy;"
            "[runpy.run_path(f'dags/{name}.py') for name in ('portal_dags', 'portalnews_backfill')];"
            "print(sorted(m for m in ('scrapy', 'trafilatura', 'psycopg2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_failed_try_names_the_stage_that_failed():
    """The three stages share one task: the run's message says which of them raised (jobs.crawl_clean_load
    fills a stage's figures as the stage ends)."""
    from portalnews.airflow_tasks import _failed_stage

    assert _failed_stage({}) == "crawl"
    assert _failed_stage({"crawl": {"pages_fetched": 3}}) == "clean"
    assert _failed_stage({"crawl": {}, "clean": {"cleaned": 3}}) == "load"
