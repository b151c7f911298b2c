"""`portalnews up`: the embedded database and Airflow (scheduler, DAG processor, API server, triggerer), stopped cleanly with Ctrl-C;
`portalnews airflow ARGS...`: any Airflow CLI command against the same Airflow home and database."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from portalnews import config
from portalnews.cli.common import registry, registry_files, with_registry


def _environment(args) -> tuple[dict[str, str], str]:
    """The environment `portalnews up` runs Airflow in (home, metadata database, connections)."""
    from portalnews.airflow_env import airflow_environment
    from portalnews.store import embedded as embedded_db
    from portalnews.store import embedded_roles
    from portalnews.store.db import database_url

    db_url = database_url()  # the pipeline's login (Airflow's tasks get it as the portalnews_db Connection)
    airflow_db = config.airflow_database_url()
    if not airflow_db:
        airflow_db = embedded_roles.airflow_url(embedded_db.start())  # owned by `airflow`, no superuser
    env = airflow_environment(db_url, airflow_db)
    extra = registry_files(args)
    if extra:
        env["PORTALNEWS_REGISTRY"] = os.pathsep.join(str(p.resolve()) for p in extra)
    return env, db_url


def cmd_airflow(args) -> int:
    """Run an Airflow CLI command with `portalnews up`'s settings; migrate Airflow's database first
    if it has never been (a bare `airflow` there says "Database migration required")."""
    import psycopg2

    env, _db_url = _environment(args)
    sql_url = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2://", "postgresql://", 1)
    with psycopg2.connect(sql_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass('alembic_version') IS NOT NULL")
        migrated = cur.fetchone()[0]
    conn.close()
    if not migrated:
        subprocess.run(["airflow", "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    command = list(args.airflow_args)
    if command[:1] == ["--"]:
        command = command[1:]
    return subprocess.run(["airflow", *command], env=env).returncode


def cmd_up(args) -> int:
    from portalnews.airflow_env import CRAWL_POOL, CRAWL_POOL_SLOTS
    from portalnews.store.db import admin_database_url
    from portalnews.store.schema import migrate, register_portals

    portals = list(registry(args).values())
    env, db_url = _environment(args)
    migrate(admin_database_url())
    register_portals(db_url, portals)
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
    # Airflow's parts as `airflow standalone` runs them, without standalone itself and the two log
    # servers it starts (on one machine task logs are read from files; those servers also bound every
    # interface): 0.8 GiB less RSS idle on a 2-core machine (bench/idle_memory.py).
    # All in one process group, stopped together. SIGINT is reset to its default in the children: a
    # shell starting us in the background ignores it, and Airflow would then never see Ctrl-C.
    # umask 077: what Airflow writes (the generated admin password file, logs) is the user's alone.
    group: list[int] = []

    def start(command: list[str]) -> subprocess.Popen:
        def prepare():
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.umask(0o077)
            os.setpgid(0, group[0] if group else 0)

        proc = subprocess.Popen(["airflow", *command], env=env, preexec_fn=prepare)
        group[:] = group or [proc.pid]
        return proc

    parts = {name: start(command) for name, command in AIRFLOW_PARTS}
    threading.Thread(target=_announce_when_ready, args=(url, env["AIRFLOW_HOME"]), daemon=True).start()

    stopping: list[float] = []

    def request_stop(*_):
        if not stopping:
            stopping.append(time.monotonic())
            _signal_group(group[0], signal.SIGINT)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    failed = False
    while any(proc.poll() is None for proc in parts.values()):
        time.sleep(0.25)
        if not stopping and any(proc.poll() is not None for proc in parts.values()):
            died = [name for name, proc in parts.items() if proc.poll() is not None]
            print(f"portalnews: Airflow's {', '.join(died)} stopped; stopping the other parts", flush=True)
            failed = True
            request_stop()
        # Some parts hang on SIGINT (the SIGTERM escalation used to finish the job after 20 s): SIGTERM
        # the whole group after 1.5 s, SIGKILL after 4 s, so Ctrl-C ends everything within 5 s.
        # A task killed this way leaves its crawl_runs row to be closed by the next run.
        if stopping and time.monotonic() - stopping[0] > 4:
            _signal_group(group[0], signal.SIGKILL)
        elif stopping and time.monotonic() - stopping[0] > 1.5:
            _signal_group(group[0], signal.SIGTERM)
    # Children left behind (LocalExecutor workers, task processes) are still in the process group.
    _signal_group(group[0], signal.SIGTERM)
    time.sleep(0.5)
    _signal_group(group[0], signal.SIGKILL)
    print("portalnews: Airflow stopped; the embedded database keeps running (portalnews db stop)")
    return 1 if failed else 0


AIRFLOW_PARTS = (
    ("scheduler", ["scheduler", "--skip-serve-logs"]),
    ("dag-processor", ["dag-processor"]),
    ("api-server", ["api-server"]),
    ("triggerer", ["triggerer", "--skip-serve-logs"]),
)


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
        password_file.chmod(0o600)  # written 644 by Airflow versions or homes that predate the umask
        password = json.loads(password_file.read_text()).get("admin", password)
    print(f"\n*** portalnews: Airflow is up at {url} — log in as admin / {password} ***\n", flush=True)


def add_commands(sub) -> None:
    p = with_registry(sub.add_parser("up", help="embedded PostgreSQL + Airflow (scheduler, DAG processor, UI, triggerer)"))
    p.set_defaults(func=cmd_up)
    p = with_registry(sub.add_parser(
        "airflow", help="any Airflow CLI command with `portalnews up`'s home and database",
        description="e.g. `portalnews airflow dags list`, `portalnews airflow tasks test portalnews_danang crawl`"))
    p.add_argument("airflow_args", nargs=argparse.REMAINDER, metavar="ARGS", help="the airflow command's arguments")
    p.set_defaults(func=cmd_airflow)
