"""Link discovery on one listing page with N links in one <div> (issue 17: the per-link context used
to re-read the whole container for every link; 1,000 links took 6.6 s, 4,000 took 123.9 s).

    python bench/discovery.py [--sizes 1000,2000,5000,10000,20000] [--old-up-to 2000]

Prints, for each size, the page's size, `discover()`'s time, and (up to --old-up-to links) the time of
the earlier context rule (each link's nearest div/li/tr/article ancestor's whole text, re-read per link)
side by side, with the load average (2 shared cores: figures vary with the neighbours' work).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from parsel import Selector  # noqa: E402

from portalnews.spiders.discovery import discover  # noqa: E402


def listing(links: int) -> bytes:
    cards = "".join(f'<a href="/bai-viet/bai-so-{n}-{10000 + n}.html">Bài số {n}</a> '
                    f'<span>0{n % 9 + 1}/05/2025</span>\n'
                    for n in range(links))
    return f"<html><body><div class='list'>{cards}</div></body></html>".encode()


def earlier_contexts(body: bytes) -> int:
    """The earlier rule: the container's whole text, read again for every link (quadratic)."""
    sel = Selector(text=body.decode())
    count = 0
    for anchor in sel.xpath("//a[@href]"):
        container = anchor.xpath("ancestor::*[self::li or self::article or self::tr or self::div][1]")
        context = " ".join((container[0] if container else anchor).xpath(".//text()").getall())
        count += len(" ".join(context.split())[:300]) > 0
    return count


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,2000,5000,10000,20000")
    parser.add_argument("--old-up-to", type=int, default=2000,
                        help="largest size to time the earlier rule on")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'links':>7} | {'page KiB':>8} | {'discover()':>10} | {'earlier rule':>12}")
    for size in (int(s) for s in args.sizes.split(",")):
        body = listing(size)
        seconds, found = timed(discover, body, "http://127.0.0.1:9/tin-tuc/", "text/html")
        assert len(found.article_links) == size
        earlier = f"{'(skipped)':>12}"
        if size <= args.old_up_to:
            earlier = f"{timed(earlier_contexts, body)[0]:10.2f} s"
        print(f"{size:>7} | {len(body) / 1024:8.0f} | {seconds:8.2f} s | {earlier}", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
