"""Environment for running Airflow locally on the embedded database (`portalnews up`, tests)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from portalnews.config import DB_CONNECTION_ID, dags_folder, home

CONNECTION_ID = DB_CONNECTION_ID
CRAWL_POOL = "portal_crawl"
CRAWL_POOL_SLOTS = 2
TIMEZONE = "Asia/Ho_Chi_Minh"
GRAPHVIZ_WARNING = "ignore:Could not import graphviz:UserWarning"
# Airflow's own processes take CPU from the portal runs on a small machine, and its hand-overs time from a
# DAG run: settings that cut them without an operator noticing, for `portalnews up` and (the same values)
# docker-compose.yml, which tests/system/test_compose.py checks; why each, with figures:
# docs/operators.md#airflows-own-cpu.
LEAN_SETTINGS = {
    # Every DAG file was parsed again every 30 s: 3 % of a core, half of Airflow's CPU when idle. An edited
    # DAG file is still parsed at once (its mtime is watched); an edited registry shows within 2 minutes.
    "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "120",
    # A task's supervisor waits up to this long between looks at its task process: when the process closes
    # its sockets just before it can be reaped (often), its executor slot stays taken 5 s after the task
    # ended, and the report task waited for a slot. 1 s; a heartbeat a second per running task is cheap.
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
}


def airflow_url(server_url_for_airflow_db: str) -> str:
    """SQLAlchemy URL for Airflow's metadata database (psycopg2 driver)."""
    return server_url_for_airflow_db.replace("postgresql://", "postgresql+psycopg2://", 1)


def api_address(port: int | None = None) -> tuple[str, int]:
    """Where the API server (the UI) listens: `port` (`portalnews up --port`), else AIRFLOW__API__PORT, else
    8080; on AIRFLOW__API__HOST, else 127.0.0.1."""
    return (os.environ.get("AIRFLOW__API__HOST", "127.0.0.1"),
            port or int(os.environ.get("AIRFLOW__API__PORT", "8080")))


def airflow_environment(portalnews_db_url: str, airflow_db_url: str, airflow_home: Path | None = None,
                        api_port: int | None = None) -> dict[str, str]:
    airflow_home = airflow_home or home() / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    venv_bin = str(Path(sys.executable).parent)
    env = dict(os.environ)
    api_host, api_port = api_address(api_port)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder()),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            # A 2-core machine: 3 task processes (the 2 crawls the portal_crawl pool allows, and one more
            # step), not LocalExecutor's default 32 (each a forked worker of ~150 MiB RSS kept for the
            # scheduler's life), and one DAG-parsing process, not 2 (bench/idle_memory.py).
            "AIRFLOW__CORE__PARALLELISM": os.environ.get("AIRFLOW__CORE__PARALLELISM", "3"),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": os.environ.get(
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES", "1"
            ),
            # Schedules, task logs and the default of naive dates in Vietnam time, as analysts' SQL sessions.
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": os.environ.get("AIRFLOW__CORE__DEFAULT_TIMEZONE", TIMEZONE),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": os.environ.get(
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "True"
            ),
            **{name: os.environ.get(name, value) for name, value in LEAN_SETTINGS.items()},
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": airflow_url(airflow_db_url),
            "AIRFLOW__API__HOST": api_host,
            "AIRFLOW__API__PORT": str(api_port),
            # Task processes report to the API server: follow its port (Airflow's default assumes 8080).
            "AIRFLOW__API__BASE_URL": f"http://{api_host}:{api_port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{api_host}:{api_port}/execution/",
            f"AIRFLOW_CONN_{CONNECTION_ID.upper()}": portalnews_db_url,
            # Airflow's CLI warns on every command that graphviz (only `airflow dags show` renders with it) is
            # missing; that is not the operator's concern.
            "PYTHONWARNINGS": ",".join(filter(None, [env.get("PYTHONWARNINGS"), GRAPHVIZ_WARNING])),
            # `airflow standalone` starts its parts as `airflow ...` subprocesses: they must be on PATH.
            "PATH": venv_bin + os.pathsep + env.get("PATH", ""),
        }
    )
    return env
