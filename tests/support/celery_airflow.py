"""Airflow's distributed deployment on this machine: Redis (Debian's redis-server), the scheduler with the
CeleryExecutor, its API server and DAG processor, and Celery workers, as docker-compose.yml runs them.

Shared by tests/system/test_distributed.py and bench/throughput.py (the Celery contender). Each worker names
itself to Airflow (tests/support/distributed_worker.py), so the task instances show where they ran.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

from portalnews.airflow_env import CRAWL_POOL, airflow_environment
from tests.support.database import query
from tests.support.paths import REPO


class RedisUnavailable(RuntimeError):
    """redis-server is missing and cannot be installed here."""


def redis_server() -> str:
    """Debian's redis-server, installed now if missing (the CI runs as root with apt reachable)."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RedisUnavailable("redis-server is missing and cannot be installed here (needs root and "
                               "apt-get): apt-get install redis-server")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "redis-server"],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise RedisUnavailable(f"{' '.join(command)} failed, so redis-server could not be installed: "
                                   f"{result.stderr[-500:]}")
    return shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CeleryAirflow:
    root: Path
    env: dict[str, str]
    airflow_db: str
    portalnews_db: str
    processes: list[subprocess.Popen] = field(default_factory=list)  # Redis and Airflow's parts

    def airflow(self, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["airflow", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode:
            raise RuntimeError(f"airflow {' '.join(args)}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        return result

    def metadata(self, sql: str, params=()) -> list[dict]:
        return query(self.airflow_db, sql, params)

    def errors(self) -> str:
        """The end of every service and task log that mentions an error (for a failing test's message)."""
        logs = [*self.root.glob("*.log"), *(self.root / "airflow" / "logs").rglob("*.log")]
        return "\n".join(f"== {p}\n{p.read_text(errors='replace')[-3000:]}" for p in logs
                         if "Traceback" in p.read_text(errors="replace"))

    def unpause_and_wait(self, dag_ids: list[str], timeout: float = 240) -> dict[str, str]:
        """Unpause the DAGs (paused at creation) together: the scheduler starts the latest hourly run of
        each at once. Return each run's final state; TimeoutError past `timeout`."""
        for dag_id in dag_ids:
            self.airflow("dags", "unpause", dag_id)
        states: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = {r["dag_id"]: r["state"] for r in self.metadata(
                "SELECT dag_id, state FROM dag_run WHERE dag_id = ANY(%s)", (dag_ids,))}
            if len(states) == len(dag_ids) and all(s in ("success", "failed") for s in states.values()):
                return states
            time.sleep(1)
        raise TimeoutError(f"runs not finished in {timeout:.0f} s: {states}\n{self.errors()}")

    def task_instances(self, dag_ids: list[str]) -> list[dict]:
        return self.metadata(
            "SELECT dag_id, task_id, state, hostname, start_date, end_date, duration FROM task_instance"
            " WHERE dag_id = ANY(%s) ORDER BY start_date", (dag_ids,))


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


def _wait_for_the_api(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=10).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Airflow's API server did not answer at {url}") from None
            time.sleep(1)


@contextmanager
def celery_airflow(root: Path, registry: Path, airflow_db: str, portalnews_db: str, wanted_dags: set[str],
                   workers: tuple[str, ...] = ("worker-a", "worker-b"), concurrency: int = 1,
                   extra_env: dict | None = None, timeout: float = 240) -> Iterator[CeleryAirflow]:
    """Redis, Airflow's API server, scheduler (CeleryExecutor) and DAG processor, and one Celery worker
    per name in `workers` (`concurrency` tasks at a time each), over the empty `airflow_db` and the migrated
    `portalnews_db`, with `registry`'s portals; yielded once `wanted_dags` are parsed, all stopped after.
    Logs in `root`."""
    redis_port, api_port = free_port(), free_port()
    env = airflow_environment(portalnews_db, airflow_db, airflow_home=root / "airflow")
    env.update({
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + airflow_db,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(concurrency),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.support.distributed_worker.worker_name",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "PORTALNEWS_REGISTRY": str(registry),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        **(extra_env or {}),
    })
    env.pop("DATABASE_URL", None)
    deployment = CeleryAirflow(root, env, airflow_db, portalnews_db)
    started = deployment.processes
    try:
        started.append(_start([redis_server(), "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], env, root / "redis.log"))
        deployment.airflow("db", "migrate", timeout=600)
        # The crawl pool with one slot: two portals' crawls never overlap, whatever the free workers.
        deployment.airflow("pools", "set", CRAWL_POOL, "1", "portal crawls at once")
        # The other parts once the API server answers: a task started before it does fails on the
        # execution API's calls (its first health-DAG tasks did on a loaded machine, as in `portalnews up`).
        started.append(_start(["airflow", "api-server"], env, root / "api-server.log"))
        _wait_for_the_api(f"http://127.0.0.1:{api_port}/api/v2/version", started[-1], timeout)
        for part in (["scheduler"], ["dag-processor"]):
            started.append(_start(["airflow", *part], env, root / f"{part[0]}.log"))
        for name in workers:
            worker_env = dict(env, PORTALNEWS_TEST_WORKER=name,
                              AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()))
            started.append(_start(["airflow", "celery", "worker", "--celery-hostname", f"{name}@%h",
                                   "--concurrency", str(concurrency)], worker_env, root / f"{name}.log"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in started:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args} exited: " + "".join(
                        p.read_text(errors="replace")[-1500:] for p in root.glob("*.log")))
            try:
                found = {r["dag_id"] for r in deployment.metadata("SELECT dag_id FROM dag")}
            except psycopg2.Error:
                found = set()
            if wanted_dags <= found:
                break
            time.sleep(2)
        else:
            raise TimeoutError("the DAG processor did not serve the portal DAGs in time")
        yield deployment
    finally:
        _stop(started)
