"""Main-text extraction: the article body of one page, as a list of paragraphs.

trafilatura does the work in precision mode (`favor_precision=True`), which drops more page
furniture (teasers, boxes, copyright lines) than its default and is right on most pages. Its result
is checked against the page's article container (portalnews.extraction.prose: the element holding
the most prose, found without trafilatura).

The precise pass first runs without trafilatura's readability/jusText fallback (`fast=True`). Its
result is kept when `_fallback_cannot_improve` says that the fallback would change nothing there:
trafilatura only turns to jusText for a short (under its MIN_EXTRACTED_SIZE) or "unclean" result
(SANITIZED_XPATH elements left in it), and only takes readability's text when its own has no
paragraph text, more tables than paragraphs, or less than half of readability's; readability could
only find twice a result holding FAST_SHARE of the container's prose words by taking text from outside
the article (page furniture), and a result that ran away (over RUNAWAY_RATIO times the container's
prose) all the more. The fallback costs a fifth of a page's extraction (a tree copy, trafilatura's
discard XPaths once more, and readability); on the 181 benchmark pages, every fixture page and 210
generated portal pages this gives the same bodies as running it every time. Otherwise the precise
pass runs again with its fallback, as it always did.

Only when that precise result looks wrong is trafilatura run once more, in its plain mode (default
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
from trafilatura.external import SANITIZED_XPATH
from trafilatura.settings import DEFAULT_CONFIG, MANUALLY_CLEANED

from portalnews.extraction.nodes import string_value
from portalnews.extraction.page import ParsedPage
from portalnews.extraction.prose import prose_words
from portalnews.extraction.title import drop_repeated_title, title_forms
from portalnews.vietnamese.text import WORD, comparison_form

PARAGRAPH_TOKENS = 10
LOST_RATIO = 0.25
RUNAWAY_RATIO = 2.0
LINK_MIN_WORDS = 5
LINK_COVER = 0.75
FAST, WITH_FALLBACK, PLAIN = "precise, fast", "precise with fallback", "plain"
FAST_SHARE = 0.5  # readability replaces a result only when it finds more than twice its text
MIN_EXTRACTED_SIZE = DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE")  # trafilatura's "short"
JSON_LD = "application/ld+json"
# Tags trafilatura's cleaning (MANUALLY_CLEANED) deletes with their content whatever they hold, that
# are large or many on news pages: taking out the rest of the list (inputs, links, buttons, one
# element each) costs more than it saves (bench/README.md).
_UNREAD_TAGS = ("head", "nav", "footer", "aside", "svg", "noscript", "iframe", "select", "script", "style",
                "menu")
SHIELD = "\u29fa\u29fb"  # two symbols no text uses together, standing in for "&" while trafilatura runs
_ENTITY_LIKE_TEXT = XPath(
    r"/descendant::text()[contains(., '&') and re:test(., '&(#\d+|#x[0-9a-fA-F]+|\w+);')]",
    namespaces={"re": "http://exslt.org/regular-expressions"},
)


@dataclass
class BodyResult:
    paragraphs: list[str]
    mode: str = "precision"  # which pass the paragraphs come from: "precision" or "plain"
    runs: tuple[str, ...] = ()  # trafilatura's runs, in order: FAST, WITH_FALLBACK, PLAIN


def _paragraphs(doc) -> list[str]:
    if doc is None or not doc.text:
        return []
    return [line.strip() for line in doc.text.split("\n") if line.strip()]


def _sizes(paragraphs: list[str]) -> tuple[int, int]:
    """(words, words in paragraph-like lines)."""
    counts = [len(WORD.findall(p)) for p in paragraphs]
    return sum(counts), sum(c for c in counts if c >= PARAGRAPH_TOKENS)


def _looks_wrong(
    precise_sizes: tuple[int, int], reference_words: int, reference_paragraph_words: int
) -> bool:
    words, paragraph_words = precise_sizes
    lost = paragraph_words < LOST_RATIO * reference_paragraph_words
    runaway = words > RUNAWAY_RATIO * max(reference_words, 1)
    return lost or runaway


def _drop_link_teasers(paragraphs: list[str], tree: HtmlElement) -> list[str]:
    texts = {string_value(a) for a in tree.iter("a")}  # menus and teasers repeat link texts
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


def _page_code(page: ParsedPage) -> list[HtmlElement]:
    """The body tree's scripts (JSON-LD aside) and styles. trafilatura never reads them (its cleaning
    drops them before reading any text, readability and its baseline drop them first; it reads
    JSON-LD), but its XPaths on the raw tree visit every element and it copies the tree several
    times per run: both cost less without them (tests/unit/test_parsed_page.py: the same paragraphs)."""
    return [node for node in page.body_elements("script", "style") if node.get("type") != JSON_LD]


def _cleaned_unread(page: ParsedPage) -> list[HtmlElement]:
    """The outermost elements of the body tree that trafilatura's fast precise run deletes, content
    and all, before reading any text (its `tree_cleaning`: navs, footers, asides, head, scripts...;
    `_UNREAD_TAGS`), and whose presence changes nothing it does before that: the raw-tree XPaths it
    prunes with read only an element's own attributes, except "no <h1> inside", and it looks for a
    forum page in JSON-LD; so an element holding an <h1> or a JSON-LD script stays. In that run the
    raw tree feeds nothing else (no readability, no baseline: precision mode), so the text is the
    same (tests/unit/test_parsed_page.py, on every recorded page); its prunes and copies then walk about
    half the elements of the benchmark's pages."""
    tags = [tag for tag in _UNREAD_TAGS if tag in MANUALLY_CLEANED]  # a public list users may edit
    holding = set()
    for node in page.body_elements("h1", "script"):
        if node.tag != "script" or node.get("type") == JSON_LD:
            holding.add(node)
            holding.update(node.iterancestors())
    unread: list[HtmlElement] = []
    candidates = list(page.body_tree.iter(*tags))
    index = 0
    while index < len(candidates):
        node = candidates[index]
        index += 1
        if node in holding:
            continue
        unread.append(node)
        index += sum(1 for _ in node.iter(*tags)) - 1  # the candidates inside it come next: gone with it
    return unread


@contextmanager
def _taken_out(page: ParsedPage, nodes: list[HtmlElement]):
    """The body tree without `nodes` (outermost elements, in page order) while the block runs, each
    one's tail text joined to what precedes it as trafilatura's `delete_element` joins it; put back
    after, the tree as it was."""
    removed = []
    for node in nodes:
        parent = node.getparent()
        if parent is None:  # the root: nothing to take it out of
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


def _run(page: ParsedPage, precise: bool, fallback: bool):
    """One trafilatura run on the body tree; it works on its own copy (bare_extraction copies a tree
    it is given). The fast precise run reads the tree without what its cleaning deletes unread,
    the others (readability and the baseline read the raw tree) without the page's code only."""
    unread = _cleaned_unread(page) if precise and not fallback else _page_code(page)
    with _taken_out(page, unread) as tree, _shielded(tree) as shielded:
        return trafilatura.bare_extraction(
            shielded,
            url=page.url,
            with_metadata=False,
            favor_precision=precise,
            fast=not fallback,
            include_comments=False,
            include_tables=True,
            include_images=False,
            deduplicate=False,
        )


def _text_of(document) -> list[str]:
    return [p.replace(SHIELD, "&") for p in _paragraphs(document)]


def _fallback_cannot_improve(document, sizes: tuple[int, int], container_words: int) -> bool:
    """Whether trafilatura's readability/jusText fallback would keep this fast precise result: none of
    the conditions under which trafilatura's compare step replaces its own text holds (see the module
    docstring), and the result has not lost the article against its container. (A result that ran
    away, over RUNAWAY_RATIO times the container's prose, holds more than FAST_SHARE of it all the
    more: the fallback could not double it either; whether the plain pass is better is decided after.)"""
    if document is None or document.body is None or not container_words:
        return False
    body = document.body
    short = len(document.raw_text or "") < MIN_EXTRACTED_SIZE
    unclean = bool(body.xpath(SANITIZED_XPATH))
    structurally_deficient = not body.xpath(".//p//text()") or len(body.findall(".//table")) > len(
        body.findall(".//p")
    )
    words, paragraph_words = sizes
    lost = paragraph_words < LOST_RATIO * container_words
    return not (short or unclean or structurally_deficient or lost) and words >= FAST_SHARE * container_words


def _main_text(page: ParsedPage) -> BodyResult:
    """The fast precise pass when the fallback could not change it, else the precise pass with its
    fallback, and the plain one only when the precise text looks wrong against the container."""
    runs: list[str] = []
    container_words = prose_words(page)
    precise = None
    if container_words:
        runs.append(FAST)
        fast = _run(page, precise=True, fallback=False)
        fast_text = _text_of(fast)
        fast_sizes = _sizes(fast_text)
        if _fallback_cannot_improve(fast, fast_sizes, container_words):
            precise, precise_sizes = fast_text, fast_sizes
    if precise is None:
        runs.append(WITH_FALLBACK)
        precise = _text_of(_run(page, precise=True, fallback=True))
        precise_sizes = _sizes(precise)
    if precise and (not container_words or not _looks_wrong(precise_sizes, container_words, container_words)):
        return BodyResult(precise, runs=tuple(runs))
    runs.append(PLAIN)
    plain = _text_of(_run(page, precise=False, fallback=False))
    plain_words, plain_paragraph_words = _sizes(plain)
    if plain and _looks_wrong(precise_sizes, plain_words, plain_paragraph_words):
        return BodyResult(plain, mode="plain", runs=tuple(runs))
    return BodyResult(precise, runs=tuple(runs))


def extract_body(page: ParsedPage) -> BodyResult:
    """Paragraphs of the main text of `page.body_tree` (possibly empty). The tree is only read."""
    result = _main_text(page)
    result.paragraphs = _drop_link_teasers(
        drop_repeated_title(result.paragraphs, title_forms(page)), page.body_tree
    )
    return result
