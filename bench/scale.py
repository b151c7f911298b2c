"""Scale in simulation: K generated portals through Airflow's scheduler (LocalExecutor) and the crawl pool.

    python bench/scale.py [--portals 20] [--articles 30] [--delay 0.5]

Generates K NukeViet-style portals (tests/support/generated_portal.py) whose registry entries keep per-portal
politeness on (one request at a time per portal, DOWNLOAD_DELAY seconds apart, as on the real
portals), serves them on 127.0.0.1, starts `portalnews up` (embedded PostgreSQL, Airflow with the
LocalExecutor, pool `portal_crawl` of 2 slots) in a throw-away home, unpauses every portal DAG at once
and waits for all runs. Printed: wall time, articles loaded and per hour, how many portals were
crawling at the same time at most (from the request log of each portal's server), and per portal the
smallest gap between two of its requests and the most of its requests ever in flight at once.
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import psycopg2  # noqa: E402

from bench.airflow_up import airflow_up  # noqa: E402
from portalnews.mirror import SiteMirror  # noqa: E402
from portalnews.store import embedded as embedded_db  # noqa: E402
from tests.support.generated_portal import generate  # noqa: E402


class TimedMirror(SiteMirror):
    """A SiteMirror that also records when each request started and ended."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timeline: list[tuple[float, float]] = []

    def _handle(self, handler, head):
        started = time.monotonic()
        try:
            super()._handle(handler, head)
        finally:
            with self._lock:
                self.timeline.append((started, time.monotonic()))


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=20)
    parser.add_argument("--articles", type=int, default=30, help="articles per portal")
    parser.add_argument("--delay", type=float, default=0.5, help="DOWNLOAD_DELAY of every portal, seconds")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="portalnews-scale-"))
    mirrors = []
    for k in range(1, args.portals + 1):
        site = home / "sites" / f"p{k:02d}"
        generate(site, args.articles, seed=100 + k, portal_id=f"gen_p{k:02d}", per_page=10)
        toml = site / "portal.toml"
        lines = [
            line for line in toml.read_text(encoding="utf-8").splitlines() if not line.startswith("settings")
        ]
        lines.append(f"settings = {{ DOWNLOAD_DELAY = {args.delay}, CONCURRENT_REQUESTS_PER_DOMAIN = 1,"
                     " AUTOTHROTTLE_ENABLED = false }")
        toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
        mirrors.append(TimedMirror(site).start())
    registry = home / "registry.toml"
    registry.write_text("\n".join(m.registry_text() for m in mirrors), encoding="utf-8")
    api_port, db_port = embedded_db._free_port(), embedded_db._free_port()
    env = dict(os.environ, PORTALNEWS_DB_PORT=str(db_port))
    env.pop("DATABASE_URL", None)
    try:
        with airflow_up(registry, home, env, api_port) as airflow:
            measure(args, airflow, mirrors, home)
    finally:
        for mirror in mirrors:
            mirror.stop()
        shutil.rmtree(home, ignore_errors=True)


def measure(args, airflow, mirrors: list[TimedMirror], home: Path) -> None:
    wanted = [f"portalnews_gen_p{k:02d}" for k in range(1, args.portals + 1)]
    airflow.wait_for_dags(wanted)
    for mirror in mirrors:
        mirror.reset_log()
        mirror.timeline.clear()
    started = time.monotonic()
    for dag_id in wanted:  # unpaused together: each starts its latest hourly run
        airflow.api(f"/api/v2/dags/{dag_id}", "PATCH", {"is_paused": False})
    states: dict[str, str] = {}
    while time.monotonic() - started < args.timeout:
        states = {}
        for dag_id in wanted:
            runs = airflow.api(f"/api/v2/dags/{dag_id}/dagRuns")["dag_runs"]
            states[dag_id] = runs[0]["state"] if runs else "none"
        if all(s in ("success", "failed") for s in states.values()):
            break
        time.sleep(3)
    wall = time.monotonic() - started
    db_url = embedded_db.running_server(home / "pgdata").url("portalnews")
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM articles")
        articles = cur.fetchone()[0]
    crawls = [(min(s for s, _ in m.timeline), max(e for _, e in m.timeline)) for m in mirrors if m.timeline]
    crawl_tasks = []  # the crawl tasks as Airflow ran them (what pool portal_crawl limits)
    for dag_id in wanted:
        run = airflow.api(f"/api/v2/dags/{dag_id}/dagRuns")["dag_runs"][0]
        task = airflow.api(
            f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances/crawl_clean_load")
        if task.get("start_date") and task.get("end_date"):
            crawl_tasks.append((datetime.fromisoformat(task["start_date"]).timestamp(),
                                datetime.fromisoformat(task["end_date"]).timestamp()))
    gaps = []
    in_flight = []
    for mirror in mirrors:
        starts = sorted(s for s, _ in mirror.timeline)
        gaps.append(min((b - a for a, b in zip(starts, starts[1:], strict=False)), default=float("nan")))
        in_flight.append(most_at_once(mirror.timeline))
    print(
        f"{args.portals} portals x {args.articles} articles, DOWNLOAD_DELAY {args.delay} s, one request at a"
        f" time per portal, pool portal_crawl 2 slots, LocalExecutor, {os.cpu_count()} CPUs"
    )
    print(f"runs: {sorted(set(states.values()))} ({sum(s == 'success' for s in states.values())} success)")
    print(f"wall {wall:.0f} s from unpausing to the last run's end; {articles} articles loaded,"
          f" {3600 * articles / wall:.0f} articles/hour, {3600 * len(crawls) / wall:.0f} portal runs/hour")
    print(f"crawl tasks running at the same time, at most: {most_at_once(crawl_tasks)} (Airflow's task"
          f" start/end); portals being requested at the same time, at most: {most_at_once(crawls)}"
          " (first to last request seen by each portal's server)")
    longest = max(crawl_tasks, key=lambda t: t[1] - t[0]) if crawl_tasks else (0, 0)
    print(f"crawl task duration: longest {longest[1] - longest[0]:.0f} s, mean"
          f" {sum(e - s for s, e in crawl_tasks) / max(len(crawl_tasks), 1):.0f} s")
    print(f"per portal: smallest gap between two requests {min(gaps):.2f} s (Scrapy randomises the delay"
          f" 0.5-1.5x); most requests in flight at once {max(in_flight)}")
    print(f"requests served: {sum(len(m.timeline) for m in mirrors)}")


if __name__ == "__main__":
    main()
