"""Two checkouts of the extractor, the same pages: which pages' Article differs, and the CPU each spends.

    python bench/same_output.py --base DIR [--rounds N] PATH [PATH ...]

DIR is another checkout of the repository (the "before", e.g. `git worktree add /tmp/base main`); this
checkout is the "after". Every page under each PATH (a directory searched for *.html and *.html.gz, or
one file) is cleaned by `extract_article` of each checkout, in a child process with that checkout first
on sys.path and this venv's libraries, and the pages whose whole Article differs (or whose
ExtractionError differs) are printed field by field; the exit status is 1 when any does. A page of the
article-extraction benchmark gets its URL from the benchmark's ground truth, one of a recorded fixture
site (tests/fixtures/sites/<site>/) its portal's hints; other pages get a made-up URL per file, the same
for both checkouts.

`--rounds N` (default 3) also times both: each child, kept running, cleans every page once
unmeasured (the Articles compared), then once per round measured with `time.process_time` (the child's
own CPU: a loaded machine changes it less than wall-clock time), the two checkouts taking turns round
by round; printed as CPU ms per page, the median over the rounds and each round's ratio, with the load
average before and after. Timing is no part of any test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCHMARK_TRUTH = "ground-truth.json"
FIXTURE_SITES = REPO / "tests" / "fixtures" / "sites"

# Run in a child: argv = checkout, pages file (JSON list of [path, url, hints]). Prints one JSON line:
# {path: Article JSON or "ExtractionError: ..."}; then, for each line it reads, cleans every page once
# more and prints the CPU seconds that took.
_CHILD = r"""
import gzip, json, sys, time
checkout, pages_file = sys.argv[1], sys.argv[2]
sys.path.insert(0, checkout)
import portalnews.extraction
assert portalnews.extraction.__file__.startswith(checkout), portalnews.extraction.__file__
from portalnews.extraction import ExtractionError, extract_article
pages = []
for path, url, hints in json.load(open(pages_file)):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        pages.append((path, handle.read(), url, hints))
def clean_all():
    articles = {}
    for path, html, url, hints in pages:
        try:
            articles[path] = extract_article(html, url, hints=hints).to_json()
        except ExtractionError as err:
            articles[path] = f"ExtractionError: {err}"
    return articles
print(json.dumps(clean_all(), ensure_ascii=False, default=str), flush=True)
for _ in sys.stdin:
    started = time.process_time()
    clean_all()
    print(time.process_time() - started, flush=True)
"""


def _benchmark_urls(directory: Path) -> dict[str, str | None]:
    truth = directory / BENCHMARK_TRUTH
    if not truth.exists():
        return {}
    return {key: item.get("url") for key, item in json.loads(truth.read_text(encoding="utf-8")).items()}


def _site_hints(path: Path) -> dict | None:
    """The hints of the recorded fixture site `path` belongs to, if any."""
    resolved = path.resolve()
    if FIXTURE_SITES not in resolved.parents:
        return None
    site = FIXTURE_SITES / resolved.relative_to(FIXTURE_SITES).parts[0]
    portal_file = site / "portal.toml"
    if not portal_file.exists():
        return None
    from portalnews.registry import load_registry  # the after checkout's registry reading, for both

    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"same-output-{os.getpid()}-{site.name}.toml"
    scratch.write_text(portal_file.read_text(encoding="utf-8").replace("{{ORIGIN}}", "http://127.0.0.1:9"),
                       encoding="utf-8")
    try:
        (portal,) = load_registry([scratch], include_builtin=False).values()
    finally:
        scratch.unlink()
    return {key: list(value) for key, value in portal.extract.items()}


def find_pages(paths: list[Path]) -> list[tuple[str, str | None, dict | None]]:
    """(file, url, hints) of every page under `paths`, in a stable order."""
    pages = []
    for root in paths:
        files = [root] if root.is_file() else sorted(
            p for p in root.rglob("*") if p.name.endswith((".html", ".html.gz")))
        truth_urls = _benchmark_urls(root if root.is_dir() else root.parent)
        truth_urls.update(_benchmark_urls((root if root.is_dir() else root.parent).parent))
        hints_by_site: dict[Path, dict | None] = {}
        for file in files:
            key = file.name.removesuffix(".gz").removesuffix(".html")
            url = truth_urls.get(key) or f"http://pages.invalid/{file.relative_to(root.parent).as_posix()}"
            site = file.parent
            if site not in hints_by_site:
                hints_by_site[site] = _site_hints(file)
            pages.append((str(file.resolve()), url, hints_by_site[site]))
    return pages


class _Checkout:
    """A child process cleaning the pages with one checkout's extractor, kept for the timed rounds."""

    def __init__(self, checkout: Path, pages_file: Path):
        self.process = subprocess.Popen([sys.executable, "-c", _CHILD, str(checkout), str(pages_file)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.articles = json.loads(self._line())

    def _line(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"a child failed (exit {self.process.wait()})")
        return line

    def timed_round(self) -> float:
        self.process.stdin.write("round\n")
        self.process.stdin.flush()
        return float(self._line())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def differences(before: dict, after: dict) -> list[str]:
    """One line per field of each page whose Article (or error) differs."""
    lines = []
    for path in before:
        old, new = before[path], after.get(path)
        if old == new:
            continue
        if not (isinstance(old, dict) and isinstance(new, dict)):
            lines.append(f"{path}: {str(old)[:200]!r} -> {str(new)[:200]!r}")
            continue
        for field in sorted(set(old) | set(new)):
            if old.get(field) != new.get(field):
                was, now = str(old.get(field))[:200], str(new.get(field))[:200]
                lines.append(f"{path}: {field}: {was!r} -> {now!r}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the other checkout (the before)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per checkout (0: no timing)")
    parser.add_argument("paths", type=Path, nargs="+", help="directories of pages, or page files")
    args = parser.parse_args(argv)
    pages = find_pages(args.paths)
    if not pages:
        raise SystemExit("no *.html or *.html.gz pages under the given paths")
    pages_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"same-output-pages-{os.getpid()}.json"
    pages_file.write_text(json.dumps(pages), encoding="utf-8")  # read by the children as they start
    load_before = os.getloadavg()[0]
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    try:
        checkouts = {"before": _Checkout(args.base.resolve(), pages_file),
                     "after": _Checkout(REPO, pages_file)}
    finally:
        pages_file.unlink()
    # both children stay up; the rounds alternate which goes first, so both see about the same load
    for round_number in range(args.rounds):
        order = ["before", "after"] if round_number % 2 == 0 else ["after", "before"]
        for name in order:
            cpu[name].append(checkouts[name].timed_round())
    for checkout in checkouts.values():
        checkout.close()
    diff = differences(checkouts["before"].articles, checkouts["after"].articles)
    changed = {line.split(":", 1)[0] for line in diff}
    print("\n".join(diff))
    print(f"{len(pages)} pages, {len(changed)} differ")
    if args.rounds:
        per_page = {name: 1000 * statistics.median(times) / len(pages) for name, times in cpu.items()}
        ratios = " ".join(f"{new / old:.3f}" for old, new in zip(cpu["before"], cpu["after"], strict=True))
        print(f"CPU per page, median of {args.rounds} rounds: before {per_page['before']:.2f} ms, "
              f"after {per_page['after']:.2f} ms ({per_page['after'] / per_page['before']:.3f}x; "
              f"round by round {ratios}); load average {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
