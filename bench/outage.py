"""A database outage during a crawl: the same crawl with the database up, and with it stopped after
the first article, side by side (issue 11: before the fix, 50 one-second pages took 5 min 19 s with
the database down, about 7.5 s of blocked reactor per page).

    python bench/outage.py [--pages 50] [--page-delay 1.0]

Each article page answers after `--page-delay` seconds (a slow portal). Prints wall time of the crawl
step and how many pages were stored, spooled and lost.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portalnews import jobs  # noqa: E402
from portalnews.store import embedded as embedded_db  # noqa: E402
from portalnews.store.schema import migrate  # noqa: E402
from tests.support.hostile_site import HostileSite  # noqa: E402


def crawl_once(root: Path, name: str, pages: int, delay: float, stop_database: bool) -> str:
    pgdata = root / f"pg-{name}"
    server = embedded_db.start(pgdata=pgdata, port=embedded_db._free_port())
    embedded_db.ensure_database(server, "bench")
    url = server.url("bench")
    migrate(url)
    site = HostileSite(root, name)
    slugs = [f"bai-so-{n}-{1000 + n}" for n in range(pages)]
    for slug in slugs:
        site.article(slug)
    site.listing([f"/bai-viet/{slug}.html" for slug in slugs])
    served = site.serve()
    text = served.registry_file.read_text(encoding="utf-8")
    served.registry_file.write_text(
        text.replace("DOWNLOAD_DELAY = 0", "DOWNLOAD_DELAY = 0, CONCURRENT_REQUESTS_PER_DOMAIN = 8"),
        encoding="utf-8",
    )
    stopped: list[bool] = []

    def slow_page() -> None:
        if stop_database and not stopped:  # the database goes down as the first article is requested
            stopped.append(True)
            embedded_db.stop(pgdata)
        time.sleep(delay)

    for slug in slugs:
        served.mirror.before[f"/bai-viet/{slug}.html"] = slow_page
    try:
        run_id = jobs.start_run(url, served.portal)
        started = time.monotonic()
        figures = jobs.crawl(url, served.portal, run_id, [served.registry_file], on_line=lambda _line: None)
        elapsed = time.monotonic() - started
    finally:
        served.stop()
        embedded_db.stop(pgdata)
        embedded_db.remove_cluster(pgdata)
    lost = pages - figures["pages_stored"] - figures["pages_spooled"]
    return (f"{'database stopped' if stop_database else 'database up':>17} | {elapsed:6.1f} s | "
            f"{figures['pages_stored']:6} | {figures['pages_spooled']:7} | {lost:4}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--page-delay", type=float, default=1.0)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="portalnews-bench-outage-"))
    root.chmod(0o755)  # as root, the server's system user must reach its data directory
    try:
        print(f"{args.pages} article pages, each answering after {args.page_delay} s")
        print(f"{'':>17} | {'crawl':>8} | stored | spooled | lost")
        print(crawl_once(root, "up", args.pages, args.page_delay, stop_database=False), flush=True)
        print(crawl_once(root, "down", args.pages, args.page_delay, stop_database=True), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
