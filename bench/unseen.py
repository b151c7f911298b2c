"""Pages from templates the extractor was never tuned on: the project against bare trafilatura.

    python bench/unseen.py [--pages]

tests/fixtures/unseen/<template>/page.html are pages written from the structure of real-world
templates (NukeViet, Liferay, DNN/EasyDNNnews, WordPress, national papers' article templates, and
English pages naming their author in a meta tag, JSON-LD, rel=author or a byline element); each
expected.json was written from what the page shows before the extractor was run on it.

Both extractors are scored on the same fields: title (exact), publication day (the expected
date in its own UTC offset), publication time to the minute (where the page shows one), author
(exact; several authors as "A; B"), category (exact) and body F1 (bench/metric.py, per page, then
averaged). Bare trafilatura is `trafilatura.bare_extraction(html, url=url, with_metadata=True)`:
its title, date, author, first category and text.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.metric import page_score  # noqa: E402

UNSEEN_DIR = REPO / "tests" / "fixtures" / "unseen"
FIELDS = ("title", "day", "minute", "author", "category", "body_f1")


@dataclass
class Case:
    name: str
    html: str
    want: dict


@dataclass
class Fields:
    title: str | None
    published: str | None  # ISO date or date-time, as the extractor gives it
    author: str | None
    category: str | None
    body: str


def load_cases(directory: Path = UNSEEN_DIR) -> list[Case]:
    return [
        Case(d.name, (d / "page.html").read_text(encoding="utf-8"), json.loads((d / "expected.json").read_text(encoding="utf-8")))
        for d in sorted(directory.iterdir()) if (d / "expected.json").exists()
    ]


def project_fields(case: Case) -> Fields:
    from portalnews.extraction import extract_article

    article = extract_article(case.html, case.want["url"])
    published = article.published_at.isoformat() if article.published_at else None
    return Fields(article.title, published, article.author, article.category, article.body)


def trafilatura_fields(case: Case) -> Fields:
    import trafilatura

    doc = trafilatura.bare_extraction(case.html, url=case.want["url"], with_metadata=True)
    if doc is None:
        return Fields(None, None, None, None, "")
    return Fields(doc.title, doc.date, doc.author, (doc.categories or [None])[0], doc.text or "")


def _has_time(value: str) -> bool:
    return "T" in value


def _day(got: str | None, want: str) -> bool:
    if not got:
        return False
    wanted = datetime.fromisoformat(want)
    value = datetime.fromisoformat(got)
    if _has_time(want) and _has_time(got) and value.tzinfo and wanted.tzinfo:
        value = value.astimezone(wanted.tzinfo)
    return value.date() == (wanted.date() if isinstance(wanted, datetime) else date.fromisoformat(want))


def _minute(got: str | None, want: str) -> bool:
    if not got or not _has_time(got):
        return False
    value, wanted = datetime.fromisoformat(got), datetime.fromisoformat(want)
    if value.tzinfo is None or wanted.tzinfo is None:
        return False
    return value.replace(second=0, microsecond=0) == wanted.replace(second=0, microsecond=0)


def _f1(truth: str, prediction: str) -> float:
    s = page_score(truth, prediction)
    p, r = s.precision or 0.0, s.recall or 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def page_checks(case: Case, got: Fields) -> dict[str, float | None]:
    """1/0 per field (None where the page gives nothing to check), body F1 as is."""
    want = case.want
    return {
        "title": float(got.title == want["title"]),
        "day": float(_day(got.published, want["published_at"])),
        "minute": float(_minute(got.published, want["published_at"])) if _has_time(want["published_at"]) else None,
        "author": float(got.author == want["author"]),
        "category": float(got.category == want["category"]) if want["category"] else None,
        "body_f1": _f1(want["body"], got.body),
    }


def compare(cases: list[Case]) -> dict[str, dict[str, dict[str, float | None]]]:
    """{extractor: {page: checks}} for the project and bare trafilatura."""
    return {
        "project": {case.name: page_checks(case, project_fields(case)) for case in cases},
        "trafilatura": {case.name: page_checks(case, trafilatura_fields(case)) for case in cases},
    }


def totals(checks: dict[str, dict[str, float | None]]) -> dict[str, tuple[float, int]]:
    """(sum, pages checked) per field."""
    out = {}
    for field in FIELDS:
        values = [c[field] for c in checks.values() if c[field] is not None]
        out[field] = (sum(values), len(values))
    return out


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
                print(f"  {page:<20} " + " ".join(f"{k}={'-' if v is None else round(v, 3)}" for k, v in c.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
