"""Benchmark: one full `portalnews run` pass over the recorded fixture portals, then an incremental one.

    python bench/pipeline.py [--repeat N]

Serves every site in tests/fixtures/sites on 127.0.0.1, runs the pipeline on a throw-away embedded
PostgreSQL, and prints wall time, pages per second, requests and 304s per run, and the peak memory
of the crawl subprocesses and of this process. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portalnews import jobs  # noqa: E402
from portalnews.mirror import SiteMirror  # noqa: E402
from portalnews.registry import load_registry  # noqa: E402
from portalnews.store import embedded as embedded_db  # noqa: E402
from portalnews.store.schema import migrate  # noqa: E402

SITES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sites"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="fresh-database repetitions")
    args = parser.parse_args()
    sites = sorted(p for p in SITES.iterdir() if (p / "portal.toml").exists())
    with tempfile.TemporaryDirectory() as tmp:
        server = embedded_db.start(pgdata=Path(tmp) / "pg", port=embedded_db._free_port())
        mirrors = [SiteMirror(site).start() for site in sites]
        try:
            registry = Path(tmp) / "registry.toml"
            registry.write_text("\n".join(m.registry_text() for m in mirrors), encoding="utf-8")
            portals = list(load_registry([registry], include_builtin=False).values())
            print(f"{len(portals)} fixture portals: {', '.join(p.id for p in portals)}")
            print(f"{'run':<14}{'wall s':>8}{'pages':>7}{'pages/s':>9}{'requests':>10}{'304s':>6}{'new':>5}")
            for n in range(args.repeat):
                embedded_db.ensure_database(server, f"bench{n}")
                db_url = server.url(f"bench{n}")
                migrate(db_url)
                for label in ("first", "incremental"):
                    started = time.perf_counter()
                    summaries = [
                        jobs.run_portal(db_url, p, [registry], on_line=lambda _: None) for p in portals
                    ]
                    wall = time.perf_counter() - started
                    pages = sum(s["crawl"]["pages_fetched"] for s in summaries)
                    requests = sum(s["crawl"]["requests"] for s in summaries)
                    not_modified = sum(s["crawl"]["responses_304"] for s in summaries)
                    new = sum(s["load"]["new"] for s in summaries)
                    print(f"{label + ' #' + str(n + 1):<14}{wall:>8.2f}{pages:>7}{pages / wall:>9.1f}"
                          f"{requests:>10}{not_modified:>6}{new:>5}")
                    for s in summaries:
                        c = s["crawl"]
                        print(f"  {s['portal']:<12}{'':>8}{c['pages_fetched']:>7}{'':>9}{c['requests']:>10}"
                              f"{c['responses_304']:>6}{s['load']['new']:>5}")
        finally:
            for m in mirrors:
                m.stop()
            embedded_db.stop(Path(tmp) / "pg")
            embedded_db.remove_cluster(Path(tmp) / "pg")  # as root it may live in /var/lib/portalnews
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: crawl subprocess {children:.0f} MiB, cleaning/loading process {own:.0f} MiB")


if __name__ == "__main__":
    main()
