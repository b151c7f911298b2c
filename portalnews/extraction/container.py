"""The body lines that belong to the article container (portalnews.extraction.prose).

When the main-text step kept most of its prose, lines from outside it (sidebars, "Tin mới",
related lists, footers) are no article text. Tuned on Vietnamese portal CMS families; the caller
applies it to Vietnamese bodies only.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from portalnews.extraction.body import extract_body
from portalnews.extraction.nodes import is_leaf_block
from portalnews.extraction.page import ParsedPage, wrap_nodes
from portalnews.extraction.prose import PROSE_BLOCK_WORDS
from portalnews.vietnamese.text import comparison_form, normalize_text

CONTAINER_COVERAGE = 0.6  # share of the container's prose the extractor must have kept
OUTSIDE_PROSE_WORDS = 30  # a line this long outside the article box is still kept (a split article)


def _prose_blocks(container: HtmlElement) -> list[str]:
    """Comparison forms of the container's prose blocks."""
    blocks = []
    for node in container.iter("p", "div", "td", "pre", "blockquote", "li"):
        if node.tag == "p" or is_leaf_block(node):
            form = comparison_form(node.text_content())
            if len(form.split()) >= PROSE_BLOCK_WORDS:
                blocks.append(form)
    return blocks


def container_lines(page: ParsedPage, paragraphs: list[str], container: HtmlElement) -> list[str]:
    """The article's lines, judged by where they sit relative to its container (give it a copy
    without captions); `paragraphs` unchanged when the container is not the article.

    The container is the article when the main-text step kept most of its prose. Then lines
    inside it are kept; lines elsewhere in its parent (the article box: title, lead, a second text
    container) are kept unless they are list items (related links); lines outside the box
    (sidebars, "Tin mới", footers) are dropped unless they are long prose (a split article). When
    the main-text step ran the container together with other text into one line (a layout table
    read as one row), it is run again on the container alone.
    """
    blocks = _prose_blocks(container)
    total = sum(len(b.split()) for b in blocks)
    if not total:
        return paragraphs
    lines = [(p, comparison_form(p)) for p in paragraphs]
    joined = " " + " ".join(form for _, form in lines) + " "
    if sum(len(b.split()) for b in blocks if f" {b} " in joined) < CONTAINER_COVERAGE * total:
        return paragraphs
    for _, form in lines:
        if sum(len(b.split()) for b in blocks if f" {b} " in f" {form} ") >= CONTAINER_COVERAGE * total \
                and len(form) > 1.2 * len(" ".join(blocks)):
            rerun = [
                normalize_text(p) for p in extract_body(page.with_body(wrap_nodes([container]))).paragraphs
            ]
            return rerun or paragraphs
    inside = f" {comparison_form(container.text_content())} "
    parent = container.getparent()
    box = (
        f" {comparison_form(parent.text_content())} "
        if parent is not None and parent.tag not in ("body", "html")
        else inside
    )
    kept: list[str] = []
    for paragraph, form in lines:
        if not form:
            continue
        listed = paragraph.lstrip().startswith(("- ", "* ", "• ", "|"))
        if f" {form} " in inside:
            kept.append(paragraph)
        elif f" {form} " in box:
            if not listed:
                kept.append(paragraph)
        elif len(form.split()) >= OUTSIDE_PROSE_WORDS and not listed:
            kept.append(paragraph)
    return kept
