"""Operators' conventions: `portalnews airflow ARGS...` runs any Airflow CLI command against the
same home and database as `portalnews up`; Vietnam time; DAG tags name the CMS family; the backfill
DAG's trigger form; the health DAG's shape."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from airflow.sdk.exceptions import ParamValidationError

from portalnews import jobs
from portalnews.airflow_tasks import backfill_crawl_options
from portalnews.registry import load_registry
from tests.support.airflow_env import dag_bag as _dag_bag
from tests.support.database import on_server

REPO = Path(__file__).resolve().parents[2]


def test_every_portal_dag_is_tagged_with_its_cms_family_or_unknown_cms():
    bag = _dag_bag()
    assert not bag.import_errors
    for portal in load_registry().values():
        assert set(bag.dags[f"portalnews_{portal.id}"].tags) == {"portalnews", portal.family or "unknown-cms"}


def test_the_backfill_dag_asks_for_portal_since_depth_source_until_and_wait_and_shares_the_crawl_pool():
    bag = _dag_bag()
    dag = bag.dags["portalnews_backfill"]
    assert type(dag.timetable).__name__ == "NullTimetable"  # started by hand, from the trigger form
    params = dag.params.dump()
    assert set(params) == {"portal", "since", "depth", "source", "until", "wait"}
    schema = {name: dag.params.get_param(name).schema for name in params}
    assert set(schema["portal"]["enum"]) == set(load_registry())
    assert schema["since"]["format"] == "date" and schema["depth"]["type"] == "integer"
    assert schema["wait"]["type"] == "number" and schema["wait"]["minimum"] == 0
    assert params["source"] == "portal"  # the portal's own listings unless a web archive's URL is given
    source = re.compile(schema["source"]["pattern"])
    assert (
        source.match("portal") and source.match("https://web.archive.org/web") and not source.match("archive")
    )
    assert params["until"] is None and schema["until"]["format"] == "date"  # empty: captures up to now
    assert [t.task_id for t in dag.topological_sort()] == ["crawl_clean_load", "report"]
    work = dag.get_task("crawl_clean_load")
    assert work.pool == bag.dags["portalnews_danang"].get_task("crawl_clean_load").pool


def test_the_backfill_forms_until_reaches_the_archive_backfill_and_is_checked_as_a_date():
    dag = _dag_bag().dags["portalnews_backfill"]
    form = {"portal": "danang", "since": "2024-01-01", "depth": 10, "wait": 1,
            "source": "https://web.archive.org/web", "until": "2024-06-30"}
    dag.params.validate()  # the defaults are a valid form
    options = backfill_crawl_options(form)
    assert options == {"backfill": True, "since": "2024-01-01", "max_listing_pages": 10,
                       "from_archive": "https://web.archive.org/web", "until": "2024-06-30"}
    inspect.signature(jobs.crawl).bind("db", None, None, **options)  # arguments jobs.crawl takes
    assert "until" not in backfill_crawl_options({**form, "until": None})
    # A live walk of the portal has no capture dates.
    assert "until" not in backfill_crawl_options({**form, "source": "portal"})
    with pytest.raises(ParamValidationError):
        dag.params.get_param("until").resolve("30/06/2024")


def test_the_health_dag_checks_each_portal_in_its_own_task_after_closing_dead_runs():
    dag = _dag_bag().dags["portalnews_health"]
    order = [t.task_id for t in dag.topological_sort()]
    assert order[:2] == ["close_dead_runs", "compute"]
    assert set(order[2:]) == {f"check_{p}" for p in load_registry()}
    assert all(dag.get_task(t).retries == 0 for t in order[2:])  # a verdict, not a transient failure
    assert str(dag.timezone) == "Asia/Ho_Chi_Minh"


@pytest.mark.slow
def test_portalnews_airflow_runs_airflow_commands_on_a_never_migrated_airflow_database(
    pg_server, db_url, tmp_path
):
    on_server(pg_server, "DROP DATABASE IF EXISTS airflow_cli WITH (FORCE)", "CREATE DATABASE airflow_cli")
    home = tmp_path / "home"
    env = dict(os.environ, PORTALNEWS_HOME=str(home), DATABASE_URL=db_url,
               AIRFLOW_DATABASE_URL=f"{pg_server}/airflow_cli")
    for name in [k for k in env if k.startswith("AIRFLOW__") or k == "AIRFLOW_HOME"]:
        env.pop(name)

    def portalnews_airflow(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "portalnews.cli", "airflow", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )

    listed = portalnews_airflow("dags", "list", "--local", "-o", "json")
    assert listed.returncode == 0, listed.stderr[-3000:]
    assert "migration required" not in listed.stdout + listed.stderr
    dag_ids = {
        d["dag_id"]
        for d in json.loads(next(line for line in listed.stdout.splitlines() if line.startswith("[{")))
    }
    assert {"portalnews_health", "portalnews_backfill", "portalnews_danang"} <= dag_ids
    timezone = portalnews_airflow("config", "get-value", "core", "default_timezone")
    assert timezone.stdout.strip().splitlines()[-1] == "Asia/Ho_Chi_Minh"
    plugins = portalnews_airflow("plugins", "-o", "json")
    assert '"portalnews"' in plugins.stdout
    assert not list(home.rglob("*.db")) and not list(tmp_path.glob("*.db"))  # no stray SQLite database
    assert portalnews_airflow("dags", "no-such-command").returncode != 0  # Airflow's own exit code comes back


@pytest.mark.slow
def test_a_scheduled_run_skips_its_crawl_while_a_backfill_holds_the_portal(
    db_url, serve_site, airflow_metadata_url
):
    from portalnews.store.locks import portal_lock
    from tests.support.airflow_env import airflow_test_env
    from tests.support.database import query

    site = serve_site("tintuc_hcm")
    env = airflow_test_env(db_url, airflow_metadata_url, site.registry_file)
    with portal_lock(db_url, site.portal.id):  # what the backfill's crawl holds for its whole length
        result = subprocess.run(["airflow", "dags", "test", f"portalnews_{site.portal.id}"], env=env,
                                capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert "this scheduled run skips its crawl" in output, output[-3000:]
    assert query(db_url, "SELECT count(*) AS n FROM crawl_runs")[0]["n"] == 0
    assert site.article_requests() == []  # nothing was fetched from the portal
