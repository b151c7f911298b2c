"""Web archives, side by side: importing a WARC against crawling the same portal, and the WARC and
Parquet exports against the JSON-lines export.

    python bench/archives.py [--articles 2000] [--workdir DIR] [--no-crawl]

Generates (once per --workdir) the NukeViet-style portal of tests/support/generated_portal.py, serves it on
127.0.0.1 and records every article page and listing page into a WARC with warcio (capture_http, real
HTTP fetches), starts a throw-away embedded PostgreSQL, then measures as fresh processes on empty
databases:

* `portalnews import WARC --portal gen_nukeviet` (raw pages -> clean -> dedupe -> load);
* `portalnews run --portal gen_nukeviet` of the live generated portal (the alternative: crawling it;
  politeness off for loopback), unless --no-crawl;
* `portalnews export --format warc | parquet | jsonl` of the imported database.

Printed: wall time, pages (or articles) per second, MB written per second for exports, CPU of the
process tree, peak RSS of the tree (bench/throughput.py's sampler), and the machine's load average.
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import psycopg2

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.throughput import run_measured  # noqa: E402
from portalnews.mirror import SiteMirror  # noqa: E402
from portalnews.store import embedded as embedded_db  # noqa: E402
from portalnews.store.schema import migrate  # noqa: E402
from tests.support.generated_portal import generate  # noqa: E402

PORTAL = "gen_nukeviet"


def record(site: Path, warc: Path) -> tuple[str, int]:
    """Fetch every page of the generated site through HTTP while warcio records; return the registry
    text (with the origin the WARC's URLs carry) and the number of pages."""
    from warcio.capture_http import capture_http

    mirror = SiteMirror(site).start()
    www = site / "www"
    paths = ["/" + str(p.relative_to(www)).removesuffix("index.html") for p in sorted(www.rglob("*.html"))]
    try:
        with capture_http(str(warc)):
            for path in paths:
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(mirror.url(path), timeout=30).read()
        return mirror.registry_text(), len(paths)
    finally:
        mirror.stop()


def count(db_url: str, sql: str) -> int:
    conn = psycopg2.connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]
    finally:
        conn.close()


def line(name: str, wall: float, cpu: float, peak: int, amount: float, unit: str) -> str:
    return (f"{name:<34} {wall:8.1f} s {amount / wall if wall else 0:10.1f} {unit:<10} {cpu:8.1f} s CPU"
            f" {peak / 2**20:8.0f} MiB peak RSS   load {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "portalnews-bench")
    parser.add_argument(
        "--no-crawl", dest="crawl", action="store_false", help="skip the live-crawl comparison"
    )
    args = parser.parse_args()
    site = args.workdir / f"site-{args.articles}"
    if not (site / "gold.json").exists():
        generate(site, args.articles)
    tmp = Path(tempfile.mkdtemp(prefix="portalnews-archives-bench-"))
    warc = tmp / "generated.warc.gz"
    registry_text, pages = record(site, warc)
    registry = tmp / "registry.toml"
    registry.write_text(registry_text, encoding="utf-8")
    print(f"generated portal: {args.articles} articles, {pages} pages recorded into a "
          f"{warc.stat().st_size / 2**20:.1f} MiB WARC; {os.cpu_count()} CPUs", flush=True)
    pgdata = tmp / "pg"
    pg = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    db_pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    cli = [sys.executable, "-m", "portalnews.cli"]
    try:
        embedded_db.ensure_database(pg, "bench_import")
        imported_db = pg.url("bench_import")
        migrate(imported_db)
        env = dict(os.environ, DATABASE_URL=imported_db, PORTALNEWS_HOME=str(tmp / "home"))
        wall, cpu, _, peak, _, _ = run_measured("import", [*cli, "import", str(warc), "--portal", PORTAL,
                                                           "--registry", str(registry)], env, db_pid)
        stored = count(imported_db, "SELECT count(*) FROM raw_pages")
        print(line("import (store, clean, load)", wall, cpu, peak, stored, "pages/s"), flush=True)
        print(f"{'':<34} {stored} pages stored, "
              f"{count(imported_db, 'SELECT count(*) FROM articles')} articles", flush=True)
        if args.crawl:
            embedded_db.ensure_database(pg, "bench_crawl")
            crawl_db = pg.url("bench_crawl")
            migrate(crawl_db)
            with SiteMirror(site) as mirror:  # the same pages, live, for the same command's crawl
                live_registry = tmp / "live.toml"
                live_registry.write_text(mirror.registry_text(), encoding="utf-8")
                env = dict(os.environ, DATABASE_URL=crawl_db, PORTALNEWS_HOME=str(tmp / "home"))
                wall, cpu, _, peak, _, _ = run_measured(
                    "crawl", [*cli, "run", "--portal", PORTAL, "--registry", str(live_registry)], env, db_pid
                )
            crawled = count(crawl_db, "SELECT count(*) FROM raw_pages")
            print(line("run (crawl, clean, load)", wall, cpu, peak, crawled, "pages/s"), flush=True)
        env = dict(os.environ, DATABASE_URL=imported_db, PORTALNEWS_HOME=str(tmp / "home"))
        for fmt in ("warc", "parquet", "jsonl"):
            output = tmp / f"export.{fmt}"
            wall, cpu, _, peak, _, _ = run_measured(f"export {fmt}", [*cli, "export", "--format", fmt,
                                                                      "--output", str(output)], env, db_pid)
            size = output.stat().st_size / 2**20
            print(line(f"export --format {fmt} ({size:.1f} MiB)", wall, cpu, peak, size, "MiB/s"), flush=True)
    finally:
        embedded_db.stop(pgdata)
        embedded_db.remove_cluster(pgdata)


if __name__ == "__main__":
    main()
