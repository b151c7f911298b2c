"""Where a page's prose is: the article container, found once per body tree.

The container is the element whose own text blocks (paragraphs, leaf divs and cells) hold the most
prose. The main-text step checks trafilatura's result against it, the container step judges body
lines by it, captions and images are looked for inside it.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from portalnews.extraction.nodes import BLOCK_TAGS, NON_CONTENT, is_furniture, string_value
from portalnews.extraction.page import ParsedPage
from portalnews.vietnamese.text import WORD

CONTAINER_MIN_CHARS = 200  # less own paragraph text than this is no article container
BLOCK_MIN_CHARS = 25  # a shorter block is a label, not prose
PROSE_BLOCK_WORDS = 10  # a block this long is prose, not a label or a link
_CANDIDATES = ("p", "div", "td", "pre", "blockquote")


def _wrappers(tree: HtmlElement) -> set[HtmlElement]:
    """Elements with a block element inside (not one line of text), in one walk of the tree."""
    wrappers: set[HtmlElement] = set()
    for node in tree.iter(*BLOCK_TAGS):
        parent = node.getparent()
        while parent is not None and parent not in wrappers:  # stop where an earlier walk went on
            wrappers.add(parent)
            parent = parent.getparent()
    return wrappers


def _in_furniture(tree: HtmlElement) -> set[HtmlElement]:
    """Every candidate block (`_CANDIDATES`) inside page furniture (header, footer, nav, aside, forms)."""
    inside: set[HtmlElement] = set()
    # <script> and <style> hold only text: no candidate is inside them
    for node in tree.iter(*(NON_CONTENT - {"script", "style"})):
        # no furniture tag is a candidate, so node.iter() lists only what is inside it
        if is_furniture(node):
            inside.update(node.iter(*_CANDIDATES))
    return inside


def _spaced_length(text: str) -> int:
    return len(" ".join(text.split()))


def _find_container(tree: HtmlElement, wrappers: set[HtmlElement]) -> HtmlElement | None:
    furniture = _in_furniture(tree)
    scores: dict[HtmlElement, float] = {}
    for node in tree.iter(*_CANDIDATES):
        if (node.tag != "p" and node in wrappers) or node in furniture:
            continue
        length = _spaced_length(node.text_content())
        if length < BLOCK_MIN_CHARS:
            continue
        linked = sum(_spaced_length(string_value(a)) for a in node.iter("a"))
        if linked > 0.5 * length:
            continue
        parent = node.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + length - linked
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= CONTAINER_MIN_CHARS else None


def find_container(page: ParsedPage) -> HtmlElement | None:
    """The element of the body tree whose own text blocks hold the most prose (None when no
    element holds CONTAINER_MIN_CHARS of it)."""
    if "container" not in page.memo:
        # whether an element is a wrapper depends only on what is inside it: one set serves the
        # container search and the container's prose count
        page.memo["wrappers"] = _wrappers(page.body_tree)
        page.memo["container"] = _find_container(page.body_tree, page.memo["wrappers"])
    return page.memo["container"]


def prose_words(page: ParsedPage) -> int:
    """Words in the prose blocks of the page's container (`find_container`): paragraphs and leaf
    blocks of PROSE_BLOCK_WORDS or more; 0 without a container."""
    container = find_container(page)
    if container is None:
        return 0
    wrappers = page.memo["wrappers"]
    total = 0
    for node in container.iter(*_CANDIDATES, "li"):
        if node.tag == "p" or node not in wrappers:
            words = len(WORD.findall(node.text_content()))
            if words >= PROSE_BLOCK_WORDS:
                total += words
    return total
