"""Throughput, side by side: `portalnews run` against the naive baseline on one generated portal.

    python bench/throughput.py [--articles 2000] [--workdir DIR] [--only project|naive]

Generates (once per --workdir) a NukeViet-style portal of N articles with its gold answers
(bench/generated_portal.py), serves it from a separate process on 127.0.0.1, starts a throw-away
embedded PostgreSQL, then runs, one after the other, each contender as a fresh process tree on an
empty database:

* `portalnews run --portal gen_nukeviet` (crawl -> clean -> dedupe -> load), politeness off for
  loopback through the generated registry entry (no AutoThrottle, no delay, 16 concurrent requests);
* `bench/naive_baseline.py` (one Scrapy process, `trafilatura.bare_extraction`, psycopg2 inserts).

Printed per contender: wall time, articles stored per second, CPU per article (user+system of the
whole process tree, from wait4), the PostgreSQL server's CPU during the run, peak RSS of the process
tree (sum over live processes, sampled every 50 ms), and title / published minute / author
correctness against the generator's gold. Then the ratio, and `portalnews reextract` of the stored
pages with one cleaning process and with one per core (pages/s as the command reports it). Figures
only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
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

from bench.generated_portal import generate  # noqa: E402
from portalnews.store import embedded as embedded_db  # noqa: E402


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


def run_measured(name: str, command: list[str], env: dict, db_pid: int) -> tuple[float, float, float, int, int]:
    """Run `command`; return wall s, tree CPU s, database CPU s, peak tree RSS bytes, exit code."""
    db = psutil.Process(db_pid)
    db_before = tree_cpu(db)
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                peak = max(peak, rss)
            except psutil.NoSuchProcess:
                pass
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
    if proc.returncode:
        print(f"{name} exited with {proc.returncode}:\n  " + "\n  ".join(stderr_tail), file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, tree_cpu(db) - db_before, peak, proc.returncode


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
    server = subprocess.Popen([sys.executable, str(REPO / "bench" / "generated_portal.py"), str(site), "--serve"],
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
            wall, cpu, db_cpu, peak, code = run_measured(name, command, env, db_pid)
            rows = [(path_of(url), *rest) for url, *rest in fetch(db_url, sql)]
            results.append(Result("portalnews run" if name == "project" else "naive baseline",
                                  wall, cpu, db_cpu, peak, *score(rows, gold), code))
            print(results[-1].line() if len(results) > 1 else HEADER + "\n" + results[-1].line(), flush=True)
        if args.reextract and any(r.name == "portalnews run" for r in results):
            # `portalnews reextract` of the stored raw pages, with one cleaning process and with one per core.
            env = dict(os.environ, DATABASE_URL=pg.url("bench_project"), PORTALNEWS_HOME=str(tmp / "home"))
            for workers in ("1", str(len(os.sched_getaffinity(0)))):
                out = subprocess.run([sys.executable, "-m", "portalnews.cli", "reextract", "--registry", str(registry),
                                      "--portal", "gen_nukeviet"], env=dict(env, PORTALNEWS_CLEAN_WORKERS=workers),
                                     capture_output=True, text=True)
                print("reextract: " + next((line for line in out.stdout.splitlines() if "pages/s" in line),
                                           out.stderr[-500:]), flush=True)
    finally:
        server.terminate()
        server.wait()
        embedded_db.stop(pgdata)
    if len(results) == 2:
        naive, project = results
        print(f"project / naive: articles/s x{(project.articles / project.wall) / (naive.articles / naive.wall):.2f},"
              f" CPU per article x{(project.cpu / project.articles) / (naive.cpu / naive.articles):.2f},"
              f" peak RSS x{project.peak_rss / naive.peak_rss:.2f}")


def page_sizes(site: Path) -> str:
    sizes = sorted(p.stat().st_size for p in (site / "www" / "news").glob("*/*.html"))
    return f"{sizes[0] // 1024}-{sizes[-1] // 1024} KB" if sizes else "none"


if __name__ == "__main__":
    main()
