"""`portalnews up` (what `make run` calls): embedded PostgreSQL + Airflow on 127.0.0.1, a real
scheduler and LocalExecutor running a portal DAG end to end, and a clean stop of every part."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from portalnews.store import embedded as embedded_db
from tests.support.airflow_env import airflow_api
from tests.support.database import query
from tests.support.docs import DOCUMENTS


def documented_backfill_trigger() -> str:
    """The docs' `portalnews airflow dags trigger portalnews_backfill ...` example, as written."""
    for line in "\n".join(p.read_text(encoding="utf-8") for p in DOCUMENTS).splitlines():
        found = re.search(r"`(portalnews airflow dags trigger portalnews_backfill [^`]+)`", line)
        if found:
            return found[1]
    raise AssertionError("no `portalnews airflow dags trigger portalnews_backfill` example in the docs")


def _finished_runs(base: str, dag_id: str, token: str, timeout: float = 200) -> set[str]:
    """The states of the DAG's runs once none is queued or running (or at the timeout)."""
    states: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            runs = airflow_api(base, f"/api/v2/dags/{dag_id}/dagRuns", token)["dag_runs"]
            states = [r["state"] for r in runs]
        except TimeoutError:  # an API server slowed by a busy machine: ask again
            continue
        if states and all(s in ("success", "failed") for s in states):
            break
        time.sleep(2)
    return set(states)


def _airflow_processes(home: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if "airflow" in " ".join(proc.info["cmdline"] or []) and proc.environ().get(
                "AIRFLOW_HOME"
            ) == str(home):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


@pytest.mark.slow
def test_up_serves_the_ui_on_loopback_runs_a_triggered_dag_and_stops_cleanly(serve_site):
    site = serve_site("tintuc_hcm")
    # Outside pytest's basetemp: as root the embedded server runs as another user (see conftest).
    home = Path(tempfile.mkdtemp(prefix="portalnews-up-"))
    api_port, db_port = embedded_db._free_port(), embedded_db._free_port()
    env = dict(os.environ, PORTALNEWS_HOME=str(home), PORTALNEWS_DB_PORT=str(db_port),
               AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True")
    env.pop("DATABASE_URL", None)
    env.pop("AIRFLOW__API__PORT", None)
    log = (home / "up.log").open("w")
    up = subprocess.Popen([sys.executable, "-m", "portalnews.cli", "up", "--port", str(api_port),
                           "--registry", str(site.registry_file)],
                          env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.monotonic() + 240
        while "Airflow is up" not in (home / "up.log").read_text() and time.monotonic() < deadline:
            assert up.poll() is None, (home / "up.log").read_text()[-3000:]
            time.sleep(1)
        banner = next(line for line in (home / "up.log").read_text().splitlines() if "Airflow is up" in line)
        assert f"127.0.0.1:{api_port}" in banner
        password = banner.split("admin / ")[1].split()[0]
        listening = {
            c.laddr
            for c in psutil.net_connections("tcp")
            if c.status == "LISTEN" and c.laddr.port == api_port
        }
        assert {addr.ip for addr in listening} == {"127.0.0.1"}  # the UI is not exposed beyond loopback

        login = {"username": "admin", "password": password}
        token = airflow_api(base, "/auth/token", method="POST", body=login)[
            "access_token"
        ]
        dag_id = f"portalnews_{site.portal.id}"
        dags = {d["dag_id"]: d for d in airflow_api(base, "/api/v2/dags?limit=100", token)["dags"]}
        assert {f"portalnews_{p}" for p in ("hanoi", "hcm", "danang", "cantho", "hue", "haiphong")} < set(
            dags
        )
        assert dags[dag_id]["is_paused"]
        # The operators' tools run when triggered: the backfill by the docs' own command (for this portal).
        assert not dags["portalnews_backfill"]["is_paused"] and not dags["portalnews_health"]["is_paused"]
        airflow_api(base, f"/api/v2/dags/{dag_id}", token, "PATCH", {"is_paused": False})
        airflow_api(base, f"/api/v2/dags/{dag_id}/dagRuns", token, "POST", {"logical_date": None})
        assert _finished_runs(base, dag_id, token) == {"success"}
        db_url = embedded_db.running_server(home / "pgdata").url("portalnews")
        assert query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"] == len(site.expected)

        trigger = shlex.split(documented_backfill_trigger().replace('"danang"', f'"{site.portal.id}"'))
        assert trigger[:2] == ["portalnews", "airflow"]
        triggered = subprocess.run([sys.executable, "-m", "portalnews.cli", *trigger[1:]], env=env,
                                   capture_output=True, text=True, timeout=180)
        assert triggered.returncode == 0, triggered.stderr[-2000:]
        assert _finished_runs(base, "portalnews_backfill", token) == {"success"}
        assert query(db_url, "SELECT status FROM crawl_runs WHERE trigger = 'backfill'") == [
            {"status": "success"}
        ]
        # Least privilege: Airflow's parts log in to their database as `airflow`, its tasks reach the
        # portalnews database as `portalnews_crawler`; neither is a superuser.
        sessions = query(db_url, "SELECT DISTINCT usename, rolsuper FROM pg_stat_activity JOIN pg_roles"
                                 " ON rolname = usename WHERE datname = 'airflow'")
        assert sessions == [{"usename": "airflow", "rolsuper": False}]
        task_logins = {urlsplit(proc.environ()["AIRFLOW_CONN_PORTALNEWS_DB"]).username
                       for proc in _airflow_processes(home / "airflow")}
        assert task_logins == {"portalnews_crawler"}
        # Quiet console: Airflow's output (one line per HTTP request among it) is in files; the login line
        # is the last thing `portalnews up` printed.
        console = (home / "up.log").read_text()
        assert console.splitlines()[-1] == banner and "/api/v2/dags" not in console
        access_log = (home / "airflow" / "logs" / "portalnews-up" / "api-server.log").read_text()
        assert f"method=GET path=/api/v2/dags/{dag_id}/dagRuns" in access_log
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            code = up.wait(timeout=90)
        finally:
            log.close()
        leftovers = _airflow_processes(home / "airflow")  # Airflow's home, as `portalnews up` sets it
        for proc in leftovers:
            proc.kill()
        embedded_db.stop(home / "pgdata")
        embedded_db.remove_cluster(home / "pgdata")  # as root it lives outside the 0700 home
        shutil.rmtree(home, ignore_errors=True)
    assert code == 0
    assert leftovers == []
