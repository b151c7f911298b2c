"""`portalnews up` started by a benchmark in a throw-away home, and calls to Airflow's REST API."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from portalnews.store import embedded as embedded_db
from tests.support.airflow_env import airflow_api


@dataclass
class RunningAirflow:
    base: str  # the API's URL
    token: str
    process: subprocess.Popen  # `portalnews up`, the parent of every Airflow process

    def api(self, path: str, method: str = "GET", body: dict | None = None) -> dict:
        return airflow_api(self.base, path, self.token, method, body)

    def wait_for_dags(self, wanted: list[str]) -> None:
        while not set(wanted) <= {d["dag_id"] for d in self.api("/api/v2/dags?limit=1000")["dags"]}:
            time.sleep(2)


@contextmanager
def airflow_up(registry: Path, home: Path, env: dict[str, str], api_port: int,
               timeout: float = 300) -> Iterator[RunningAirflow]:
    """`portalnews up --registry REGISTRY` with PORTALNEWS_HOME=home (its embedded server holds Airflow's
    metadata, and the pipeline's data unless env has DATABASE_URL), logged in as admin; everything
    stopped and the home's server removed afterwards. DAGs stay paused until the caller unpauses them."""
    env = dict(env, PORTALNEWS_HOME=str(home), AIRFLOW__API__PORT=str(api_port),
               AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True")
    log_path = home / "up.log"
    home.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    up = subprocess.Popen(
        [sys.executable, "-m", "portalnews.cli", "up", "--registry", str(registry)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.monotonic() + timeout
        while "Airflow is up" not in log_path.read_text() and time.monotonic() < deadline:
            if up.poll() is not None:
                sys.exit(log_path.read_text()[-3000:])
            time.sleep(1)
        banner = next(line for line in log_path.read_text().splitlines() if "Airflow is up" in line)
        password = banner.split("admin / ")[1].split()[0]
        token = airflow_api(base, "/auth/token", method="POST",
                            body={"username": "admin", "password": password})["access_token"]
        yield RunningAirflow(base, token, up)
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(timeout=120)
        finally:
            log.close()
            embedded_db.stop(home / "pgdata")
            embedded_db.remove_cluster(home / "pgdata")  # as root it may live in /var/lib/portalnews
