"""The distributed deployment, run for real: Redis, Airflow's scheduler with the CeleryExecutor, its API
server and DAG processor, and two Celery workers on this machine, running fixture portals' DAGs.

Redis comes from Debian (`apt-get install redis-server`, done here when missing and running as root).
Each worker runs one task at a time and names itself to Airflow (tests/support/distributed_worker.py), so the
task instances show where they ran. One Airflow home, metadata database and set of services serve
every test of this module; the services are started by tests/support/celery_airflow.py (which
bench/throughput.py's Celery contender uses too).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from portalnews.mirror import SiteMirror
from tests.support.celery_airflow import CeleryAirflow, RedisUnavailable
from tests.support.celery_airflow import celery_airflow as deployment
from tests.support.celery_airflow import redis_server as find_redis_server
from tests.support.database import on_server, query
from tests.support.paths import SITES_DIR

pytestmark = pytest.mark.slow
PORTALS = {"nukeviet_province": "fx_nukeviet", "tintuc_hcm": "fx_tintuc", "liferay_danang": "fx_liferay"}
WORKERS = ("worker-a", "worker-b")


@pytest.fixture(scope="module")
def redis_server() -> str:
    try:
        return find_redis_server()
    except RedisUnavailable as missing:
        pytest.skip(str(missing))


@pytest.fixture(scope="module")
def celery_airflow(redis_server, pg_server, tmp_path_factory) -> Iterator[CeleryAirflow]:
    # Not under pytest's basetemp, which a concurrent pytest session may rotate away with the logs.
    root = Path(tempfile.mkdtemp(prefix="portalnews-celery-"))
    suffix = uuid.uuid4().hex[:8]
    databases = (f"airflow_celery_{suffix}", f"portalnews_celery_{suffix}")
    on_server(pg_server, *(f'CREATE DATABASE "{name}"' for name in databases))
    airflow_db, portalnews_db = (f"{pg_server}/{name}" for name in databases)
    subprocess.run(
        [sys.executable, "-m", "portalnews.cli", "db", "migrate"],
        env=dict(os.environ, DATABASE_URL=portalnews_db),
        check=True,
        capture_output=True,
        timeout=300,
    )
    mirrors = {name: SiteMirror(SITES_DIR / name).start() for name in PORTALS}
    registry = root / "registry.toml"
    registry.write_text("\n".join(m.registry_text() for m in mirrors.values()), encoding="utf-8")
    try:
        with deployment(
            root, registry, airflow_db, portalnews_db, {f"portalnews_{p}" for p in PORTALS.values()},
            workers=WORKERS,
            # Runs start and tasks follow one another sooner than an operator needs.
            extra_env={"AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
                       "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5"},
        ) as running:
            yield running
    finally:
        shutil.rmtree(root, ignore_errors=True)
        for mirror in mirrors.values():
            mirror.stop()
        on_server(pg_server, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in databases))


def test_a_portal_dag_runs_to_success_on_the_celery_workers(celery_airflow):
    dag_id = "portalnews_fx_nukeviet"

    states = celery_airflow.unpause_and_wait([dag_id])

    assert states == {dag_id: "success"}, celery_airflow.errors()
    tasks = celery_airflow.task_instances([dag_id])
    assert [t["task_id"] for t in tasks] == ["crawl_clean_load", "report"]
    assert {t["state"] for t in tasks} == {"success"}
    assert {t["hostname"] for t in tasks} <= set(WORKERS)
    articles = query(
        celery_airflow.portalnews_db, "SELECT count(*) AS n FROM articles WHERE portal = 'fx_nukeviet'"
    )
    expected = len(list((SITES_DIR / "nukeviet_province" / "expected").glob("*.json")))
    assert articles[0]["n"] == expected


def test_two_portals_at_once_share_both_workers_and_the_crawl_pool_keeps_their_crawls_apart(celery_airflow):
    dag_ids = ["portalnews_fx_tintuc", "portalnews_fx_liferay"]

    states = celery_airflow.unpause_and_wait(dag_ids)

    assert states == dict.fromkeys(dag_ids, "success"), celery_airflow.errors()
    tasks = celery_airflow.task_instances(dag_ids)
    assert {t["hostname"] for t in tasks} == set(WORKERS), "both workers ran tasks"
    crawls = sorted((t for t in tasks if t["task_id"] == "crawl_clean_load"), key=lambda t: t["start_date"])
    assert len(crawls) >= 2
    # The pool has one slot: each crawl started after the previous one ended.
    assert all(later["start_date"] >= earlier["end_date"] for earlier, later in itertools.pairwise(crawls))
