"""Where the load stage's own CPU goes per article, step by step, with the faster forms beside the ones
they replaced (same results: tests/unit/test_simhash.py, tests/unit/test_facts_prefilter.py).

    python bench/load_steps.py [--site DIR] [--articles 150] [--rounds 5]

The article pages of the portal bench/throughput.py generates (default /tmp/portalnews-bench/site-2000;
generated there when missing) are cleaned once by `extract_article`; then each step runs over all of them,
the contenders of a step in alternating rounds, best round by process CPU time (`time.process_time`),
with the load average before and after. Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from trafilatura.deduplication import Simhash  # noqa: E402

from portalnews.extraction import extract_article  # noqa: E402
from portalnews.facts import derive_facts, documents  # noqa: E402
from portalnews.facts.sentences import article_sentences  # noqa: E402
from portalnews.pipelines.load import dedupe, stories  # noqa: E402
from portalnews.pipelines.load.facts import fact_rows  # noqa: E402
from portalnews.vietnamese.text import dedupe_form  # noqa: E402
from tests.support.generated_portal import generate  # noqa: E402


def best_ms(step, items: list, articles: int) -> float:
    started = time.process_time()
    for item in items:
        step(item)
    return 1000 * (time.process_time() - started) / articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path,
                        default=Path(tempfile.gettempdir()) / "portalnews-bench" / "site-2000")
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (args.site / "gold.json").exists():
        generate(args.site, 2000)
    pages = sorted((args.site / "www" / "news").glob("*/*.html"))
    random.Random(1).shuffle(pages)
    articles = [extract_article(page.read_text(encoding="utf-8"), "http://127.0.0.1/")
                for page in pages[:args.articles]]
    forms = [dedupe_form(article.body) for article in articles]
    sentences = [s.text for a in articles for s in article_sentences(a.title, a.sapo, a.body)]
    n = len(articles)
    steps = {  # step -> (items, contenders: name -> function)
        "comparison form": (articles, {"dedupe_form": lambda a: dedupe_form(a.body)}),
        "fingerprint": (forms, {"sha256": dedupe.fingerprint_of_form}),
        "Simhash": (forms, {"trafilatura's Simhash": Simhash, "simhash_of_form": dedupe.simhash_of_form}),
        "MinHash + band keys": (forms, {
            "minhash_of_form": lambda form: stories.band_keys(stories.minhash_of_form(form))}),
        "type-word check (facts)": (sentences, {
            "IGNORECASE search alone": documents._ANY_TYPE.search,
            "quick check first": lambda s: documents._may_name_a_type(s) and documents._ANY_TYPE.search(s)}),
        "facts (derive_facts)": (articles, {"derive_facts": lambda a: derive_facts(a.title, a.sapo, a.body)}),
        "facts rows (derive + rows)": (articles, {"fact_rows": lambda a: fact_rows([(1, a)])}),
    }
    print(f"{n} generated articles ({sum(map(len, forms)) // n} characters of comparison form on average),"
          f" {len(sentences) / n:.0f} sentences an article; load average {os.getloadavg()[0]:.1f}")
    print(f"CPU ms per article, best of {args.rounds} alternating rounds:")
    for step, (items, contenders) in steps.items():
        best = {name: float("inf") for name in contenders}
        for round_ in range(args.rounds):
            order = list(contenders) if round_ % 2 == 0 else list(reversed(contenders))
            for name in order:
                best[name] = min(best[name], best_ms(contenders[name], items, n))
        print(f"  {step:28s} " + "   ".join(f"{name} {ms:.3f}" for name, ms in best.items()))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
