"""Main-text extraction: the article body of one page, as a list of paragraphs.

trafilatura does the work; this module chooses how it is called. It is the piece that
bench/extraction.py measures against the public benchmark.

Two passes, one arbitration rule:

* the *precise* pass (`favor_precision=True`, with trafilatura's readability/jusText fallback) drops
  more page furniture (teasers, boxes, copyright lines) and is right on most pages;
* the *plain* pass (default focus, no fallback) keeps everything trafilatura's own heuristics call
  text.

The precise pass fails in two recognisable ways, and then the plain pass is used instead:

* it *lost the article*: its paragraph-like text (lines of PARAGRAPH_TOKENS words or more) is under
  LOST_RATIO of the plain pass's; a page whose plain pass is only menus and link lists has little
  paragraph-like text in it, so this does not switch to a pass full of navigation;
* it *ran away*: it returned more than RUNAWAY_RATIO times the plain pass's words, which a pass
  meant to keep less only does when its fallback took a larger, wrong block of the page.

Then one repair: some pages split the article into several identical containers, with
advertisements or embeds between them (`<div class="article__body">` three times). trafilatura keeps
the first one only. When the container the paragraphs come from has later twins - same tag and
class, inside parents and grandparents of the same tag and class - that hold paragraphs of their own
(at least CONTINUATION_PARAGRAPHS of PARAGRAPH_TOKENS words or more), their content is moved into
the first container and the chosen pass is run again.

Last, two generic clean-ups of the paragraphs:

* a first paragraph that repeats the page's title (`<h1>`, `<title>`, `og:title` or the hinted
  title, of which it is the whole or the beginning, "Headline | Site") is the heading, not text
  (portalnews.extraction.title.drop_repeated_title, the one place a repeated title is dropped);
* a paragraph that is (almost) all one link - a link of LINK_MIN_WORDS words or more that makes up
  at least LINK_COVER of the paragraph's words, at its end: "Related: <a>Other story</a>",
  "- <a>Other story</a>" - is a teaser for another page. Short links (names, sources, URLs) are
  kept, and nothing is dropped if that would remove more than half of the body's words.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass

import trafilatura
from lxml.html import HtmlElement

from portalnews.extraction.page import ParsedPage
from portalnews.extraction.title import drop_repeated_title, title_forms
from portalnews.vietnamese.text import WORD, comparison_form

PARAGRAPH_TOKENS = 10
LOST_RATIO = 0.25
RUNAWAY_RATIO = 2.0
CONTINUATION_PARAGRAPHS = 2
LINK_MIN_WORDS = 5
LINK_COVER = 0.75


@dataclass
class BodyResult:
    paragraphs: list[str]
    document: object | None  # trafilatura's Document, for its metadata
    mode: str = "precision"  # which pass the paragraphs come from: "precision" or "plain"
    merged: int = 0  # continuation containers merged into the article's container


def _paragraphs(doc) -> list[str]:
    if doc is None or not doc.text:
        return []
    return [line.strip() for line in doc.text.split("\n") if line.strip()]


def _sizes(paragraphs: list[str]) -> tuple[int, int]:
    """(words, words in paragraph-like lines)."""
    counts = [len(WORD.findall(p)) for p in paragraphs]
    return sum(counts), sum(c for c in counts if c >= PARAGRAPH_TOKENS)


def _signature(node: HtmlElement, depth: int = 3) -> tuple:
    """Tag, class and presence of an id of the node and its first ancestors."""
    out = []
    while node is not None and depth:
        out.append((node.tag, node.get("class"), node.get("id") is not None))
        node = node.getparent()
        depth -= 1
    return tuple(out)


def _continuations(tree: HtmlElement, paragraphs: list[str]) -> tuple[HtmlElement | None, list[HtmlElement]]:
    """The container the paragraphs come from, and its later twins that hold paragraphs of their own."""
    extracted = {comparison_form(p) for p in paragraphs if len(WORD.findall(p)) >= 5}
    parents: dict[HtmlElement, int] = {}
    for p in tree.iter("p"):
        if comparison_form(p.text_content()) in extracted:
            parent = p.getparent()
            parents[parent] = parents.get(parent, 0) + 1
    if not parents:
        return None, []
    container = max(parents, key=parents.get)
    cls = container.get("class")
    if not cls or not isinstance(container.tag, str):
        return None, []
    signature = _signature(container)
    twins = []
    seen_container = False
    for twin in tree.iter(container.tag):
        if twin is container:
            seen_container = True
            continue
        if not seen_container or twin.get("class") != cls or _signature(twin) != signature:
            continue
        if any(a is container for a in twin.iterancestors()):
            continue
        own = [
            text
            for text in (comparison_form(p.text_content()) for p in twin.iter("p"))
            if len(text.split()) >= PARAGRAPH_TOKENS and text not in extracted
        ]
        if len(own) >= CONTINUATION_PARAGRAPHS:
            twins.append(twin)
    return container, twins


def _merged_copy(tree: HtmlElement, container: HtmlElement, twins: list[HtmlElement]) -> HtmlElement:
    """A copy of the page where the twins' content sits at the end of the container."""
    root = tree.getroottree()
    paths = [root.getpath(node) for node in (container, *twins)]
    work = deepcopy(tree)
    work_root = work.getroottree()
    target, *sources = [work_root.xpath(path)[0] for path in paths]
    for source in sources:
        for child in list(source):
            target.append(child)
    return work


def _drop_link_teasers(paragraphs: list[str], tree: HtmlElement) -> list[str]:
    links = {comparison_form(a.text_content()) for a in tree.iter("a")}
    links = {text for text in links if len(text.split()) >= LINK_MIN_WORDS}
    if not links:
        return paragraphs
    kept, dropped_words, total_words = [], 0, 0
    for paragraph in paragraphs:
        words = comparison_form(paragraph).split()
        total_words += len(words)
        teaser = False
        for start in range(len(words)):
            if len(words) - start < LINK_COVER * len(words):
                break
            if " ".join(words[start:]) in links:
                teaser = True
                break
        if teaser:
            dropped_words += len(words)
        else:
            kept.append(paragraph)
    if not kept or dropped_words * 2 > total_words:
        return paragraphs
    return kept


def _extract(tree: HtmlElement, url: str | None, precise: bool, metadata: bool):
    return trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=metadata,
        favor_precision=precise,
        fast=not precise,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
    )


def _arbitrated(tree: HtmlElement, url: str | None) -> BodyResult:
    """Both passes, and the one whose paragraphs to trust; the document is the metadata's source."""
    precise_doc = _extract(deepcopy(tree), url, precise=True, metadata=True)
    # metadata once: from the precise pass, or from the plain one when the precise pass gave nothing
    plain_doc = _extract(deepcopy(tree), url, precise=False, metadata=precise_doc is None)
    precise, plain = _paragraphs(precise_doc), _paragraphs(plain_doc)

    words, paragraph_words = _sizes(precise)
    plain_words, plain_paragraph_words = _sizes(plain)
    lost = paragraph_words < LOST_RATIO * plain_paragraph_words
    runaway = words > RUNAWAY_RATIO * max(plain_words, 1)
    if bool(plain) and (lost or runaway):
        return BodyResult(plain, precise_doc if precise_doc is not None else plain_doc, mode="plain")
    return BodyResult(precise, precise_doc, mode="precision")


def page_document(page: ParsedPage):
    """trafilatura's metadata document of the whole page (the body may come from hinted elements)."""
    return _arbitrated(page.tree, page.url).document


def extract_body(page: ParsedPage) -> BodyResult:
    """Paragraphs of the main text of `page.body_tree` (possibly empty) and trafilatura's metadata
    document. The tree is only read: each trafilatura pass gets its own deep copy."""
    tree, url = page.body_tree, page.url
    result = _arbitrated(tree, url)
    container, twins = _continuations(tree, result.paragraphs) if result.paragraphs else (None, [])
    if twins:
        merged_tree = _merged_copy(tree, container, twins)
        again = _paragraphs(_extract(merged_tree, url, precise=result.mode == "precision", metadata=False))
        if len(again) > len(result.paragraphs):
            result.paragraphs, result.merged = again, len(twins)
    result.paragraphs = _drop_link_teasers(drop_repeated_title(result.paragraphs, title_forms(page)), tree)
    return result
