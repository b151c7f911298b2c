"""Main-text extraction: the article body of one page, as a list of paragraphs.

trafilatura does the work, called once per page in precision mode (`favor_precision=True`, with
its readability/jusText fallback), which drops more page furniture (teasers, boxes, copyright
lines) than its default and is right on most pages. Its result is checked against the page's
article container (portalnews.extraction.prose: the element holding the most prose, found without
trafilatura). Only when it looks wrong is trafilatura run a second time, in its plain mode (default
focus, no fallback), and the plain result taken when the precise one:

* *lost the article*: its paragraph-like text (lines of PARAGRAPH_TOKENS words or more) is under
  LOST_RATIO of the plain pass's; a page whose plain pass is only menus and link lists has little
  paragraph-like text in it, so this does not switch to a pass full of navigation;
* *ran away*: it returned more than RUNAWAY_RATIO times the plain pass's words, which a pass meant
  to keep less only does when its fallback took a larger, wrong block of the page.

The check against the container uses the same two ratios (the container's prose words standing in
for the plain pass's): it only decides whether the plain pass is worth running.

Last, two generic clean-ups of the paragraphs:

* a first paragraph that repeats the page's title (`<h1>`, `<title>`, `og:title` or the hinted
  title, of which it is the whole or the beginning, "Headline | Site") is the heading, not text
  (portalnews.extraction.title.drop_repeated_title, the one place a repeated title is dropped);
* a paragraph that is (almost) all one link - a link of LINK_MIN_WORDS words or more that makes up
  at least LINK_COVER of the paragraph's words, at its end: "Related: <a>Other story</a>",
  "- <a>Other story</a>" - is a teaser for another page. Short links (names, sources, URLs) are
  kept, and nothing is dropped if that would remove more than half of the body's words.

bench/README.md gives, for each of these rules, the benchmark pages it moves in the tuning and the
held-back part.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import trafilatura
from lxml.etree import XPath
from lxml.html import HtmlElement

from portalnews.extraction.page import ParsedPage
from portalnews.extraction.prose import prose_words
from portalnews.extraction.title import drop_repeated_title, title_forms
from portalnews.vietnamese.text import WORD, comparison_form

PARAGRAPH_TOKENS = 10
LOST_RATIO = 0.25
RUNAWAY_RATIO = 2.0
LINK_MIN_WORDS = 5
LINK_COVER = 0.75
SHIELD = "\u29fa\u29fb"  # two symbols no text uses together, standing in for "&" while trafilatura runs
_ENTITY_LIKE_TEXT = XPath(r"/descendant::text()[contains(., '&') and re:test(., '&(#\d+|#x[0-9a-fA-F]+|\w+);')]",
                          namespaces={"re": "http://exslt.org/regular-expressions"})


@dataclass
class BodyResult:
    paragraphs: list[str]
    mode: str = "precision"  # which pass the paragraphs come from: "precision" or "plain"
    passes: int = 1  # trafilatura runs it took


def _paragraphs(doc) -> list[str]:
    if doc is None or not doc.text:
        return []
    return [line.strip() for line in doc.text.split("\n") if line.strip()]


def _sizes(paragraphs: list[str]) -> tuple[int, int]:
    """(words, words in paragraph-like lines)."""
    counts = [len(WORD.findall(p)) for p in paragraphs]
    return sum(counts), sum(c for c in counts if c >= PARAGRAPH_TOKENS)


def _looks_wrong(precise_sizes: tuple[int, int], reference_words: int, reference_paragraph_words: int) -> bool:
    words, paragraph_words = precise_sizes
    lost = paragraph_words < LOST_RATIO * reference_paragraph_words
    runaway = words > RUNAWAY_RATIO * max(reference_words, 1)
    return lost or runaway


def _drop_link_teasers(paragraphs: list[str], tree: HtmlElement) -> list[str]:
    texts = {a.text_content() for a in tree.iter("a")}  # menus and teasers repeat link texts
    links = {comparison_form(text) for text in texts if len(text.split()) >= LINK_MIN_WORDS}
    links = {text for text in links if len(text.split()) >= LINK_MIN_WORDS}
    if not links:
        return paragraphs
    link_lengths = sorted({len(text.split()) for text in links})
    kept, dropped_words, total_words = [], 0, 0
    for paragraph in paragraphs:
        words = comparison_form(paragraph).split()
        total_words += len(words)
        # a teaser ends with a whole link covering LINK_COVER of its words: only the endings as
        # long as some link can be one
        teaser = any(" ".join(words[len(words) - length:]) in links
                     for length in link_lengths if LINK_COVER * len(words) <= length <= len(words))
        if teaser:
            dropped_words += len(words)
        else:
            kept.append(paragraph)
    if not kept or dropped_words * 2 > total_words:
        return paragraphs
    return kept


@contextmanager
def _shielded(tree: HtmlElement):
    """`tree` with its entity-like text ("AT&amp;T" as the page shows it) having its `&` replaced by
    SHIELD while the block runs, and restored after it: trafilatura's text output decodes entities
    once more, which would change that text. (In place, not on a copy: bare_extraction copies the
    tree it is given before reading it, so the page's tree need not be copied twice.)"""
    changed = []
    for text in _ENTITY_LIKE_TEXT(tree):
        parent = text.getparent()
        if text.is_tail:
            changed.append((parent, "tail", parent.tail))
            parent.tail = parent.tail.replace("&", SHIELD)
        elif text.is_text:
            changed.append((parent, "text", parent.text))
            parent.text = parent.text.replace("&", SHIELD)
    try:
        yield tree
    finally:
        for parent, attribute, original in reversed(changed):
            setattr(parent, attribute, original)


@contextmanager
def _without_page_code(page: ParsedPage):
    """The body tree without its scripts (JSON-LD aside) and styles while the block runs, each
    one's tail text joined to what precedes it as trafilatura joins it; put back after.
    trafilatura never reads them (its cleaning drops them before reading any text, readability and
    its baseline drop them first; it reads JSON-LD), but its XPaths on the raw tree visit every
    element and it copies the tree several times per run: both cost less without them (a tenth
    of the run on the benchmark, the same paragraphs: tests/test_parsed_page.py)."""
    removed = []
    for node in page.body_elements("script", "style"):
        parent = node.getparent()
        if parent is None or node.get("type") == "application/ld+json":
            continue
        previous, tail = node.getprevious(), node.tail
        if previous is None:
            removed.append((node, parent, False, parent.text))
            if tail:
                parent.text = (parent.text or "") + tail
        else:
            removed.append((node, previous, True, previous.tail))
            if tail:
                previous.tail = (previous.tail or "") + tail
        parent.remove(node)  # its tail goes with it
    try:
        yield page.body_tree
    finally:
        # in reverse order, each element's neighbour is as it was when the element was taken out
        for node, neighbour, after_sibling, text in reversed(removed):
            if after_sibling:
                neighbour.tail = text
                neighbour.addnext(node)
            else:
                neighbour.text = text
                neighbour.insert(0, node)


def _extract(page: ParsedPage, precise: bool) -> list[str]:
    """One trafilatura run on the body tree; it works on its own copy (bare_extraction copies a tree it is given)."""
    with _without_page_code(page) as tree, _shielded(tree) as shielded:
        document = trafilatura.bare_extraction(
            shielded,
            url=page.url,
            with_metadata=False,
            favor_precision=precise,
            fast=not precise,
            include_comments=False,
            include_tables=True,
            include_images=False,
            deduplicate=False,
        )
    paragraphs = _paragraphs(document)
    return [p.replace(SHIELD, "&") for p in paragraphs]


def _main_text(page: ParsedPage) -> BodyResult:
    """The precise pass, and the plain one only when the precise one looks wrong against the container."""
    precise = _extract(page, precise=True)
    precise_sizes = _sizes(precise)
    container_words = prose_words(page)
    if precise and (not container_words or not _looks_wrong(precise_sizes, container_words, container_words)):
        return BodyResult(precise)
    plain = _extract(page, precise=False)
    plain_words, plain_paragraph_words = _sizes(plain)
    if plain and _looks_wrong(precise_sizes, plain_words, plain_paragraph_words):
        return BodyResult(plain, mode="plain", passes=2)
    return BodyResult(precise, passes=2)


def extract_body(page: ParsedPage) -> BodyResult:
    """Paragraphs of the main text of `page.body_tree` (possibly empty). The tree is only read."""
    result = _main_text(page)
    result.paragraphs = _drop_link_teasers(drop_repeated_title(result.paragraphs, title_forms(page)), page.body_tree)
    return result
