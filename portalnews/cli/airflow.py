"""`portalnews up`: the embedded database and Airflow standalone, stopped cleanly with Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from portalnews.cli.common import registry, registry_files, with_registry


def cmd_up(args) -> int:
    from portalnews.airflow_env import CRAWL_POOL, CRAWL_POOL_SLOTS, airflow_environment
    from portalnews.store import embedded as embedded_db
    from portalnews.store.db import database_url
    from portalnews.store.schema import migrate, register_portals

    portals = list(registry(args).values())
    db_url = database_url()
    migrate(db_url)
    register_portals(db_url, portals)
    airflow_db = os.environ.get("AIRFLOW_DATABASE_URL")
    if not airflow_db:
        server = embedded_db.start()
        embedded_db.ensure_database(server, "airflow")
        airflow_db = server.url("airflow")
    env = airflow_environment(db_url, airflow_db)
    extra = registry_files(args)
    if extra:
        env["PORTALNEWS_REGISTRY"] = os.pathsep.join(str(p.resolve()) for p in extra)
    print(f"portalnews database: {db_url}")
    print(f"Airflow home: {env['AIRFLOW_HOME']}; DAGs: {env['AIRFLOW__CORE__DAGS_FOLDER']}")
    subprocess.run(["airflow", "db", "migrate"], env=env, check=True)
    subprocess.run(["airflow", "pools", "set", CRAWL_POOL, str(CRAWL_POOL_SLOTS),
                    "Concurrent portal crawls (politeness and memory)"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    url = f"http://{env['AIRFLOW__API__HOST']}:{env['AIRFLOW__API__PORT']}"
    print(f"\nStarting Airflow: UI at {url}\n"
          f"Log in as 'admin'; the password is printed below by Airflow on first start and kept in\n"
          f"{env['AIRFLOW_HOME']}/simple_auth_manager_passwords.json.generated\n"
          "DAGs start paused: unpause a portal's DAG (portalnews_<id>) in the UI to schedule it.\n"
          "Stop with Ctrl-C.\n", flush=True)
    # Own process group, stopped with SIGINT: SIGTERM to `airflow standalone` orphans its children.
    # SIGINT is reset to its default in the child: a shell starting us in the background ignores it,
    # and Python would then never turn it into the KeyboardInterrupt that stops standalone cleanly.
    proc = subprocess.Popen(["airflow", "standalone"], env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    threading.Thread(target=_announce_when_ready, args=(url, env["AIRFLOW_HOME"]), daemon=True).start()

    stopping: list[float] = []

    def request_stop(*_):
        if not stopping:
            stopping.append(time.monotonic())
            _signal_group(proc.pid, signal.SIGINT)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    while proc.poll() is None:
        time.sleep(0.5)
        # Escalate when parts hang on shutdown: SIGINT, then SIGTERM after 20 s, SIGKILL after 35 s.
        if stopping and time.monotonic() - stopping[0] > 35:
            _signal_group(proc.pid, signal.SIGKILL)
        elif stopping and time.monotonic() - stopping[0] > 20:
            _signal_group(proc.pid, signal.SIGTERM)
    # Children left behind by standalone (LocalExecutor workers) are still in its process group.
    _signal_group(proc.pid, signal.SIGTERM)
    time.sleep(1)
    _signal_group(proc.pid, signal.SIGKILL)
    print("portalnews: Airflow stopped; the embedded database keeps running (portalnews db stop)")
    return 0


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _announce_when_ready(url: str, airflow_home: str, timeout: float = 300) -> None:
    """Once the UI answers, say where to log in (Airflow's own banner scrolls away in the logs)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(2)
    else:
        return
    password_file = Path(airflow_home) / "simple_auth_manager_passwords.json.generated"
    password = "(see Airflow's output above)"
    if password_file.exists():
        password = json.loads(password_file.read_text()).get("admin", password)
    print(f"\n*** portalnews: Airflow is up at {url} — log in as admin / {password} ***\n", flush=True)


def add_commands(sub) -> None:
    p = with_registry(sub.add_parser("up", help="embedded PostgreSQL + Airflow standalone"))
    p.set_defaults(func=cmd_up)
