"""Pages from templates the extractor was never tuned on (tests/fixtures/unseen/<template>/page.html
with expected.json written from what the page shows): the fields compared and how each is checked,
shared by tests/unit/test_unseen_templates.py and bench/unseen.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from tests.support.metric import page_score

REPO = Path(__file__).resolve().parents[2]
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
        Case(
            d.name,
            (d / "page.html").read_text(encoding="utf-8"),
            json.loads((d / "expected.json").read_text(encoding="utf-8")),
        )
        for d in sorted(directory.iterdir())
        if (d / "expected.json").exists()
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
        "minute": float(_minute(got.published, want["published_at"]))
        if _has_time(want["published_at"])
        else None,
        "author": float(got.author == want["author"]),
        "category": float(got.category == want["category"]) if want["category"] else None,
        "body_f1": _f1(want["body"], got.body),
    }


def totals(checks: dict[str, dict[str, float | None]]) -> dict[str, tuple[float, int]]:
    """(sum, pages checked) per field."""
    out = {}
    for field in FIELDS:
        values = [c[field] for c in checks.values() if c[field] is not None]
        out[field] = (sum(values), len(values))
    return out
