"""The distributed deployment, run for real: Redis, Airflow's scheduler with the CeleryExecutor, its API
server and DAG processor, and two Celery workers on this machine, running fixture portals' DAGs.

Redis comes from Debian (`apt-get install redis-server`, done here when missing and running as root).
Each worker runs one task at a time and names itself to Airflow (tests/support/distributed_worker.py), so the
task instances show where they ran. One Airflow home, metadata database and set of services serve
every test of this module.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from portalnews.airflow_env import CRAWL_POOL, airflow_environment
from portalnews.mirror import SiteMirror
from tests.support.database import on_server, query
from tests.support.paths import SITES_DIR

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
PORTALS = {"nukeviet_province": "fx_nukeviet", "tintuc_hcm": "fx_tintuc", "liferay_danang": "fx_liferay"}
WORKERS = ("worker-a", "worker-b")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_server() -> str:
    """Debian's redis-server, installed now if missing (the CI runs as root with apt reachable)."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("redis-server is missing and cannot be installed here (needs root and apt-get): "
                    "apt-get install redis-server")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "redis-server"],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            pytest.skip(
                f"{' '.join(command)} failed, so redis-server could not be installed: {result.stderr[-500:]}"
            )
    return shutil.which("redis-server") or "/usr/bin/redis-server"


@dataclass
class CeleryAirflow:
    root: Path
    env: dict[str, str]
    airflow_db: str
    portalnews_db: str
    mirrors: dict[str, SiteMirror]

    def airflow(self, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["airflow", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, (
            f"airflow {' '.join(args)}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )
        return result

    def metadata(self, sql: str, params=()) -> list[dict]:
        return query(self.airflow_db, sql, params)

    def errors(self) -> str:
        """The end of every service and task log that mentions an error (for a failing test's message)."""
        logs = [*self.root.glob("*.log"), *(self.root / "airflow" / "logs").rglob("*.log")]
        return "\n".join(f"== {p}\n{p.read_text(errors='replace')[-3000:]}" for p in logs
                         if "Traceback" in p.read_text(errors="replace"))


def _start(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def celery_airflow(redis_server, pg_server, tmp_path_factory) -> Iterator[CeleryAirflow]:
    # Not under pytest's basetemp, which a concurrent pytest session may rotate away with the logs.
    root = Path(tempfile.mkdtemp(prefix="portalnews-celery-"))
    suffix = uuid.uuid4().hex[:8]
    databases = (f"airflow_celery_{suffix}", f"portalnews_celery_{suffix}")
    on_server(pg_server, *(f'CREATE DATABASE "{name}"' for name in databases))
    airflow_db, portalnews_db = (
        f"{pg_server}/airflow_celery_{suffix}",
        f"{pg_server}/portalnews_celery_{suffix}",
    )
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
    redis_port, api_port = free_port(), free_port()
    env = airflow_environment(portalnews_db, airflow_db, airflow_home=root / "airflow")
    env.update({
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + airflow_db,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.support.distributed_worker.worker_name",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "PORTALNEWS_REGISTRY": str(registry),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    })
    env.pop("DATABASE_URL", None)
    started: list[subprocess.Popen] = []
    deployment = CeleryAirflow(root, env, airflow_db, portalnews_db, mirrors)
    try:
        started.append(_start([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], env, root / "redis.log"))
        deployment.airflow("db", "migrate", timeout=600)
        # The crawl pool with one slot: two portals' crawls never overlap, whatever the free workers.
        deployment.airflow("pools", "set", CRAWL_POOL, "1", "portal crawls at once")
        for part in (["api-server"], ["scheduler"], ["dag-processor"]):
            started.append(_start(["airflow", *part], env, root / f"{part[0]}.log"))
        for name in WORKERS:
            worker_env = dict(env, PORTALNEWS_TEST_WORKER=name,
                              AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()))
            started.append(_start(["airflow", "celery", "worker", "--celery-hostname", f"{name}@%h",
                                   "--concurrency", "1"], worker_env, root / f"{name}.log"))
        deadline = time.monotonic() + 240
        wanted = {f"portalnews_{portal}" for portal in PORTALS.values()}
        while time.monotonic() < deadline:
            for process in started:
                assert process.poll() is None, f"{process.args} exited: " + "".join(
                    p.read_text(errors="replace")[-1500:] for p in root.glob("*.log"))
            try:
                found = {r["dag_id"] for r in deployment.metadata("SELECT dag_id FROM dag")}
            except psycopg2.Error:
                found = set()
            if wanted <= found:
                break
            time.sleep(2)
        else:
            pytest.fail("the DAG processor did not serve the portal DAGs in time")
        yield deployment
    finally:
        _stop(started)
        shutil.rmtree(root, ignore_errors=True)
        for mirror in mirrors.values():
            mirror.stop()
        on_server(pg_server, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in databases))


def unpause_and_wait(deployment: CeleryAirflow, dag_ids: list[str], timeout: float = 240) -> dict[str, str]:
    """Unpause the DAGs (paused at creation) together: the scheduler starts the latest hourly run of
    each at once. Return each run's final state."""
    for dag_id in dag_ids:
        deployment.airflow("dags", "unpause", dag_id)
    states: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = {r["dag_id"]: r["state"] for r in deployment.metadata(
            "SELECT dag_id, state FROM dag_run WHERE dag_id = ANY(%s)", (dag_ids,))}
        if len(states) == len(dag_ids) and all(s in ("success", "failed") for s in states.values()):
            return states
        time.sleep(3)
    pytest.fail(f"runs not finished in {timeout:.0f} s: {states}\n{deployment.errors()}")


def task_instances(deployment: CeleryAirflow, dag_ids: list[str]) -> list[dict]:
    return deployment.metadata(
        "SELECT dag_id, task_id, state, hostname, start_date, end_date FROM task_instance"
        " WHERE dag_id = ANY(%s) ORDER BY start_date", (dag_ids,))


def test_a_portal_dag_runs_to_success_on_the_celery_workers(celery_airflow):
    dag_id = "portalnews_fx_nukeviet"

    states = unpause_and_wait(celery_airflow, [dag_id])

    assert states == {dag_id: "success"}, celery_airflow.errors()
    tasks = task_instances(celery_airflow, [dag_id])
    assert [t["task_id"] for t in tasks] == ["crawl", "clean", "load", "report"]
    assert {t["state"] for t in tasks} == {"success"}
    assert {t["hostname"] for t in tasks} <= set(WORKERS)
    articles = query(
        celery_airflow.portalnews_db, "SELECT count(*) AS n FROM articles WHERE portal = 'fx_nukeviet'"
    )
    expected = len(list((SITES_DIR / "nukeviet_province" / "expected").glob("*.json")))
    assert articles[0]["n"] == expected


def test_two_portals_at_once_share_both_workers_and_the_crawl_pool_keeps_their_crawls_apart(celery_airflow):
    dag_ids = ["portalnews_fx_tintuc", "portalnews_fx_liferay"]

    states = unpause_and_wait(celery_airflow, dag_ids)

    assert states == dict.fromkeys(dag_ids, "success"), celery_airflow.errors()
    tasks = task_instances(celery_airflow, dag_ids)
    assert {t["hostname"] for t in tasks} == set(WORKERS), "both workers ran tasks"
    crawls = sorted((t for t in tasks if t["task_id"] == "crawl"), key=lambda t: t["start_date"])
    assert len(crawls) >= 2
    # The pool has one slot: each crawl started after the previous one ended.
    assert all(later["start_date"] >= earlier["end_date"] for earlier, later in itertools.pairwise(crawls))
