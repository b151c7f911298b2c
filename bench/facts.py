"""Precision and recall of the facts rules (portalnews/facts/) on a gold set, and their CPU cost.

    python bench/facts.py [--errors] [--rounds N] [--pages DIR [--limit N]]

The gold set is bench/facts_gold.toml: the document keys and (name, position) pairs of recorded
articles and short texts, written by reading each text before the rules ran on it (its header says
how). Precision and recall are micro-averaged over the cases: a predicted key or pair is right when
the gold of its case holds it. They are printed for the tuning part, the held-back part (the rule of
bench/README.md: the last hexadecimal digit of sha1(case id) is 0-3) and the whole set. `--errors`
lists the wrong and missed facts of the tuning part only: the held-back part is only ever reported.

The CPU cost is `derive_facts` per article over every article of the fixture portals and the
unseen-template pages (title, lead and body as stored), best of --rounds, process CPU time; with
--pages, also over the article pages (*.html) under DIR, cleaned by `extract_article` first (e.g. the
portal bench/throughput.py generates: /tmp/portalnews-bench/site-2000/www/news).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from portalnews.facts import RULES_VERSION, derive_facts  # noqa: E402

GOLD = REPO / "bench" / "facts_gold.toml"


def held_back(case_id: str) -> bool:
    """bench/README.md's split, fixed before any result was seen."""
    return hashlib.sha1(case_id.encode("utf-8")).hexdigest()[-1] in "0123"


def case_text(case: dict) -> tuple[str | None, str | None, str]:
    if "source" in case:
        article = json.loads((REPO / case["source"]).read_text(encoding="utf-8"))
        return article.get("title"), article.get("sapo"), article["body"]
    return None, None, case["text"]


class Tally:
    def __init__(self) -> None:
        self.right = self.predicted = self.expected = 0

    def add(self, predicted: set, expected: set) -> None:
        self.right += len(predicted & expected)
        self.predicted += len(predicted)
        self.expected += len(expected)

    def figures(self) -> str:
        precision = self.right / self.predicted if self.predicted else 1.0
        recall = self.right / self.expected if self.expected else 1.0
        return (
            f"P {precision:.3f} R {recall:.3f} ({self.right}/{self.predicted} predicted, "
            f"{self.expected} expected)"
        )


def score(cases: list[dict], show_errors: bool) -> None:
    tallies = {
        (part, kind): Tally()
        for part in ("tuning", "held-back", "all")
        for kind in ("documents", "officials")
    }
    for case in cases:
        facts = derive_facts(*case_text(case))
        part = "held-back" if held_back(case["id"]) else "tuning"
        predicted = {"documents": facts.document_keys(), "officials": facts.name_positions()}
        expected = {
            "documents": set(case["documents"]),
            "officials": {tuple(pair) for pair in case["officials"]},
        }
        for kind in ("documents", "officials"):
            for where in (part, "all"):
                tallies[where, kind].add(predicted[kind], expected[kind])
            if show_errors and part == "tuning" and predicted[kind] != expected[kind]:
                print(f"  {case['id']} {kind}: wrong {sorted(predicted[kind] - expected[kind])}"
                      f" missed {sorted(expected[kind] - predicted[kind])}")
    counts = {
        part: sum(1 for c in cases if (held_back(c["id"]) == (part == "held-back")))
        for part in ("tuning", "held-back")
    }
    counts["all"] = len(cases)
    for kind, label in (("documents", "document_key"), ("officials", "(name, position)")):
        print(f"{label}:")
        for part in ("tuning", "held-back", "all"):
            print(f"  {part:<9} ({counts[part]:>2} cases)  {tallies[part, kind].figures()}")


def articles() -> list[tuple[str | None, str | None, str]]:
    fixtures = REPO / "tests" / "fixtures"
    files = sorted(fixtures.glob("sites/*/expected/*.json")) + sorted(fixtures.glob("unseen/*/expected.json"))
    out = []
    for path in files:
        article = json.loads(path.read_text(encoding="utf-8"))
        out.append((article.get("title"), article.get("sapo"), article.get("body") or ""))
    return out


def pages(folder: Path, limit: int) -> list[tuple[str | None, str | None, str]]:
    from portalnews.extraction import extract_article

    out = []
    for path in sorted(folder.rglob("*.html"))[:limit]:
        article = extract_article(path.read_text(encoding="utf-8"), f"https://bench.test/{path.relative_to(folder)}")
        out.append((article.title, article.sapo, article.body))
    return out


def cost(texts: list[tuple[str | None, str | None, str]], rounds: int, label: str) -> None:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for text in texts:
            derive_facts(*text)
        best = min(best, time.process_time() - started)
    chars = sum(len(t[2]) for t in texts) / len(texts)
    print(
        f"CPU per article, {label}: {best / len(texts) * 1000:.3f} ms "
        f"(best of {rounds} rounds over {len(texts)} articles,"
        f" {chars:.0f} body characters on average; load average {os.getloadavg()[0]:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list the tuning part's wrong and missed facts")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", type=Path, metavar="DIR", help="also time the article pages under DIR")
    parser.add_argument("--limit", type=int, default=500, help="at most this many pages of --pages")
    args = parser.parse_args()
    cases = tomllib.loads(GOLD.read_text(encoding="utf-8"))["case"]
    print(f"facts rules {RULES_VERSION}, gold set {GOLD.relative_to(REPO)}")
    score(cases, args.errors)
    cost(articles(), args.rounds, "fixture articles")
    if args.pages:
        cost(pages(args.pages, args.limit), args.rounds, f"pages of {args.pages}")


if __name__ == "__main__":
    main()
