"""Throughput, side by side: `portalnews run` against the naive baseline on one generated portal.

    python bench/throughput.py [--articles 2000] [--workdir DIR]
        [--only project|naive|generic|scheduled|celery ...] [--no-scheduled] [--no-reextract]
        [--generic-cleaning] [--runs N] [--timeline]

Generates (once per --workdir) a NukeViet-style portal of N articles with its gold answers
(tests/support/generated_portal.py), serves it from a separate process on 127.0.0.1, starts a throw-away
embedded PostgreSQL, then runs, one after the other, each contender as a fresh process tree on an
empty database:

* `portalnews run --portal gen_nukeviet` (crawl -> clean -> dedupe -> load), politeness off for
  loopback through the generated registry entry (no AutoThrottle, no delay, 16 concurrent requests);
* `bench/naive_baseline.py` (one Scrapy process, `trafilatura.bare_extraction`, psycopg2 inserts);
* with `--generic-cleaning` (or `--only generic`), "generic": `portalnews run` again with the NukeViet
  family's body hint turned off (`body = []` under the generated entry's `[portal.extract]`), so every
  page takes the generic cleaning path a portal of no known family takes; the ratios then also compare
  `portalnews run` with it;
* the portal's DAG run through Airflow's scheduler, from unpausing the DAG to its run's end: "scheduled"
  with `portalnews up` (LocalExecutor), "celery" with the deployment of tests/system/test_distributed.py
  (CeleryExecutor, Redis, one Celery worker; tests/support/celery_airflow.py); CPU by Airflow part,
  Airflow's metadata database included.

Printed per contender: wall time, articles stored per second, CPU per article (user+system of the
whole process tree, from wait4, this process being the tree's subreaper so that processes killed with
their parent are counted too), the PostgreSQL server's CPU during the run, peak RSS of the process
tree (sum over live processes, sampled every 50 ms), and title / published minute / author
correctness against the generator's gold. Then the ratios (with --runs N, each run's and the medians),
where the CPU went (per article: the Scrapy process, the cleaning worker processes, the main process,
i.e. orchestration and the load stage, and PostgreSQL) and how many cores each kept busy, the machine's
load average, the run cut into phases (start-up, discovery before the cleaning gets going, steady, the
tail after the crawl) with the cores each part kept busy in each (--timeline: second by second), and
`portalnews reextract` of the stored pages with one cleaning process and with one per core (pages/s
as the command reports it, cores busy). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg2

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.airflow_up import airflow_up  # noqa: E402
from portalnews.store import embedded as embedded_db  # noqa: E402
from portalnews.store.embedded_roles import AIRFLOW_DATABASE  # noqa: E402
from tests.support.celery_airflow import celery_airflow  # noqa: E402
from tests.support.generated_portal import generate  # noqa: E402


@dataclass
class Result:
    name: str
    wall: float
    cpu: float
    db_cpu: float
    peak_rss: int
    articles: int
    title: float
    minute: float
    author: float
    exit_code: int

    def per_second(self) -> float:
        return self.articles / self.wall if self.wall else 0.0

    def line(self) -> str:
        per_s = self.per_second()
        per_article = 1000 * self.cpu / self.articles if self.articles else float("nan")
        return (f"{self.name:<22}{self.wall:>8.1f}{self.articles:>9}{per_s:>12.1f}{per_article:>15.0f}"
                f"{1000 * self.db_cpu / max(self.articles, 1):>12.0f}{self.peak_rss / 2**20:>11.0f}"
                f"{self.title:>8.0%}{self.minute:>8.0%}{self.author:>8.0%}{self.exit_code:>6}")


LABELS = {"naive": "naive baseline", "project": "portalnews run", "generic": "generic cleaning",
          "scheduled": "DAG, LocalExecutor", "celery": "DAG, Celery"}
GENERIC = "generic"  # `portalnews run` without the family's body hint: only when asked for
NO_BODY_HINT = "[portal.extract]\nbody = []\n"  # the portal's own key over the family's (registry/portal.py)
DAG_RUNS = ("scheduled", "celery")  # the portal's DAG run through Airflow's scheduler, by executor
HEADER = (f"{'':<22}{'wall s':>8}{'articles':>9}{'articles/s':>12}{'CPU ms/art.':>15}{'DB ms/art.':>12}"
          f"{'RSS MiB':>11}{'title':>8}{'minute':>8}{'author':>8}{'exit':>6}")


def tree_cpu(process: psutil.Process) -> float:
    """CPU seconds of a process and its live descendants (a server's backends), each with the children it
    waited for (a backend that ended)."""
    total = 0.0
    try:
        descendants = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return total
    for member in descendants:
        try:  # one that ended between the listing and here is in its parent's children_* already
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def become_subreaper() -> None:
    """Orphaned descendants are re-parented to this process (PR_SET_CHILD_SUBREAPER), not to init."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def reap_orphan(pid: int) -> float:
    """CPU s of a descendant re-parented here, once it exits; 0 when its own parent waited for it."""
    deadline = time.monotonic() + 10
    while True:
        try:
            reaped, _, usage = os.wait4(pid, os.WNOHANG)
        except ChildProcessError:  # not ours: its parent reaped it, so it is in wait4's figure already
            return 0.0
        if reaped:
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            return 0.0
        time.sleep(0.05)


# The first role whose marker the command line holds. Airflow's LocalExecutor names its worker processes
# "airflow worker -- LocalExecutor: ..." and the task processes they fork "airflow worker -- <task id>";
# its other parts keep their command (`airflow scheduler`, ...) or name themselves (`airflow api_server --`).
ROLES = (("crawl", "scrapy"), ("cleaning workers", "clean_workers"), ("Airflow executor", "LocalExecutor"),
         ("Airflow task", "airflow worker --"), ("Airflow scheduler", "airflow scheduler"),
         ("Airflow DAG processor", "airflow dag-processor"), ("Airflow API server", "airflow api_server"),
         ("Airflow API server", "airflow api-server"), ("Airflow triggerer", "airflow triggerer"),
         ("Celery worker", "airflow celery worker"), ("Celery worker", "celeryd:"),
         ("Airflow executor", "airflow supervisor:"), ("Airflow log server", "airflow serve-logs"),
         ("Redis", "redis-server"))


def role_of(process: psutil.Process, root_pid: int | None) -> str:
    if process.pid == root_pid:
        return "main"
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return "other"
    return next((role for role, marker in ROLES if marker in command), "other")


class TreeSampler:
    """Samples a process tree every 50 ms in a thread: its RSS (the peak, and each role's RSS then) and
    each process's CPU and role ("crawl", "cleaning workers", "main" for the root, "other"). The trees of
    `more_roots` are sampled too (services started apart: Celery's deployment), their roots by role."""

    def __init__(self, root_pid: int | None, db_pid: int | None = None, more_roots: tuple[int, ...] = ()):
        self.root_pid = root_pid
        self.roots = tuple(pid for pid in (root_pid, *more_roots) if pid is not None)
        self.db = psutil.Process(db_pid) if db_pid else None
        # Once a second: (seconds since the start, CPU s each role and PostgreSQL have used so far)
        self.timeline: list[tuple[float, dict[str, float]]] = []
        self._started = time.perf_counter()
        self._db_before = 0.0
        # pid -> (first and last sample's time, nanoseconds on a CPU and waiting for one then, each the
        # first and the last value): from the kernel's /proc/PID/schedstat
        self.sched: dict[int, tuple[float, float, int, int, int, int]] = {}
        self.peak = 0
        self.peak_by_role: dict[str, int] = {}  # each role's RSS at the tree's peak
        # pid -> (role, CPU s already used when the sampling
        # started (0 for a process started after), last CPU s)
        self.seen: dict[int, tuple[str, float, float]] = {}
        # pids seen as another sampled process's parent: their wait4 figure holds their children's CPU
        self.parents: set[int] = set()
        self._starting = True
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._sample_once()  # what the tree had already used is not counted
        self._starting = False
        if self.db:
            self._db_before = tree_cpu(self.db)
        self._mark()
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._done.set()
        self._thread.join()

    def _tree(self) -> list[psutil.Process]:
        tree = []
        for pid in self.roots:
            try:
                root = psutil.Process(pid)
                tree += [root, *root.children(recursive=True)]
            except psutil.Error:  # exited between two samples
                continue
        return tree

    def _sample_once(self) -> None:
        rss = 0
        by_role: dict[str, int] = {}
        for process in self._tree():
            try:
                with process.oneshot():
                    process_rss = process.memory_info().rss
                    rss += process_rss
                    times = process.cpu_times()
                    cpu = times.user + times.system
                    # Looked at on every sample: a child seen between fork and exec still shows its
                    # parent's command line, and Airflow renames its processes as they take tasks. An
                    # exiting process's empty command line ("other") does not undo a role found before.
                    known, before, _ = self.seen.get(
                        process.pid, ("other", cpu if self._starting else 0.0, 0.0)
                    )
                    role = role_of(process, self.root_pid)
                    self.seen[process.pid] = (known if role == "other" else role, before, cpu)
                    self.parents.add(process.ppid())
                    self._schedstat(process.pid)
                    by_role[role] = by_role.get(role, 0) + process_rss
            except psutil.Error:
                pass
        if rss > self.peak:
            self.peak, self.peak_by_role = rss, by_role

    def _schedstat(self, pid: int) -> None:
        try:
            with open(f"/proc/{pid}/schedstat") as stat:
                running, waiting = map(int, stat.read().split()[:2])
        except (OSError, ValueError):
            return
        now = time.perf_counter()
        first, _, run0, wait0, _, _ = self.sched.get(pid, (now, now, running, waiting, 0, 0))
        self.sched[pid] = (first, now, run0, wait0, running, waiting)

    def time_split(self) -> str:
        """Of each part's processes' lifetime (while sampled): the share running, waiting for a core (the
        machine's other load) and asleep (waiting for another part, the network or the database). The
        kernel's figures are a process's main thread's: the main process's other threads (cleaning hand-
        overs, the load stage) are not in its split."""
        split: dict[str, list[float]] = {}
        for pid, (first, last, run0, wait0, running, waiting) in self.sched.items():
            role = self.seen.get(pid, ("other",))[0]
            total = split.setdefault(role, [0.0, 0.0, 0.0])
            total[0] += last - first
            total[1] += (running - run0) / 1e9
            total[2] += (waiting - wait0) / 1e9
        parts = []
        for role, (alive, running, waiting) in sorted(split.items()):
            if alive >= 0.5:
                asleep = max(0.0, alive - running - waiting)
                name = "main (its main thread)" if role == "main" else role
                parts.append(f"{name} {running / alive:.0%} / {waiting / alive:.0%} / {asleep / alive:.0%}")
        return "time running / waiting for a core / asleep: " + ", ".join(parts)

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self._sample_once()
            if time.perf_counter() - self._started >= len(self.timeline):
                self._mark()
        self._mark()

    def _mark(self) -> None:
        used: dict[str, float] = {}
        for role, before, last in self.seen.values():
            used[role] = used.get(role, 0.0) + last - before
        if self.db:
            used["PostgreSQL"] = tree_cpu(self.db) - self._db_before
        self.timeline.append((time.perf_counter() - self._started, used))

    def cpu_by_role(self, reaped: dict[int, float], root_cpu: float | None = None) -> dict:
        """CPU s each role used since the sampling started (a process reaped here counts wait4's figure,
        unless it had children: theirs, counted apart, are in it); the root's is `root_cpu` when given (its
        wait4 figure, its waited-for children included)."""
        by_role: dict[str, float] = {}
        for pid, (role, before, last) in self.seen.items():
            if pid == self.root_pid and root_cpu is not None:
                continue
            at_exit = 0.0 if pid in self.parents else reaped.get(pid, 0.0)
            by_role[role] = by_role.get(role, 0.0) + max(last, at_exit) - before
        if root_cpu is not None:
            by_role["main"] = max(0.0, root_cpu - sum(v for k, v in by_role.items() if k != "main"))
        return by_role


def run_measured(name: str, command: list[str], env: dict, db_pid: int, stdout_path: Path | None = None,
                 sampled: dict | None = None) -> tuple[float, float, float, int, int, dict]:
    """Run `command`; return wall s, tree CPU s, database CPU s, peak tree RSS bytes, exit code, and CPU s
    by role ("crawl", "cleaning workers", "main", "other"); `sampled`, when given, receives the
    TreeSampler's "timeline" (each role's and PostgreSQL's CPU once a second) and "time split".

    The tree's CPU is wait4's: this process is the tree's child subreaper, so a descendant its parent
    never waits for (a cleaning worker killed as the run's process exits) is re-parented here and waited
    for too, instead of being reaped by init with its CPU uncounted.
    """
    become_subreaper()
    db = psutil.Process(db_pid)
    db_before = tree_cpu(db)
    started = time.perf_counter()
    stdout = open(stdout_path, "w") if stdout_path else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
    with TreeSampler(proc.pid, db_pid) as sampler:
        stderr_tail: list[str] = []
        assert proc.stderr is not None
        for line in proc.stderr:
            stderr_tail = (stderr_tail + [line.rstrip()])[-15:]
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
    if stdout_path:
        stdout.close()
    if proc.returncode:
        print(f"{name} exited with {proc.returncode}:\n  " + "\n  ".join(stderr_tail), file=sys.stderr)
    reaped = {pid: reap_orphan(pid) for pid in sampler.seen if pid != proc.pid}
    total = usage.ru_utime + usage.ru_stime + sum(reaped.values())
    by_role = sampler.cpu_by_role(reaped, root_cpu=total)
    by_role["rss at peak"] = sampler.peak_by_role  # type: ignore[assignment]
    if sampled is not None:
        sampled.update(timeline=sampler.timeline, time_split=sampler.time_split())
    return wall, total, tree_cpu(db) - db_before, sampler.peak, proc.returncode, by_role


def cores_busy(timeline: list[tuple[float, dict[str, float]]], start: int, end: int) -> dict[str, float]:
    """Cores each role (and PostgreSQL) kept busy between two marks of a timeline."""
    (t0, before), (t1, after) = timeline[start], timeline[end]
    span = max(t1 - t0, 1e-9)
    return {role: (after[role] - before.get(role, 0.0)) / span for role in after}


def phases(timeline: list[tuple[float, dict[str, float]]], first_page: float, last_page: float) -> str:
    """Where the cores sat idle: the run cut at the first and the last page stored (seconds from its
    start) into start-up (interpreters, migrations, discovery before the first article page), crawl
    and tail (what the stages after the crawl have left), with each one's length and the cores each part
    of the tree and PostgreSQL kept busy in it."""
    if len(timeline) < 3:
        return "phases: run too short to sample"

    def mark(seconds: float) -> int:
        return min(range(len(timeline)), key=lambda i: abs(timeline[i][0] - seconds))

    cuts = [0, mark(first_page), mark(last_page), len(timeline) - 1]
    parts = []
    for name, start, end in zip(("start-up", "crawl", "tail"), cuts, cuts[1:], strict=False):
        if end <= start:
            continue
        busy = cores_busy(timeline, start, end)
        parts.append(f"{name} {timeline[end][0] - timeline[start][0]:.1f} s, {sum(busy.values()):.2f} cores ("
                     + ", ".join(f"{role} {c:.2f}" for role, c in sorted(busy.items()) if c >= 0.005) + ")")
    return "phases: " + "; ".join(parts)


def timeline_table(timeline: list[tuple[float, dict[str, float]]]) -> str:
    """Cores busy per role, second by second."""
    roles = sorted({role for _, cpu in timeline for role in cpu})
    lines = [f"{'s':>6}" + "".join(f"{role[:16]:>17}" for role in roles)]
    for i in range(1, len(timeline)):
        busy = cores_busy(timeline, i - 1, i)
        lines.append(f"{timeline[i][0]:>6.1f}" + "".join(f"{busy.get(role, 0.0):>17.2f}" for role in roles))
    return "\n".join(lines)


@dataclass
class Deployment:
    """Airflow as a DAG run's measurement sees it, whichever executor runs the tasks."""

    main_pid: int | None  # `portalnews up`, counted as "main"; None when the parts were started apart
    roots: tuple[int, ...]  # the process trees of Airflow's parts (and Redis), sampled
    airflow_db_pid: int  # Airflow's metadata server
    metadata_url: str  # Airflow's metadata database (the runs' and tasks' times are read there)


@contextmanager
def local_executor(registry: Path, db_url: str, tmp: Path) -> Iterator[Deployment]:
    """`portalnews up` (LocalExecutor; Airflow's metadata in its home's embedded server), the pipeline's data
    in `db_url`."""
    home = tmp / "home-dag"
    env = dict(os.environ, DATABASE_URL=db_url, PORTALNEWS_DB_PORT=str(embedded_db._free_port()))
    with airflow_up(registry, home, env, embedded_db._free_port()) as airflow:
        airflow.wait_for_dags([DAG_ID])
        server = embedded_db.running_server(home / "pgdata")
        assert server is not None
        server_pid = int((home / "pgdata" / "postmaster.pid").read_text().split()[0])
        yield Deployment(airflow.process.pid, (), server_pid, server.url(AIRFLOW_DATABASE))


@contextmanager
def celery_executor(registry: Path, db_url: str, tmp: Path) -> Iterator[Deployment]:
    """The Celery deployment of tests/system/test_distributed.py (Redis, scheduler with the CeleryExecutor,
    API server, DAG processor) with one Celery worker, as docker-compose.yml's default; Airflow's metadata
    in a throw-away embedded server of its own, as `portalnews up` has; the pipeline's data in `db_url`."""
    root = tmp / "celery"
    root.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "portalnews.cli", "db", "migrate"], check=True, capture_output=True,
                   env=dict(os.environ, DATABASE_URL=db_url), timeout=300)
    pgdata = tmp / "celery-airflow-pg"
    server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    try:
        embedded_db.ensure_database(server, AIRFLOW_DATABASE)
        # Three task slots, as `portalnews up`'s LocalExecutor (Compose's worker has Celery's 16): a crawl
        # task's process takes ~5 s to end after its success, and one slot would hold the report task back.
        with celery_airflow(root, registry, server.url(AIRFLOW_DATABASE), db_url, {DAG_ID},
                            workers=("worker-a",), concurrency=3) as airflow:
            yield Deployment(None, tuple(p.pid for p in airflow.processes),
                             int((pgdata / "postmaster.pid").read_text().split()[0]), airflow.airflow_db)
    finally:
        embedded_db.stop(pgdata)
        embedded_db.remove_cluster(pgdata)


EXECUTORS = {"scheduled": local_executor, "celery": celery_executor}
DAG_ID = "portalnews_gen_nukeviet"
# Airflow's parts start up (imports, first parse, first loops) for a while after the DAG is served, and
# the health DAG runs once at start (its checks would hold the Celery worker); an operator's Airflow is
# up long before a portal's run, so neither is the run's cost: the run starts once both are over.
SETTLE_SECONDS = 30


def settle(metadata_url: str, timeout: float = 900) -> None:
    """Wait SETTLE_SECONDS, and until no DAG run is queued or running."""
    time.sleep(SETTLE_SECONDS)
    deadline = time.monotonic() + timeout
    while fetch(metadata_url, "SELECT count(*) FROM dag_run WHERE state IN ('queued', 'running')")[0][0]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"DAG runs still going {timeout:.0f} s after Airflow started")
        time.sleep(2)


def scheduled_run(
    executor: str, registry: Path, db_url: str, tmp: Path, db_pid: int
) -> tuple[float, float, float, int, int, dict, str]:
    """The portal's DAG run once through Airflow's scheduler (EXECUTORS[executor]), the pipeline's data in
    `db_url`; returns what run_measured does (wall s from unpausing the DAG to its run's end; CPU of
    Airflow's process trees, its task processes and the workers they leave to be reaped here, and of
    Airflow's metadata database) and a line with when the run and each task was queued, started and
    ended, counted from the unpausing."""
    become_subreaper()
    with EXECUTORS[executor](registry, db_url, tmp) as airflow:
        settle(airflow.metadata_url)
        began = time.time()
        airflow_db = psutil.Process(airflow.airflow_db_pid)
        db, airflow_db_before = psutil.Process(db_pid), tree_cpu(airflow_db)
        db_before = tree_cpu(db)
        started = time.perf_counter()
        with TreeSampler(airflow.main_pid, more_roots=airflow.roots) as sampler:
            # as an operator's switch in the UI does; the scheduler starts the latest hourly run
            dag = {"dag_id": DAG_ID}
            unpaused = fetch(airflow.metadata_url, "UPDATE dag SET is_paused = false"
                             " WHERE dag_id = %(dag_id)s RETURNING now()", dag)[0][0]
            while (state := fetch(airflow.metadata_url, "SELECT max(state) FROM dag_run WHERE dag_id ="
                                  " %(dag_id)s", dag)[0][0]) not in ("success", "failed"):
                time.sleep(0.5)
            wall = time.perf_counter() - started
        db_cpu, airflow_db_cpu = tree_cpu(db) - db_before, tree_cpu(airflow_db) - airflow_db_before
        since = fetch(airflow.metadata_url, RUN_TIMES, {**dag, "since": unpaused})

    gone = [pid for pid in sampler.seen if not psutil.pid_exists(pid)
            or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE]
    by_role = sampler.cpu_by_role({pid: reap_orphan(pid) for pid in gone})
    by_role["Airflow's database"] = airflow_db_cpu
    total = sum(by_role.values())
    by_role["rss at peak"] = sampler.peak_by_role  # type: ignore[assignment]
    stored = stored_when(db_url, "project", began)
    detail = (f"DAG run {state}; seconds from unpausing the DAG (queued, started, ended): " + ", ".join(
        f"{what} " + "/".join("-" if t is None else f"{t:.1f}" for t in times) for what, *times in since)
        + "; first and last row stored: " + ", ".join(f"{table} {first:.1f}-{last:.1f}"
                                                     for table, (first, last) in stored.items()))
    return wall, total, db_cpu, sampler.peak, 0 if state == "success" else 1, by_role, detail


# When the run and each of its tasks was queued, started and ended, in seconds from `since`.
RUN_TIMES = """
SELECT what, extract(epoch FROM queued - %(since)s)::float, extract(epoch FROM began - %(since)s)::float,
       extract(epoch FROM ended - %(since)s)::float
FROM (SELECT 'run' AS what, queued_at AS queued, start_date AS began, end_date AS ended, 0 AS n
      FROM dag_run WHERE dag_id = %(dag_id)s
      UNION ALL
      SELECT task_id, queued_dttm, start_date, end_date,
             array_position(ARRAY['crawl_clean_load', 'report'], task_id::text)
      FROM task_instance WHERE dag_id = %(dag_id)s) AS times
ORDER BY n
"""


def cpu_breakdown(by_role: dict, db_cpu: float, articles: int, wall: float | None = None) -> str:
    """CPU ms per article of each part of the tree, and of the PostgreSQL server (with `wall`, the cores each
    kept busy over the run too); each part's RSS at the tree's peak."""
    n = max(articles, 1)
    rss = by_role.get("rss at peak", {})
    cpu = {role: seconds for role, seconds in by_role.items() if role != "rss at peak"}
    cpu["PostgreSQL"] = db_cpu

    def part(role: str, seconds: float) -> str:
        return f"{role} {1000 * seconds / n:.1f}" + (f" ({seconds / wall:.2f} cores)" if wall else "")

    parts = [part(role, seconds) for role, seconds in sorted(cpu.items()) if seconds >= 0.0005 * n]
    return (
        "CPU ms/article: "
        + ", ".join(parts)
        + "; RSS MiB at the peak: "
        + ", ".join(f"{role} {size / 2**20:.0f}" for role, size in sorted(rss.items()))
    )


def score(
    rows: list[tuple[str, str | None, str | None, str | None]], gold: dict[str, dict]
) -> tuple[int, float, float, float]:
    """(articles, title, minute, author) shares over the gold's articles; rows are (path, title, minute,
    author)."""
    by_path = {path: (title, minute, author) for path, title, minute, author in rows}
    title = minute = author = 0
    for path, expected in gold.items():
        found = by_path.get(path)
        if not found:
            continue
        title += found[0] == expected["title"]
        minute += found[1] == expected["published_at"][:16]
        author += found[2] == expected["author"]
    n = len(gold)
    return len(rows), title / n, minute / n, author / n


def fetch(db_url: str, sql: str, params: dict | None = None) -> list[tuple]:
    conn = psycopg2.connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "portalnews-bench")
    parser.add_argument("--only", choices=tuple(LABELS), action="append",
                        help="run only this contender (repeatable)")
    parser.add_argument("--no-scheduled", dest="scheduled", action="store_false",
                        help="skip the portal's DAG runs through Airflow's scheduler (`portalnews up`'s"
                        " LocalExecutor, and the CeleryExecutor with Redis and a Celery worker)")
    parser.add_argument("--no-reextract", dest="reextract", action="store_false",
                        help="skip timing `portalnews reextract` (1 and N cleaning processes) after the run")
    parser.add_argument("--generic-cleaning", action="store_true",
                        help="also run `portalnews run` with the NukeViet family's body hint turned off"
                        " (the generic cleaning path), side by side with the other contenders")
    parser.add_argument("--runs", type=int, default=1,
                        help="run the contenders N times (the naive baseline and `portalnews run` alternating"
                        " which goes first), each on an empty database; prints each run and the medians")
    parser.add_argument("--timeline", action="store_true",
                        help="also print the cores each part kept busy, second by second")
    args = parser.parse_args()
    site = args.workdir / f"site-{args.articles}"
    if not (site / "gold.json").exists():
        generate(site, args.articles)
    gold = json.loads((site / "gold.json").read_text(encoding="utf-8"))
    server = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "support" / "generated_portal.py"), str(site), "--serve"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    registry_text = "".join(iter(server.stdout.readline, "# serving; Ctrl-C stops\n"))
    origin = registry_text.split('base_url = "', 1)[1].split('"', 1)[0].rstrip("/")
    starts = json.loads(registry_text.split("start_urls = ", 1)[1].split("\n", 1)[0])
    tmp = Path(tempfile.mkdtemp(prefix="portalnews-throughput-"))
    registry = tmp / "registry.toml"
    registry.write_text(registry_text, encoding="utf-8")
    generic_registry = tmp / "registry-generic.toml"
    generic_registry.write_text(registry_text + NO_BODY_HINT, encoding="utf-8")
    pgdata = tmp / "pg"
    pg = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    db_pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    site_server = psutil.Process(server.pid)  # the portal's server: a remote machine's work, nobody's here
    results: list[Result] = []
    runs: list[dict[str, Result]] = []  # each run's results by contender
    breakdowns: list[str] = []
    project_url = ""  # the last `portalnews run`'s database, for the figures after the runs
    try:
        print(f"generated portal: {len(gold)} articles at {origin}; {os.cpu_count()} CPUs; "
              f"page sizes {page_sizes(site)}", flush=True)
        for run, name in contenders(args):
            if not runs or run >= len(runs):
                runs.append({})
            embedded_db.ensure_database(pg, f"bench_{name}_{run}")
            db_url = pg.url(f"bench_{name}_{run}")
            env = dict(os.environ, DATABASE_URL=db_url, PORTALNEWS_HOME=str(tmp / "home"))
            sql = ("SELECT url, title, to_char(published_at AT TIME ZONE 'Asia/Ho_Chi_Minh',"
                   " 'YYYY-MM-DD\"T\"HH24:MI'), author FROM articles")
            detail = ""
            server_before, server_began = tree_cpu(site_server), time.time()
            if name in DAG_RUNS:
                load_before = os.getloadavg()[0]
                try:
                    wall, cpu, db_cpu, peak, code, by_role, detail = scheduled_run(
                        name, registry, db_url, tmp / f"{name}-{run}", db_pid)
                except Exception as err:  # the other contenders' figures are still printed
                    print(f"{LABELS[name]} not measured: {type(err).__name__}: {err}", file=sys.stderr)
                    continue
                detail = f"load average {load_before:.1f} at its start; {detail}"
            else:
                if name in ("project", GENERIC):
                    entry = generic_registry if name == GENERIC else registry
                    command = [sys.executable, "-m", "portalnews.cli", "run", "--registry", str(entry),
                               "--portal", "gen_nukeviet"]
                else:
                    command = [
                        sys.executable,
                        str(REPO / "bench" / "naive_baseline.py"),
                        "--db",
                        db_url,
                        *starts,
                    ]
                    sql = "SELECT url, title, left(published, 16), author FROM naive_articles"
                load_before, began = os.getloadavg()[0], time.time()
                sampled: dict = {}
                wall, cpu, db_cpu, peak, code, by_role = run_measured(name, command, env, db_pid,
                                                                      sampled=sampled)
                timeline = sampled["timeline"]
                marks = stored_when(db_url, name, began)
                first_page, last_page = marks["naive_articles" if name == "naive" else "raw_pages"]
                detail = (f"load average {load_before:.1f} at its start; first and last page stored at"
                          f" {first_page:.1f} and {last_page:.1f} s"
                          + "".join(f", {table} {marks[table][0]:.1f}-{marks[table][1]:.1f} s"
                                    for table in ("extractions", "articles") if table in marks)
                          + f"; {phases(timeline, first_page, last_page)}; {sampled['time_split']}")
                if args.timeline:
                    detail += "\n" + timeline_table(timeline)
            server_cpu, server_wall = tree_cpu(site_server) - server_before, time.time() - server_began
            detail += (f"; the site's server (on this machine, counted for nobody) {server_cpu:.1f} s of CPU,"
                       f" {server_cpu / server_wall:.2f} cores over the contender's time")
            if name == "project":
                project_url = db_url
            rows = [(path_of(url), *rest) for url, *rest in fetch(db_url, sql)]
            label = LABELS[name] + (f" #{run + 1}" if args.runs > 1 else "")
            results.append(Result(label, wall, cpu, db_cpu, peak, *score(rows, gold), code))
            runs[run][name] = results[-1]
            print(results[-1].line() if len(results) > 1 else HEADER + "\n" + results[-1].line(), flush=True)
            breakdowns.append(
                f"{results[-1].name}: {cpu / wall:.2f} cores busy, load average"
                f" {os.getloadavg()[0]:.1f} at its end; "
                f"{cpu_breakdown(by_role, db_cpu, results[-1].articles, wall)}"
                + (f"; {detail}" if detail else "")
            )
        if args.reextract and project_url:
            # `portalnews reextract` of the stored raw pages, with one cleaning process and with one per core.
            env = dict(os.environ, DATABASE_URL=project_url, PORTALNEWS_HOME=str(tmp / "home"))
            for workers in ("1", str(len(os.sched_getaffinity(0)))):
                report = tmp / f"reextract-{workers}.txt"
                wall, _, db_cpu, _, _, by_role = run_measured(
                    "reextract",
                    [
                        sys.executable,
                        "-m",
                        "portalnews.cli",
                        "reextract",
                        "--registry",
                        str(registry),
                        "--portal",
                        "gen_nukeviet",
                    ],
                    dict(env, PORTALNEWS_CLEAN_WORKERS=workers),
                    db_pid,
                    stdout_path=report,
                )
                line = next(
                    (line for line in report.read_text().splitlines() if "pages/s" in line), "no figure"
                )
                busy = sum(v for k, v in by_role.items() if k != "rss at peak") / wall
                print(
                    f"reextract: {line}; whole command {wall:.1f} s, {busy:.2f} cores busy,"
                    f" load average {os.getloadavg()[0]:.1f}; {cpu_breakdown(by_role, db_cpu, len(gold))}",
                    flush=True,
                )
        if project_url:
            print(load_stage_alone(project_url, registry, tmp, db_pid), flush=True)
            print(facts_alone(project_url, tmp, db_pid), flush=True)
        for line in breakdowns:
            print(line)
    finally:
        server.terminate()
        server.wait()
        embedded_db.stop(pgdata)
        embedded_db.remove_cluster(pgdata)  # as root it may live in /var/lib/portalnews
        shutil.rmtree(tmp, ignore_errors=True)
    for name, against in (("project", "naive"), (GENERIC, "naive"), ("project", GENERIC)):
        ratios = [project_against_naive(named[name], named[against]) for named in runs
                  if {name, against} <= named.keys()]
        label = f"{LABELS[name]} / {LABELS[against]}"
        for run, ratio in enumerate(ratios):
            print(f"{label}{f' (run {run + 1})' if len(ratios) > 1 else ''}: " + ratio_line(ratio))
        if len(ratios) > 1:
            print(f"{label}, median of {len(ratios)} runs: "
                  + ratio_line({key: statistics.median(r[key] for r in ratios) for key in ratios[0]}))
    for name in DAG_RUNS:
        against = [dag_against_project(named[name], named["project"]) for named in runs
                   if {name, "project"} <= named.keys()]
        for run, ratio in enumerate(against):
            print(f"{LABELS[name]} / portalnews run{f' (run {run + 1})' if len(against) > 1 else ''}: "
                  + dag_ratio_line(ratio))
        if len(against) > 1:
            print(f"{LABELS[name]} / portalnews run, median of {len(against)} runs: " + dag_ratio_line(
                {key: statistics.median(r[key] for r in against) for key in against[0]}))


def stored_when(db_url: str, contender: str, began: float) -> dict[str, tuple[float, float]]:
    """Seconds from the run's start to the first and the last row each table got (the database's clock,
    on this machine)."""
    tables = ([("naive_articles", "fetched_at")] if contender == "naive" else
              [("raw_pages", "fetched_at"), ("extractions", "extracted_at"), ("articles", "first_seen_at")])
    marks = {}
    for table, column in tables:
        first, last = fetch(db_url, f"SELECT extract(epoch FROM min({column}))::float,"
                                    f" extract(epoch FROM max({column}))::float FROM {table}")[0]
        marks[table] = ((first or began) - began, (last or began) - began)
    return marks


def contenders(args) -> list[tuple[int, str]]:
    """(run, contender) in the order they run, reversed from one run to the next (so the naive baseline and
    `portalnews run` alternate which goes first, and so do the DAG runs)."""
    def wanted(name: str) -> bool:
        if name == GENERIC:  # with --generic-cleaning, whatever --only says
            return args.generic_cleaning or name in (args.only or ())
        return name in args.only if args.only else args.scheduled or name not in DAG_RUNS

    chosen = [name for name in LABELS if wanted(name)]
    return [(run, name) for run in range(args.runs) for name in (chosen if run % 2 == 0 else chosen[::-1])]


def dag_against_project(dag: Result, project: Result) -> dict[str, float]:
    return {"articles/s": dag.per_second() / project.per_second(),
            "CPU": (dag.cpu / max(dag.articles, 1)) / (project.cpu / max(project.articles, 1)),
            "CPU+PostgreSQL": ((dag.cpu + dag.db_cpu) / max(dag.articles, 1))
            / ((project.cpu + project.db_cpu) / max(project.articles, 1))}


def dag_ratio_line(ratio: dict[str, float]) -> str:
    return (f"articles/s x{ratio['articles/s']:.2f} (from unpausing the DAG to its run's end), CPU per"
            f" article x{ratio['CPU']:.2f} (Airflow's and its database's included), with the pipeline's"
            f" PostgreSQL x{ratio['CPU+PostgreSQL']:.2f}")


def project_against_naive(project: Result, naive: Result) -> dict[str, float]:
    def per_article(cpu: float, result: Result) -> float:
        return cpu / max(result.articles, 1)

    return {
        "articles/s": project.per_second() / naive.per_second(),
        "CPU": per_article(project.cpu, project) / per_article(naive.cpu, naive),
        "CPU+PostgreSQL": per_article(project.cpu + project.db_cpu, project)
        / per_article(naive.cpu + naive.db_cpu, naive),
        "peak RSS": project.peak_rss / naive.peak_rss,
    }


def ratio_line(ratio: dict[str, float]) -> str:
    return (f"articles/s x{ratio['articles/s']:.2f}, CPU per article x{ratio['CPU']:.2f},"
            f" CPU per article with PostgreSQL's x{ratio['CPU+PostgreSQL']:.2f},"
            f" peak RSS x{ratio['peak RSS']:.2f}")


LOAD_AGAIN = """
import sys
from portalnews.pipelines.load import load_pending
from portalnews.registry import load_registry, select
print(load_pending(sys.argv[1], select(load_registry([sys.argv[2]]), ["gen_nukeviet"])[0]).as_dict())
"""


def load_stage_alone(db_url: str, registry: Path, tmp: Path, db_pid: int) -> str:
    """The load stage by itself: every stored article removed, then every extraction loaded again as new."""
    conn = psycopg2.connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "TRUNCATE articles, article_urls, stories, story_signatures, story_bands, article_versions"
                " CASCADE;"
                " UPDATE extractions SET loaded_at = NULL"
            )
            cur.execute("SELECT count(*) FROM extractions WHERE ok")
            pages = cur.fetchone()[0]
    finally:
        conn.close()
    report = tmp / "load-again.txt"
    wall, _, db_cpu, _, _, by_role = run_measured(
        "load",
        [sys.executable, "-c", LOAD_AGAIN, db_url, str(registry)],
        dict(os.environ, DATABASE_URL=db_url),
        db_pid,
        stdout_path=report,
    )
    return (f"load stage alone: {report.read_text().strip()} in {wall:.1f} s (interpreter start included);"
            f" {cpu_breakdown(by_role, db_cpu, pages)}")


RECOMPUTE_FACTS = """
import sys
from portalnews.pipelines.load.facts import recompute_facts
print(recompute_facts(sys.argv[1]))
"""


def facts_alone(db_url: str, tmp: Path, db_pid: int) -> str:
    """The facts part of the load stage (issue 19) by itself: every article's facts removed, then
    derived and stored again (`portalnews facts recompute`'s code), so their cost per article shows
    apart from the rest of the load stage's."""
    conn = psycopg2.connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("TRUNCATE article_facts CASCADE")
            cur.execute("SELECT count(*) FROM articles")
            articles = cur.fetchone()[0]
    finally:
        conn.close()
    report = tmp / "facts-again.txt"
    wall, _, db_cpu, _, _, by_role = run_measured(
        "facts",
        [sys.executable, "-c", RECOMPUTE_FACTS, db_url],
        dict(os.environ, DATABASE_URL=db_url),
        db_pid,
        stdout_path=report,
    )
    client = sum(seconds for role, seconds in by_role.items() if role != "rss at peak")
    n = max(articles, 1)
    return (
        f"facts alone (derive + store, as the load stage does): {report.read_text().strip()} in {wall:.1f} s;"
        f" CPU ms/article: client {1000 * client / n:.2f} (interpreter start included),"
        f" PostgreSQL {1000 * db_cpu / n:.2f}"
    )


def page_sizes(site: Path) -> str:
    sizes = sorted(p.stat().st_size for p in (site / "www" / "news").glob("*/*.html"))
    return f"{sizes[0] // 1024}-{sizes[-1] // 1024} KB" if sizes else "none"


if __name__ == "__main__":
    main()
