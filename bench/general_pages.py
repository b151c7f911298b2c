"""Published day and authors on real non-Vietnamese news and blog pages: the project against bare trafilatura.

    python bench/general_pages.py [--dir DIR] [--pages]

The pages are the real web pages htmldate's authors keep as test data (German, French and English news
sites, magazines and blogs), shipped in `tests/cache/` of htmldate 1.4.0's source distribution on PyPI
(the last one that ships them). They are not committed here: the first run fetches that one file with
`pip download` (into DIR, default var/general-pages/, checked against its sha256) and unpacks the pages.
What is committed is bench/general_pages.json: for each page used, the published day and the authors
written by reading the page, never from an extractor's output (null where the page does not show one
clearly; not scored).

Scores, in one run and on the same bytes: `project` is `extract_article(html).published_at` (its day as
the page gives it) and `.author`; `trafilatura` is bare `trafilatura.bare_extraction(html,
with_metadata=True)`'s `date` and `author`. Authors match when the sets of names match (case and spacing
aside; names split at ";", "," and "&"); an empty byline matches no author found. Tuning and held-back
parts: the rule of bench/extraction.py (`held_back`, the sha1 of the file name), fixed before any
result was seen. Body text is not scored here (no reference bodies were written for these pages);
bench/extraction.py scores bodies on the 181-page benchmark.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `bench` importable
    sys.path.insert(0, str(REPO))

from bench.extraction import held_back  # noqa: E402

ANNOTATIONS = Path(__file__).with_name("general_pages.json")
DEFAULT_DIR = REPO / "var" / "general-pages"
_NAME_SEPARATORS = re.compile(r"\s*(?:[;,&]|\band\b)\s*")


def load_annotations() -> dict:
    return json.loads(ANNOTATIONS.read_text(encoding="utf-8"))


def fetch_pages(directory: Path, source: dict) -> Path:
    """The folder of the pages, fetched and unpacked from the sdist on the first run."""
    prefix = f"{source['package']}-{source['version']}"
    folder = directory / prefix / source["folder"]
    if folder.is_dir():
        return folder
    directory.mkdir(parents=True, exist_ok=True)
    sdist = directory / f"{prefix}.tar.gz"
    if not sdist.exists():
        requirement = f"{source['package']}=={source['version']}"
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", requirement, "-d", str(directory)], check=True)
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != source["sha256"]:
        raise SystemExit(f"{sdist}: sha256 {digest}, expected {source['sha256']}")
    with tarfile.open(sdist) as tar:
        inside = f"{prefix}/{source['folder']}/"
        wanted = [m for m in tar.getmembers() if m.name.startswith(inside) and m.isfile()]
        tar.extractall(directory, members=wanted, filter="data")
    return folder


def names(author: str | None) -> frozenset[str]:
    """The set of names in a byline, in a comparison form (case and spacing aside)."""
    if not author:
        return frozenset()
    return frozenset(" ".join(name.split()).casefold()
                     for name in _NAME_SEPARATORS.split(author) if name.strip())


def project(html: bytes) -> tuple[str | None, str | None]:
    from portalnews.extraction import ExtractionError, extract_article

    try:
        article = extract_article(html)
    except ExtractionError:
        return None, None
    day = article.published_at.date().isoformat() if article.published_at else None
    return day, article.author


def trafilatura_bare(html: bytes) -> tuple[str | None, str | None]:
    import trafilatura

    document = trafilatura.bare_extraction(html, with_metadata=True)
    if document is None:
        return None, None
    return (document.date or None), (document.author or None)


EXTRACTORS: dict[str, Callable[[bytes], tuple[str | None, str | None]]] = {
    "project": project,
    "trafilatura": trafilatura_bare,
}


def score(pages: dict, folder: Path) -> tuple[dict, dict]:
    """({extractor: {part: [day hits, days scored, author hits, authors scored]}}, per-page answers)."""
    parts = ("tuning", "held-back", "all")
    totals = {name: {part: [0, 0, 0, 0] for part in parts} for name in EXTRACTORS}
    answers: dict[str, dict] = {}
    for file_name, truth in sorted(pages.items()):
        html = (folder / file_name).read_bytes()
        part = "held-back" if held_back(file_name) else "tuning"
        answers[file_name] = {}
        for name, extractor in EXTRACTORS.items():
            day, author = extractor(html)
            answers[file_name][name] = (day, author)
            for counts in (totals[name][part], totals[name]["all"]):
                if truth["published"] is not None:
                    counts[0] += day == truth["published"]
                    counts[1] += 1
                if truth["authors"] is not None:
                    counts[2] += names(author) == names("; ".join(truth["authors"]))
                    counts[3] += 1
    return totals, answers


def format_table(totals: dict) -> str:
    lines = [f"{'extractor':<12} {'day tuning':>11} {'held-back':>10} {'all':>7}   "
             f"{'author tuning':>13} {'held-back':>10} {'all':>7}"]
    for name, by_part in totals.items():
        days = [f"{by_part[p][0]}/{by_part[p][1]}" for p in ("tuning", "held-back", "all")]
        authors = [f"{by_part[p][2]}/{by_part[p][3]}" for p in ("tuning", "held-back", "all")]
        lines.append(f"{name:<12} {days[0]:>11} {days[1]:>10} {days[2]:>7}   "
                     f"{authors[0]:>13} {authors[1]:>10} {authors[2]:>7}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help="where the sdist and its pages are kept (default var/general-pages)")
    parser.add_argument("--pages", action="store_true", help="list every page's expected and found answers")
    args = parser.parse_args(argv)
    annotations = load_annotations()
    folder = fetch_pages(args.dir, annotations["source"])
    totals, answers = score(annotations["pages"], folder)
    print(format_table(totals))
    print(f"({len(annotations['pages'])} pages of {annotations['source']['package']} "
          f"{annotations['source']['version']}'s {annotations['source']['folder']}/)")
    if args.pages:
        for file_name, found in answers.items():
            truth = annotations["pages"][file_name]
            print(f"{file_name}: expected {truth['published']} {truth['authors']}")
            for name, (day, author) in found.items():
                print(f"    {name:<12} {day} {author!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
