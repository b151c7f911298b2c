"""Score the project's cleaning step on the public article-extraction benchmark.

    python bench/extraction.py [--limit N] [--jobs N] [--with-body] [--speed [--rounds N]] [--worst N]
        [--dump FILE]

Scores, in the same run and on the same pages, (a) the project's `extract_article(html, url).body`
(an ExtractionError counts as an empty prediction), (b) bare `trafilatura.extract(html, url=url)`
with default options and (c) with `favor_precision=True`; `--with-body` adds (d) the paragraphs of
`portalnews.extraction.body.extract_body` alone (the trafilatura main-text step), before the
container, caption, byline and sapo rules that `extract_article` applies after it, to show what
those rules cost or gain. The metric is the benchmark's own (tests/support/metric.py,
shared/benchmarks/README.md). F1 is printed on the whole set, the tuning part and the held-back
part (the split rule is `held_back`, written down in bench/README.md).

pages/s is the throughput of one core: pages divided by the summed time spent inside that
extractor (decompression and scoring excluded), so it does not depend on --jobs. `--speed` also
times each extractor alone in a fresh Python process over every page, start-up (interpreter and
imports) included, one after the other, `--rounds` times (default 5), and prints the project's
speed as a multiple of bare trafilatura's (the range over the rounds and its median), with the
machine's load average before and after.

The benchmark is looked up in $PORTALNEWS_BENCHMARK_DIR, else ../shared/benchmarks/article-extraction
next to the repository.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `tests.support` importable
    sys.path.insert(0, str(REPO))

from tests.support.extraction_benchmark import (  # noqa: E402
    Page,
    Result,
    benchmark_dir,
    load_pages,
    run,
)


def format_table(results: dict[str, Result]) -> str:
    first = next(iter(results.values()), None)
    tuning = first.tuning_score.pages if first else 0
    held = first.held_back_score.pages if first else 0
    lines = [
        f"{'extractor':<22} {'F1':>6} {'P':>6} {'R':>6} {'F1 tuning':>10} {'F1 held-back':>13} "
        f"{'pages/s':>8}",
        f"{'':<22} {'(all ' + str(tuning + held) + ')':>20} {'(' + str(tuning) + ')':>10} "
        f"{'(' + str(held) + ')':>13}",
    ]
    for result in results.values():
        s = result.score
        lines.append(
            f"{result.name:<22} {s.f1:>6.4f} {s.precision:>6.3f} {s.recall:>6.3f} "
            f"{result.tuning_score.f1:>10.4f} "
            f"{result.held_back_score.f1:>13.4f} {result.pages_per_second:>8.1f}"
        )
    return "\n".join(lines)


_TIMED_RUN = """
import gzip, sys, time
sys.path.insert(0, {repo!r})
from tests.support.extraction_benchmark import EXTRACTORS
pages = [(gzip.open(path, "rt", encoding="utf-8", errors="replace").read(), url) for path, url in {pages!r}]
extractor = EXTRACTORS[{name!r}]
for html, url in pages:
    extractor(html, url)
"""


def startup_included_speed(pages: Sequence[Page], name: str) -> tuple[float, float]:
    """(pages per second, pages per CPU-second) of one extractor alone in a fresh Python process:
    interpreter start, imports and every page, serially (reading the gzip files, the same for every
    extractor, included). The CPU figure (the child's user + system time) moves far less than the
    wall-clock one when other work shares the machine."""
    code = _TIMED_RUN.format(repo=str(REPO), pages=[(str(p.path), p.url) for p in pages], name=name)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return len(pages) / wall, len(pages) / cpu


def _spread(values: Sequence[float], digits: int = 1) -> str:
    """"a" for one value, "low-high (median m)" for several."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    ordered = sorted(values)
    return (
        f"{ordered[0]:.{digits}f}-{ordered[-1]:.{digits}f} (median {statistics.median(ordered):.{digits}f})"
    )


def byte_compile_project() -> None:
    """Byte-compile the project's modules, as installing its wheel does (pip compiles what it
    installs): trafilatura's are compiled in site-packages, while an editable checkout's are compiled
    at each start when PYTHONDONTWRITEBYTECODE is set (as on the build machine), 70 ms of CPU that
    an installed project never spends."""
    compileall.compile_dir(REPO / "portalnews", quiet=1)


def format_speed(pages: Sequence[Page], names: Sequence[str], rounds: int = 1) -> str:
    """Each extractor alone in a fresh process, `rounds` times, alternating (so that every round
    of each sees about the same load of a shared machine); the ratio is taken round by round."""
    byte_compile_project()
    load_before = os.getloadavg()[0]
    speeds: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            speeds[name].append(startup_included_speed(pages, name))
    load = os.getloadavg()[0]
    lines = [f"start-up included, one process each, {len(pages)} pages, {rounds} round(s), "
             f"load average {load_before:.1f} before, {load:.1f} after:"]
    lines += [
        f"  {name:<22} {_spread([w for w, _ in runs])} pages/s  {_spread([c for _, c in runs])} pages/CPU-s"
        for name, runs in speeds.items()
    ]
    if "project" in speeds and "trafilatura" in speeds:
        pairs = list(zip(speeds["project"], speeds["trafilatura"], strict=True))
        wall = [project[0] / bare[0] for project, bare in pairs]
        cpu = [project[1] / bare[1] for project, bare in pairs]
        lines.append(
            f"  project / trafilatura speed ratio: {_spread(wall, 2)}x (CPU time: {_spread(cpu, 2)}x)"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="score only the first N pages (by name)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes (at most 2 on a shared machine)"
    )
    parser.add_argument("--dir", type=Path, default=None, help="benchmark directory")
    parser.add_argument("--with-body", action="store_true", help="also score extract_body alone")
    parser.add_argument(
        "--speed",
        action="store_true",
        help="also time project and trafilatura alone, start-up included, and print the ratio",
    )
    parser.add_argument("--rounds", type=int, default=5,
                        help="--speed: time project and trafilatura this many times, alternately (default 5)")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages of each extractor")
    parser.add_argument("--dump", type=Path, default=None, help="write predictions and page scores as JSON")
    args = parser.parse_args(argv)

    directory = args.dir or benchmark_dir()
    if not (directory / "ground-truth.json").exists():
        print(f"benchmark not found in {directory} (set PORTALNEWS_BENCHMARK_DIR)", file=sys.stderr)
        return 2
    pages = load_pages(directory, args.limit)
    names = ["project", "trafilatura", "trafilatura-precision"] + (["body-only"] if args.with_body else [])
    start = time.perf_counter()
    results = run(pages, names, jobs=max(1, args.jobs))
    wall = time.perf_counter() - start
    print(format_table(results))
    print(f"({len(pages)} pages, {args.jobs} job(s), {wall:.1f} s wall)")
    if args.speed:
        print(format_speed(pages, ["project", "trafilatura"], rounds=max(1, args.rounds)))

    for result in results.values():
        if not args.worst:
            break
        print(f"\nworst pages, {result.name}: name  precision  recall")
        ranked = sorted(result.pages.items(), key=lambda kv: kv[1].tp)
        for name, ps in ranked[: args.worst]:
            p = "-" if ps.precision is None else f"{ps.precision:.3f}"
            r = "-" if ps.recall is None else f"{ps.recall:.3f}"
            print(f"  {name[:16]}  {p:>6}  {r:>6}")
    if args.dump:
        args.dump.write_text(
            json.dumps(
                {
                    r.name: {
                        n: {"prediction": r.predictions[n], "tp": ps.tp, "fp": ps.fp, "fn": ps.fn}
                        for n, ps in r.pages.items()
                    }
                    for r in results.values()
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
