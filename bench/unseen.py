"""Pages from templates the extractor was never tuned on: the project against bare trafilatura.

    python bench/unseen.py [--pages]

tests/fixtures/unseen/<template>/page.html are pages written from the structure of real-world
templates (NukeViet, Liferay, DNN/EasyDNNnews, WordPress, national papers' article templates, and
English pages naming their author in a meta tag, JSON-LD, rel=author or a byline element); each
expected.json was written from what the page shows before the extractor was run on it.

Both extractors are scored on the same fields: title (exact), publication day (the expected
date in its own UTC offset), publication time to the minute (where the page shows one), author
(exact; several authors as "A; B"), category (exact) and body F1 (tests/support/metric.py, per page, then
averaged). Bare trafilatura is `trafilatura.bare_extraction(html, url=url, with_metadata=True)`:
its title, date, author, first category and text.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.unseen_templates import (  # noqa: E402
    FIELDS,
    Case,
    load_cases,
    page_checks,
    project_fields,
    totals,
    trafilatura_fields,
)


def compare(cases: list[Case]) -> dict[str, dict[str, dict[str, float | None]]]:
    """{extractor: {page: checks}} for the project and bare trafilatura."""
    return {
        "project": {case.name: page_checks(case, project_fields(case)) for case in cases},
        "trafilatura": {case.name: page_checks(case, trafilatura_fields(case)) for case in cases},
    }


def format_table(results: dict) -> str:
    lines = [f"{'extractor':<12} " + " ".join(f"{f:>10}" for f in FIELDS)]
    for name, checks in results.items():
        cells = []
        for field, (total, n) in totals(checks).items():
            cells.append(f"{total / n:>10.3f}" if field == "body_f1" else f"{f'{total:.0f}/{n}':>10}")
        lines.append(f"{name:<12} " + " ".join(cells))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", action="store_true", help="also list every page's checks")
    args = parser.parse_args(argv)
    results = compare(load_cases())
    print(format_table(results))
    if args.pages:
        for name, checks in results.items():
            print(f"\n{name}:")
            for page, c in checks.items():
                print(
                    f"  {page:<20} "
                    + " ".join(f"{k}={'-' if v is None else round(v, 3)}" for k, v in c.items())
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
