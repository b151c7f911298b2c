"""The NukeViet family's body hint against the generic cleaning, on the same pages: what differs, CPU each.

    python bench/body_hint.py [--articles 2000] [--workdir DIR] [--rounds N]

Every page is cleaned twice by `extract_article` in this process: with the hints a portal of the
`nukeviet` family inherits (portalnews/registry/families.toml: `body` reads the article from NukeViet's
`<div id="news-bodyhtml">`) and with that hint turned off (`body = []`, the generic path). The pages: the
generated NukeViet-style portal of bench/throughput.py (tests/support/generated_portal.py, written once
per --workdir), the article pages of the recorded NukeViet fixture sites, the NukeViet page of the unseen
templates and tests/fixtures/family_pages/. Pages whose Article (or ExtractionError) differs are printed
field by field; the exit status is 1 when any does.

CPU: `time.process_time` of each side over all pages, the sides taking turns round by round (`--rounds`,
default 3; 0: no timing), printed as ms per page (median over the rounds) with the load average before
and after. Timing is no part of any test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.same_output import differences  # noqa: E402
from portalnews.extraction import ExtractionError, extract_article  # noqa: E402
from portalnews.registry.portal import FAMILIES_FILE  # noqa: E402
from tests.support.generated_portal import generate  # noqa: E402

FAMILY = "nukeviet"
FIXTURES = REPO / "tests" / "fixtures"
NUKEVIET_PAGES = [FIXTURES / "sites" / "nukeviet_province" / "www" / "news",
                  FIXTURES / "sites" / "nukeviet_district" / "www" / "news",
                  FIXTURES / "unseen" / "nukeviet_news", FIXTURES / "family_pages"]


def family_hints() -> dict[str, list[str]]:
    import tomllib

    with FAMILIES_FILE.open("rb") as handle:
        return tomllib.load(handle)[FAMILY].get("extract", {})


def article_pages(site: Path) -> list[tuple[str, str]]:
    """(name, html) of every article page (no listings, feeds or sitemaps) under the given directories."""
    pages = []
    for root in [site / "www" / "news", *NUKEVIET_PAGES]:
        for path in sorted(root.rglob("*.html")):
            if path.name == "index.html":  # a category listing
                continue
            pages.append((str(path.relative_to(root.parent)), path.read_text(encoding="utf-8")))
    return pages


def clean_all(pages: list[tuple[str, str]], hints: dict) -> dict[str, object]:
    articles: dict[str, object] = {}
    for name, html in pages:
        try:
            articles[name] = extract_article(html, f"http://pages.invalid/{name}", hints=hints).to_json()
        except ExtractionError as err:
            articles[name] = f"ExtractionError: {err}"
    return articles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles of the generated portal")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "portalnews-bench")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per side (0: no timing)")
    args = parser.parse_args(argv)
    site = args.workdir / f"site-{args.articles}"
    if not (site / "gold.json").exists():
        generate(site, args.articles)
    pages = article_pages(site)
    hinted = family_hints()
    sides = {"generic": {**hinted, "body": []}, "family hint": hinted}
    load_before = os.getloadavg()[0]
    articles = {name: clean_all(pages, hints) for name, hints in sides.items()}
    diff = differences(articles["generic"], articles["family hint"])
    changed = {line.split(":", 1)[0] for line in diff}
    print("\n".join(diff))
    errors = sum(isinstance(a, str) for a in articles["family hint"].values())
    print(f"{len(pages)} pages ({errors} ExtractionError with the hint), {len(changed)} differ")
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    for round_number in range(args.rounds):
        order = list(sides) if round_number % 2 == 0 else list(sides)[::-1]
        for name in order:
            started = time.process_time()
            clean_all(pages, sides[name])
            cpu[name].append(time.process_time() - started)
    if args.rounds:
        per_page = {name: 1000 * statistics.median(times) / len(pages) for name, times in cpu.items()}
        ratios = " ".join(f"{h / g:.3f}" for g, h in zip(cpu["generic"], cpu["family hint"], strict=True))
        print(f"CPU per page, median of {args.rounds} rounds: generic {per_page['generic']:.2f} ms, family"
              f" hint {per_page['family hint']:.2f} ms ({per_page['family hint'] / per_page['generic']:.3f}x;"
              f" round by round {ratios}); load average {load_before:.1f} before, {os.getloadavg()[0]:.1f}"
              " after")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
