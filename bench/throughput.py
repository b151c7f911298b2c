"""Throughput, side by side: `portalnews run` against the naive baseline on one generated portal.

    python bench/throughput.py [--articles 2000] [--workdir DIR] [--only project|naive]

Generates (once per --workdir) a NukeViet-style portal of N articles with its gold answers
(tests/support/generated_portal.py), serves it from a separate process on 127.0.0.1, starts a throw-away
embedded PostgreSQL, then runs, one after the other, each contender as a fresh process tree on an
empty database:

* `portalnews run --portal gen_nukeviet` (crawl -> clean -> dedupe -> load), politeness off for
  loopback through the generated registry entry (no AutoThrottle, no delay, 16 concurrent requests);
* `bench/naive_baseline.py` (one Scrapy process, `trafilatura.bare_extraction`, psycopg2 inserts).

Printed per contender: wall time, articles stored per second, CPU per article (user+system of the
whole process tree, from wait4, this process being the tree's subreaper so that processes killed with
their parent are counted too), the PostgreSQL server's CPU during the run, peak RSS of the process
tree (sum over live processes, sampled every 50 ms), and title / published minute / author
correctness against the generator's gold. Then the ratios, where the CPU went (per article: the
Scrapy process, the cleaning worker processes, the main process, i.e. orchestration and the load
stage, and PostgreSQL), how many cores the run kept busy and the machine's load average, and
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
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg2

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from portalnews.store import embedded as embedded_db  # noqa: E402
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

    def line(self) -> str:
        per_s = self.articles / self.wall if self.wall else 0
        per_article = 1000 * self.cpu / self.articles if self.articles else float("nan")
        return (f"{self.name:<16}{self.wall:>8.1f}{self.articles:>9}{per_s:>12.1f}{per_article:>15.0f}"
                f"{1000 * self.db_cpu / max(self.articles, 1):>12.0f}{self.peak_rss / 2**20:>11.0f}"
                f"{self.title:>8.0%}{self.minute:>8.0%}{self.author:>8.0%}{self.exit_code:>6}")


HEADER = (f"{'':<16}{'wall s':>8}{'articles':>9}{'articles/s':>12}{'CPU ms/art.':>15}{'DB ms/art.':>12}"
          f"{'RSS MiB':>11}{'title':>8}{'minute':>8}{'author':>8}{'exit':>6}")


def tree_cpu(process: psutil.Process) -> float:
    """CPU seconds of a process, its waited-for children and its live children (a server's backends)."""
    total = 0.0
    try:
        times = process.cpu_times()
        total += times.user + times.system + times.children_user + times.children_system
        for child in process.children(recursive=True):
            with_child = child.cpu_times()
            total += with_child.user + with_child.system
    except psutil.NoSuchProcess:
        pass
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


ROLES = (("crawl", "scrapy"), ("cleaning workers", "bounded_extract"))


def role_of(process: psutil.Process, root_pid: int) -> str:
    if process.pid == root_pid:
        return "main"
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return "other"
    return next((role for role, marker in ROLES if marker in command), "other")


def run_measured(name: str, command: list[str], env: dict, db_pid: int,
                 stdout_path: Path | None = None) -> tuple[float, float, float, int, int, dict]:
    """Run `command`; return wall s, tree CPU s, database CPU s, peak tree RSS bytes, exit code, and CPU s
    by role ("crawl", "cleaning workers", "main", "other").

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
    peak = 0
    peak_by_role: dict[str, int] = {}  # each role's RSS at the tree's peak
    seen: dict[int, tuple[str, float, int]] = {}  # pid -> (role, last CPU s, parent pid)
    done = threading.Event()

    def tree() -> list[psutil.Process]:
        try:
            root = psutil.Process(proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:  # exited between two samples
            return []

    def sample() -> None:
        nonlocal peak, peak_by_role
        while not done.is_set():
            rss = 0
            by_role: dict[str, int] = {}
            for process in tree():
                try:
                    with process.oneshot():
                        process_rss = process.memory_info().rss
                        rss += process_rss
                        times = process.cpu_times()
                        # A child first seen between fork and exec still shows its parent's command
                        # line: its role is looked at again until it is known.
                        if process.pid not in seen or seen[process.pid][0] == "other":
                            seen[process.pid] = (role_of(process, proc.pid), 0.0, process.ppid())
                        role, _, parent = seen[process.pid]
                        seen[process.pid] = (role, times.user + times.system, parent)
                        by_role[role] = by_role.get(role, 0) + process_rss
                except psutil.Error:
                    pass
            if rss > peak:
                peak, peak_by_role = rss, by_role
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr_tail: list[str] = []
    assert proc.stderr is not None
    for line in proc.stderr:
        stderr_tail = (stderr_tail + [line.rstrip()])[-15:]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if stdout_path:
        stdout.close()
    if proc.returncode:
        print(f"{name} exited with {proc.returncode}:\n  " + "\n  ".join(stderr_tail), file=sys.stderr)
    total = usage.ru_utime + usage.ru_stime
    by_role: dict[str, float] = {}
    for pid, (role, cpu, _) in seen.items():
        if pid != proc.pid:
            total += reap_orphan(pid)
        if role != "main":
            by_role[role] = by_role.get(role, 0.0) + cpu
    by_role["main"] = max(0.0, total - sum(by_role.values()))
    by_role["rss at peak"] = peak_by_role  # type: ignore[assignment]
    return wall, total, tree_cpu(db) - db_before, peak, proc.returncode, by_role


def cpu_breakdown(by_role: dict, db_cpu: float, articles: int) -> str:
    """CPU ms per article of each part of the tree, and of the PostgreSQL server; each part's RSS at the
    tree's peak."""
    n = max(articles, 1)
    rss = by_role.get("rss at peak", {})
    cpu = {role: seconds for role, seconds in by_role.items() if role != "rss at peak"}
    parts = [f"{role} {1000 * seconds / n:.0f}" for role, seconds in sorted(cpu.items()) if seconds >= 0.0005 * n]
    return ("CPU ms/article: " + ", ".join(parts) + f", PostgreSQL {1000 * db_cpu / n:.0f}; RSS MiB at the peak: "
            + ", ".join(f"{role} {size / 2**20:.0f}" for role, size in sorted(rss.items())))


def score(rows: list[tuple[str, str | None, str | None, str | None]], gold: dict[str, dict]) -> tuple[int, float, float, float]:
    """(articles, title, minute, author) shares over the gold's articles; rows are (path, title, minute, author)."""
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


def fetch(db_url: str, sql: str) -> list[tuple]:
    conn = psycopg2.connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "portalnews-bench")
    parser.add_argument("--only", choices=("project", "naive"))
    parser.add_argument("--no-reextract", dest="reextract", action="store_false",
                        help="skip timing `portalnews reextract` (1 and N cleaning processes) after the run")
    args = parser.parse_args()
    site = args.workdir / f"site-{args.articles}"
    if not (site / "gold.json").exists():
        generate(site, args.articles)
    gold = json.loads((site / "gold.json").read_text(encoding="utf-8"))
    server = subprocess.Popen([sys.executable, str(REPO / "tests" / "support" / "generated_portal.py"), str(site), "--serve"],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    registry_text = "".join(iter(server.stdout.readline, "# serving; Ctrl-C stops\n"))
    origin = registry_text.split('base_url = "', 1)[1].split('"', 1)[0].rstrip("/")
    starts = json.loads(registry_text.split("start_urls = ", 1)[1].split("\n", 1)[0])
    tmp = Path(tempfile.mkdtemp(prefix="portalnews-throughput-"))
    registry = tmp / "registry.toml"
    registry.write_text(registry_text, encoding="utf-8")
    pgdata = tmp / "pg"
    pg = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    db_pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    results = []
    breakdowns: list[str] = []
    try:
        print(f"generated portal: {len(gold)} articles at {origin}; {os.cpu_count()} CPUs; "
              f"page sizes {page_sizes(site)}", flush=True)
        for name in ("naive", "project"):
            if args.only and args.only != name:
                continue
            embedded_db.ensure_database(pg, f"bench_{name}")
            db_url = pg.url(f"bench_{name}")
            env = dict(os.environ, DATABASE_URL=db_url, PORTALNEWS_HOME=str(tmp / "home"))
            if name == "project":
                command = [sys.executable, "-m", "portalnews.cli", "run", "--registry", str(registry),
                           "--portal", "gen_nukeviet"]
                sql = ("SELECT url, title, to_char(published_at AT TIME ZONE 'Asia/Ho_Chi_Minh',"
                       " 'YYYY-MM-DD\"T\"HH24:MI'), author FROM articles")
            else:
                command = [sys.executable, str(REPO / "bench" / "naive_baseline.py"), "--db", db_url, *starts]
                sql = "SELECT url, title, left(published, 16), author FROM naive_articles"
            wall, cpu, db_cpu, peak, code, by_role = run_measured(name, command, env, db_pid)
            rows = [(path_of(url), *rest) for url, *rest in fetch(db_url, sql)]
            results.append(Result("portalnews run" if name == "project" else "naive baseline",
                                  wall, cpu, db_cpu, peak, *score(rows, gold), code))
            print(results[-1].line() if len(results) > 1 else HEADER + "\n" + results[-1].line(), flush=True)
            breakdowns.append(f"{results[-1].name}: {cpu / wall:.2f} cores busy, load average"
                              f" {os.getloadavg()[0]:.1f} at its end; {cpu_breakdown(by_role, db_cpu, results[-1].articles)}")
        if args.reextract and any(r.name == "portalnews run" for r in results):
            # `portalnews reextract` of the stored raw pages, with one cleaning process and with one per core.
            env = dict(os.environ, DATABASE_URL=pg.url("bench_project"), PORTALNEWS_HOME=str(tmp / "home"))
            for workers in ("1", str(len(os.sched_getaffinity(0)))):
                report = tmp / f"reextract-{workers}.txt"
                wall, _, db_cpu, _, _, by_role = run_measured(
                    "reextract", [sys.executable, "-m", "portalnews.cli", "reextract", "--registry", str(registry),
                                  "--portal", "gen_nukeviet"],
                    dict(env, PORTALNEWS_CLEAN_WORKERS=workers), db_pid, stdout_path=report)
                line = next((line for line in report.read_text().splitlines() if "pages/s" in line), "no figure")
                busy = sum(v for k, v in by_role.items() if k != "rss at peak") / wall
                print(f"reextract: {line}; whole command {wall:.1f} s, {busy:.2f} cores busy,"
                      f" load average {os.getloadavg()[0]:.1f}; {cpu_breakdown(by_role, db_cpu, len(gold))}", flush=True)
        if any(r.name == "portalnews run" for r in results):
            print(load_stage_alone(pg.url("bench_project"), registry, tmp, db_pid), flush=True)
            print(facts_alone(pg.url("bench_project"), tmp, db_pid), flush=True)
        for line in breakdowns:
            print(line)
    finally:
        server.terminate()
        server.wait()
        embedded_db.stop(pgdata)
        embedded_db.remove_cluster(pgdata)  # as root it may live in /var/lib/portalnews
        shutil.rmtree(tmp, ignore_errors=True)
    if len(results) == 2:
        naive, project = results
        print(f"project / naive: articles/s x{(project.articles / project.wall) / (naive.articles / naive.wall):.2f},"
              f" CPU per article x{(project.cpu / project.articles) / (naive.cpu / naive.articles):.2f},"
              f" CPU per article with PostgreSQL's x{((project.cpu + project.db_cpu) / project.articles) / ((naive.cpu + naive.db_cpu) / naive.articles):.2f},"
              f" peak RSS x{project.peak_rss / naive.peak_rss:.2f}")


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
            cur.execute("TRUNCATE articles, article_urls, stories, story_signatures, article_versions CASCADE;"
                        " UPDATE extractions SET loaded_at = NULL")
            cur.execute("SELECT count(*) FROM extractions WHERE ok")
            pages = cur.fetchone()[0]
    finally:
        conn.close()
    report = tmp / "load-again.txt"
    wall, _, db_cpu, _, _, by_role = run_measured("load", [sys.executable, "-c", LOAD_AGAIN, db_url, str(registry)],
                                                  dict(os.environ, DATABASE_URL=db_url), db_pid, stdout_path=report)
    return (f"load stage alone: {report.read_text().strip()} in {wall:.1f} s (interpreter start included);"
            f" {cpu_breakdown(by_role, db_cpu, pages)}")


RECOMPUTE_FACTS = """
import sys
from portalnews.pipelines.facts import recompute_facts
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
    wall, _, db_cpu, _, _, by_role = run_measured("facts", [sys.executable, "-c", RECOMPUTE_FACTS, db_url],
                                                  dict(os.environ, DATABASE_URL=db_url), db_pid, stdout_path=report)
    client = sum(seconds for role, seconds in by_role.items() if role != "rss at peak")
    n = max(articles, 1)
    return (f"facts alone (derive + store, as the load stage does): {report.read_text().strip()} in {wall:.1f} s;"
            f" CPU ms/article: client {1000 * client / n:.2f} (interpreter start included),"
            f" PostgreSQL {1000 * db_cpu / n:.2f}")


def page_sizes(site: Path) -> str:
    sizes = sorted(p.stat().st_size for p in (site / "www" / "news").glob("*/*.html"))
    return f"{sizes[0] // 1024}-{sizes[-1] // 1024} KB" if sizes else "none"


if __name__ == "__main__":
    main()
