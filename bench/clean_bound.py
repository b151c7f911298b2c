"""Cleaning a huge page: bare `extract_article` (what the clean stage did before issue 11) against the
bounded extractor the clean stage uses now (size limit, time limit, worker process), side by side.

    python bench/clean_bound.py [MB ...]        # default: 1 4 9

Each page is a real-looking article body repeated to the size. Prints wall time and the peak RSS of
the process that ran the extraction.
"""

from __future__ import annotations

import resource
import sys
import time
from multiprocessing import get_context

PARAGRAPH = (
    "<div><p>Hội nghị Ban Chấp hành Đảng bộ thành phố lần thứ mười lăm bàn về công tác xây dựng Đảng "
    "và hệ thống chính trị, nâng cao chất lượng sinh hoạt chi bộ.</p></div>"
).encode()


def page(megabytes: float) -> bytes:
    return (
        b"<html><body><article>"
        + PARAGRAPH * int(megabytes * 1024 * 1024 / len(PARAGRAPH))
        + b"</article></body></html>"
    )


def _bare(html: bytes, out) -> None:
    from portalnews.extraction import extract_article

    started = time.monotonic()
    try:
        extract_article(html, "http://127.0.0.1/bai-viet/x-1.html")
        outcome = "cleaned"
    except Exception as err:  # noqa: BLE001 (measured, not handled)
        outcome = type(err).__name__
    out.send((time.monotonic() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, outcome))


def bare(html: bytes) -> tuple[float, float, str]:
    """In a fresh process, so each measurement's peak RSS is its own."""
    context = get_context("fork")
    parent, child = context.Pipe()
    proc = context.Process(target=_bare, args=(html, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def bounded(html: bytes) -> tuple[float, str]:
    from portalnews.pipelines.clean_workers import BoundedCleaner

    cleaner = BoundedCleaner()
    started = time.monotonic()
    try:
        cleaner.clean(html, "http://127.0.0.1/bai-viet/x-1.html")
        outcome = "cleaned"
    except Exception as err:  # noqa: BLE001
        outcome = type(err).__name__
    elapsed = time.monotonic() - started
    cleaner._stop()
    return elapsed, outcome


def main(sizes: list[float]) -> None:
    print(f"{'page':>7} | {'bare extract_article':>32} | {'bounded (clean stage)':>28}")
    for megabytes in sizes:
        html = page(megabytes)
        b_time, b_rss, b_outcome = bare(html)
        n_time, n_outcome = bounded(html)
        print(f"{len(html) / 1048576:5.1f}MB | {b_time:7.1f} s {b_rss:7.0f} MiB {b_outcome:>12} | "
              f"{n_time:7.2f} s {n_outcome:>18}", flush=True)


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [1, 4, 9])
