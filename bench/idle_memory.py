"""What `make run` (`portalnews up`) holds while idle, and how long Ctrl-C takes to stop it all.

Starts `portalnews up` twice in a fresh PORTALNEWS_HOME: with Airflow's own defaults for the
settings portalnews lowers on a small machine (LocalExecutor parallelism 32, 2 DAG-parsing
processes), then with portalnews's settings. (`portalnews up` runs Airflow's parts itself, without
`airflow standalone` and its two log servers, in both.) For each: RSS summed over every Airflow process (what
`ps` shows; forked workers share pages, so it overcounts), PSS (shared pages split between
processes: what the processes really cost together), the embedded PostgreSQL's own, and the time
from SIGINT (Ctrl-C) until no process is left.

    python bench/idle_memory.py [--idle SECONDS]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from portalnews.store import embedded as embedded_db

AIRFLOW_DEFAULTS = {"AIRFLOW__CORE__PARALLELISM": "32", "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "2"}


def _memory(processes: list[psutil.Process]) -> tuple[float, float]:
    rss = pss = 0
    for proc in processes:
        try:
            info = proc.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss, pss = rss + info.rss, pss + info.pss
    return rss / 2**20, pss / 2**20


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def measure(label: str, extra_env: dict[str, str], idle: float) -> dict:
    home = Path(tempfile.mkdtemp(prefix="portalnews-bench-up-"))
    env = dict(os.environ, PORTALNEWS_HOME=str(home), PORTALNEWS_DB_PORT=str(embedded_db._free_port()),
               AIRFLOW__API__PORT=str(embedded_db._free_port()), **extra_env)
    env.pop("DATABASE_URL", None)
    log_path = home / "up.log"
    with log_path.open("w") as log:
        up = subprocess.Popen([sys.executable, "-m", "portalnews.cli", "up"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while "Airflow is up" not in log_path.read_text() and time.monotonic() < deadline:
            if up.poll() is not None:
                raise RuntimeError(log_path.read_text()[-3000:])
            time.sleep(1)
        time.sleep(idle)
        airflow = [p for p in _children(psutil.Process(up.pid)) if "postgres" not in " ".join(_cmdline(p))]
        rss, pss = _memory(airflow)
        if os.environ.get("BENCH_DETAIL"):
            for proc in airflow:
                print(
                    f"  {proc.pid:>7} {_memory([proc])[0]:>6.0f} MiB RSS {_memory([proc])[1]:>6.0f} MiB PSS "
                    f"{' '.join(_cmdline(proc))[:90]}"
                )
        # As root the cluster may live outside the home (server_placement.py): match its resolved path.
        pgdata = str((home / "pgdata").resolve())
        postgres = [p for p in psutil.process_iter() if pgdata in " ".join(_cmdline(p))]
        pg_rss, pg_pss = _memory(postgres + [c for p in postgres for c in _children(p)])
        started = time.monotonic()
        os.kill(up.pid, signal.SIGINT)
        up.wait(timeout=60)
        while any(_alive(p) for p in airflow) and time.monotonic() - started < 60:
            time.sleep(0.05)
        stop_seconds = time.monotonic() - started
        return {"label": label, "processes": len(airflow), "rss": rss, "pss": pss, "pg_rss": pg_rss,
                "pg_pss": pg_pss, "stop": stop_seconds}
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
        embedded_db.stop(home / "pgdata")
        embedded_db.remove_cluster(home / "pgdata")  # as root it may live in /var/lib/portalnews
        shutil.rmtree(home, ignore_errors=True)


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=float, default=60, help="seconds to idle after the UI answers")
    idle = parser.parse_args().idle
    results = [] if os.environ.get("BENCH_DETAIL") else [
        measure("Airflow defaults (parallelism 32, 2 parsers)", AIRFLOW_DEFAULTS, idle)]
    results.append(measure("portalnews up (parallelism 3, 1 parser, no log servers)", {}, idle))
    print(f"\nidle {idle:.0f} s after the UI answered; {os.cpu_count()} CPUs, "
          f"{psutil.virtual_memory().total / 2**30:.1f} GiB RAM")
    print(
        f"{'setting':56} {'procs':>5} {'Airflow RSS':>12} {'Airflow PSS':>12} {'PostgreSQL PSS':>15} "
        f"{'Ctrl-C stop':>12}"
    )
    for r in results:
        print(f"{r['label']:56} {r['processes']:>5} {r['rss']:>9.0f} MiB {r['pss']:>9.0f} MiB "
              f"{r['pg_pss']:>12.0f} MiB {r['stop']:>10.1f} s")


if __name__ == "__main__":
    main()
