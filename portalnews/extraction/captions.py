"""Image captions inside the article container: found once, then kept with their images and kept
out of the body text.

A caption is a <figcaption>, an element with a caption class (`chu-thich`, `image-desc`,
`expNoEdit`...), or the short italic or centred line right under an image-only block, the usual
style of Vietnamese CMS editors.
"""

from __future__ import annotations

import copy
import re

from lxml.html import HtmlElement

from portalnews.extraction.nodes import classes, names_match
from portalnews.vietnamese.text import comparison_form, normalize_inline

CAPTION_CLASS = re.compile(
    r"caption|image[_-]?desc|img[_-]?desc|desc[_-]?img|photo[_-]?desc|pic[_-]?desc|chu[_-]?thich|chuthich|"
    r"ghi[_-]?chu[_-]?anh|image[_-]?note|img[_-]?note|expnoedit",
    re.I,
)
CAPTION_MAX = 400  # longer is prose, not a caption
UNDER_IMAGE_MAX = 300  # an unmarked line under an image is a caption only when this short

Captions = list[tuple[HtmlElement | None, HtmlElement]]  # (image, caption element)


def _is_image_only(node: HtmlElement) -> bool:
    # iter("img") yields the node itself when it is an <img>, then its descendant images
    return next(node.iter("img"), None) is not None and not normalize_inline(node.text_content())


def _emphasis_only(node: HtmlElement) -> bool:
    """All of the node's text is in <em>/<i> (the usual caption style of Vietnamese CMS editors)."""
    text = comparison_form(node.text_content())
    emphasised = " ".join(
        comparison_form(e.text_content())
        for e in node.xpath(".//em|.//i")
        if not e.xpath("ancestor::em|ancestor::i")
    )
    return bool(text) and text == comparison_form(emphasised)


def _centered(node: HtmlElement) -> bool:
    style = (node.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or (node.get("align") or "").lower() == "center"


def _next_element(node: HtmlElement) -> HtmlElement | None:
    """The element right after `node`, unless text stands between them."""
    sibling = node.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    if node.tail and node.tail.strip():
        return None
    return sibling


def find_captions(scope: HtmlElement) -> Captions:
    """(image, caption element) pairs inside `scope`: figcaption, caption classes, and the short
    italic or centred line right under an image-only block."""
    found: Captions = []
    seen: set[HtmlElement] = set()

    def add(img, caption):
        if caption not in seen and len(normalize_inline(caption.text_content())) <= CAPTION_MAX:
            seen.add(caption)
            found.append((img, caption))

    for caption in scope.xpath(".//figcaption"):
        fig = caption.xpath("ancestor::figure[1]")
        imgs = fig[0].xpath(".//img") if fig else []
        add(imgs[0] if imgs else None, caption)
    for node in scope.iter():
        if not isinstance(node.tag, str) or node.tag in ("img", "figcaption", "html", "body"):
            continue
        # (no class and no id: nothing for the pattern to find, and no Python string built)
        if (node.get("class") or node.get("id")) and names_match(CAPTION_CLASS, classes(node)) \
                and normalize_inline(node.text_content()) \
                and not node.xpath(f".//p[string-length(normalize-space()) > {CAPTION_MAX}]"):
            table = node.xpath("ancestor::table[1]")
            imgs = (table[0] if table else node).xpath(".//img")
            add(imgs[0] if imgs else None, node)
    for block in scope.iter("p", "div", "td", "tr", "table", "figure", "a", "span", "center"):
        if not _is_image_only(block):
            continue
        nxt = _next_element(block)
        if nxt is None and block.tag == "td":  # image cell, caption in the next row
            row = block.getparent()
            nxt_row = row.getnext() if row is not None else None
            nxt = nxt_row if nxt_row is not None and isinstance(nxt_row.tag, str) else None
        if (
            nxt is None
            or nxt.xpath(".//img")
            or nxt.tag not in ("p", "div", "td", "tr", "span", "em", "i", "center", "small")
        ):
            continue
        text = normalize_inline(nxt.text_content())
        if 3 <= len(text) <= UNDER_IMAGE_MAX and (_emphasis_only(nxt) or (_centered(nxt) and _centered(block))
                                                 or nxt.tag in ("em", "i", "small")):
            img = block if block.tag == "img" else block.xpath(".//img")[0]
            add(img, nxt)
    return found


def without_captions(container: HtmlElement, captions: Captions) -> HtmlElement:
    """A copy of the container without caption elements."""
    clone = copy.deepcopy(container)
    marks = {id(c) for _, c in captions}
    originals = list(container.iter())
    copies = list(clone.iter())
    for original, twin in zip(originals, copies, strict=False):
        if id(original) in marks and twin.getparent() is not None:
            twin.drop_tree()
    return clone


def drop_caption_lines(lines: list[str], captions: Captions) -> list[str]:
    """The body without lines that are a caption (a table cell's `|` around it aside)."""
    if not captions:
        return lines
    caption_forms = {comparison_form(c.text_content()) for _, c in captions}
    return [line for line in lines if comparison_form(line).strip("| ") not in caption_forms]
