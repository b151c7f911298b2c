"""`portalnews up`: the embedded database and Airflow (scheduler, DAG processor, API server, triggerer),
stopped cleanly with Ctrl-C; `portalnews airflow ARGS...`: any Airflow CLI command against the same Airflow
home and database."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from portalnews import config
from portalnews.cli.common import registry, registry_files, with_registry
from portalnews.cli.database import without_password


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
    env = airflow_environment(db_url, airflow_db, api_port=getattr(args, "port", None))
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
    from portalnews.airflow_env import CRAWL_POOL, CRAWL_POOL_SLOTS, api_address
    from portalnews.store.db import admin_database_url
    from portalnews.store.embedded import port_free
    from portalnews.store.schema import migrate, register_portals

    host, port = api_address(args.port)
    if not port_free(port, host):
        print(f"portalnews: port {port} on {host} (the Airflow UI's) is in use; choose another with "
              f"`portalnews up --port N` (make run PORT=N)", file=sys.stderr)
        return 1
    portals = list(registry(args).values())
    env, db_url = _environment(args)
    migrate(admin_database_url())
    register_portals(db_url, portals)
    # Airflow's own output (startup banners, one line per HTTP request, task logs) goes to files, so the
    # console keeps what the operator needs, the login line last; `portalnews -v up` shows it here instead.
    logs = Path(env["AIRFLOW_HOME"]) / "logs" / "portalnews-up"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"portalnews database: {without_password(db_url)[0]} (password: portalnews db env)")
    print(f"Airflow home: {env['AIRFLOW_HOME']}; DAGs: {env['AIRFLOW__CORE__DAGS_FOLDER']}")
    print("Airflow's output: " + ("below" if args.verbose else f"{logs}/<part>.log"
                                  " (`portalnews -v up` shows it here)"), flush=True)

    def output(name: str):
        return None if args.verbose else (logs / f"{name}.log").open("a")

    with output("db-migrate") or contextlib.nullcontext() as migrate_log:
        migrated = subprocess.run(["airflow", "db", "migrate"], env=env, stdout=migrate_log,
                                  stderr=subprocess.STDOUT if migrate_log else None)
    if migrated.returncode:
        print(f"portalnews: `airflow db migrate` failed; the end of {logs / 'db-migrate.log'}:\n"
              f"{_tail(logs / 'db-migrate.log')}", file=sys.stderr)
        return 1
    subprocess.run(["airflow", "pools", "set", CRAWL_POOL, str(CRAWL_POOL_SLOTS),
                    "Concurrent portal crawls (politeness and memory)"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    url = f"http://{env['AIRFLOW__API__HOST']}:{env['AIRFLOW__API__PORT']}"
    paused = env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"].lower() == "true"
    print(f"Starting Airflow: UI at {url}\n"
          + ("New portal DAGs start paused: unpause one (portalnews_<id>) in the UI to schedule it;\n"
             if paused else "New portal DAGs start unpaused (`make demo`): they run at once;\n")
          + "portalnews_backfill and portalnews_health run when triggered. Stop with Ctrl-C.", flush=True)
    # Airflow's parts as `airflow standalone` runs them, without standalone itself and the two log
    # servers it starts (on one machine task logs are read from files; those servers also bound every
    # interface): 0.8 GiB less RSS idle on a 2-core machine (bench/idle_memory.py).
    # All in one process group, stopped together. SIGINT is reset to its default in the children: a
    # shell starting us in the background ignores it, and Airflow would then never see Ctrl-C.
    # umask 077: what Airflow writes (the generated admin password file, logs) is the user's alone.
    group: list[int] = []

    def start(name: str, command: list[str]) -> subprocess.Popen:
        def prepare():
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.umask(0o077)
            os.setpgid(0, group[0] if group else 0)

        log = output(name)
        proc = subprocess.Popen(["airflow", *command], env=env, preexec_fn=prepare, stdout=log,
                                stderr=subprocess.STDOUT if log else None)
        if log:
            log.close()  # the child keeps its own descriptor
        group[:] = group or [proc.pid]
        return proc

    # The scheduler and the triggerer start once the API server answers: the task processes they start
    # report to it, and a task started before it listens fails ("Connection refused"), as unpaused DAGs'
    # first runs did on a busy machine. The DAG processor parses meanwhile.
    parts = {name: start(name, command) for name, command in AIRFLOW_PARTS if name not in AFTER_THE_API}
    api_ready = threading.Event()
    threading.Thread(
        target=_announce_when_ready, args=(url, env["AIRFLOW_HOME"], api_ready), daemon=True
    ).start()

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
        if api_ready.is_set() and not stopping and AFTER_THE_API[0] not in parts:
            parts.update(
                {name: start(name, command) for name, command in AIRFLOW_PARTS if name in AFTER_THE_API}
            )
        if not stopping and any(proc.poll() is not None for proc in parts.values()):
            died = [name for name, proc in parts.items() if proc.poll() is not None]
            print(f"portalnews: Airflow's {', '.join(died)} stopped; stopping the other parts", flush=True)
            for name in died:
                if not args.verbose:
                    print(
                        f"--- the end of {logs / f'{name}.log'}:\n{_tail(logs / f'{name}.log')}", flush=True
                    )
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
AFTER_THE_API = ("scheduler", "triggerer")


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _announce_when_ready(url: str, airflow_home: str, ready: threading.Event, timeout: float = 300) -> None:
    """Once the UI answers, set `ready` and say where to log in; past `timeout`, set `ready` anyway (the
    parts waiting for it start, and fail visibly if the API server never comes)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(2)
    else:
        ready.set()
        return
    ready.set()
    password_file = Path(airflow_home) / "simple_auth_manager_passwords.json.generated"
    password = f"(the password in {password_file})"
    if password_file.exists():
        password_file.chmod(0o600)  # written 644 by Airflow versions or homes that predate the umask
        password = json.loads(password_file.read_text()).get("admin", password)
    print(f"Airflow is up at {url}: log in as admin / {password}", flush=True)


def _tail(path: Path, lines: int = 20) -> str:
    return (
        "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no output)"
    )


def add_commands(sub) -> None:
    p = with_registry(
        sub.add_parser("up", help="embedded PostgreSQL + Airflow (scheduler, DAG processor, UI, triggerer)")
    )
    p.add_argument(
        "--port", type=int, help="the Airflow UI's port on 127.0.0.1 (default 8080, or AIRFLOW__API__PORT)"
    )
    p.set_defaults(func=cmd_up)
    p = with_registry(
        sub.add_parser(
            "airflow",
            help="any Airflow CLI command with `portalnews up`'s home and database",
            description="e.g. `portalnews airflow dags list`, "
                "`portalnews airflow tasks test portalnews_danang crawl`",
        )
    )
    p.add_argument(
        "airflow_args", nargs=argparse.REMAINDER, metavar="ARGS", help="the airflow command's arguments"
    )
    p.set_defaults(func=cmd_airflow)
