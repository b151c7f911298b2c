"""Published day and authors on real non-Vietnamese news and blog pages: the project against bare trafilatura.

    python bench/general_pages.py [--dir DIR] [--pages]

The pages are the real web pages htmldate's authors keep as test data (German, French and English news
sites, magazines and blogs), shipped in `tests/cache/` of htmldate 1.4.0's source distribution on PyPI
(the last one that ships them). They are not committed here: the first run fetches that one file with
`pip download` (into DIR, default var/general-pages/, checked against its sha256) and unpacks the pages.
What is committed is bench/general_pages.json: for each page used, the published day and the authors
written by reading the page, never from an extractor's output (null where the page does not show one
clearly; not scored).

Scores, in one run and on the same bytes: `project` is `extract_article(html).published_at` (its day as the
page gives it) and `.author`; `trafilatura` is bare `trafilatura.bare_extraction(html, with_metadata=True)`'s
`date` and `author`. Authors match when the sets of names match (case and spacing aside; names split at ";",
"," and "&"); an empty byline matches no author found. Tuning and held-back parts: the 181-page benchmark's
rule (`tests.support.extraction_benchmark.held_back`, the sha1 of the file name), fixed before any result was
seen. Body text is not scored here (no reference bodies were written for these pages); bench/extraction.py
scores bodies on the 181-page benchmark.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `tests.support` importable
    sys.path.insert(0, str(REPO))

from tests.support.general_pages import DEFAULT_DIR, fetch_pages, load_annotations, score  # noqa: E402


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
