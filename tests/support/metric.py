"""The article-extraction benchmark's metric: 4-token shingle matching, averaged over pages.

Same definition as the public benchmark's `evaluate.py` (shared/benchmarks/README.md):

* each text is split into word tokens with `\\w+` (Unicode); tokens are compared as they are
  (case-sensitive), since the reference does not fold case;
* a text's shingles are its runs of 4 consecutive tokens, counted with multiplicity. A text with
  1 to 3 tokens has exactly one shingle, the tuple of all its tokens (so a short prediction can
  still match a short truth exactly, and never half-matches a longer one); an empty text has none.
  This is the reference's rule (`range(max(1, len(tokens) - 3))`);
* per page, TP = shared shingles (min of the two counts), FP = predicted surplus, FN = expected
  surplus, then TP/FP/FN are divided by their sum so that every page weighs the same;
* precision is the mean of TP/(TP+FP) over the pages where something was predicted, recall the
  mean of TP/(TP+FN) over the pages where something was expected; F1 = 2PR/(P+R).

Edge cases, as the reference handles them: a page with an empty prediction has no precision (it
is left out of the precision mean) and recall 0. A page with nothing predicted and nothing
expected counts as perfect: precision 1 and recall 1 (the reference skips such pages; the
benchmark has none, every ground truth there has 66 tokens or more, so both readings agree).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

NGRAM = 4
_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokenize(text: str | None) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int = NGRAM) -> Counter:
    tokens = tokenize(text)
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class PageScore:
    tp: float
    fp: float
    fn: float

    @property
    def empty(self) -> bool:
        """Nothing predicted and nothing expected."""
        return self.tp == self.fp == self.fn == 0

    @property
    def precision(self) -> float | None:
        """None when nothing was predicted (the page is left out of the precision mean)."""
        if self.empty:
            return 1.0
        if self.tp + self.fp == 0:
            return None
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        """None when nothing was expected (the page is left out of the recall mean)."""
        if self.empty:
            return 1.0
        if self.tp + self.fn == 0:
            return None
        return self.tp / (self.tp + self.fn)


def page_score(truth: str | None, prediction: str | None, n: int = NGRAM) -> PageScore:
    """Normalised TP/FP/FN of one page (they sum to 1 unless both texts are empty)."""
    expected, predicted = shingles(truth, n), shingles(prediction, n)
    tp = sum((expected & predicted).values())
    fp = sum((predicted - expected).values())
    fn = sum((expected - predicted).values())
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


@dataclass(frozen=True)
class Score:
    f1: float
    precision: float
    recall: float
    pages: int


def aggregate(pages: Iterable[PageScore]) -> Score:
    pages = list(pages)
    precisions = [p.precision for p in pages if p.precision is not None]
    recalls = [p.recall for p in pages if p.recall is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(f1=f1, precision=precision, recall=recall, pages=len(pages))


def score(pairs: Iterable[tuple[str | None, str | None]]) -> Score:
    """Benchmark score of (ground truth, prediction) pairs."""
    return aggregate(page_score(truth, pred) for truth, pred in pairs)
