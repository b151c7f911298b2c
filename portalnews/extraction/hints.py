"""Per-portal hints, in FiveFilters/Wallabag site-config form.

A portal's registry entry may give XPath values for `title`, `body`, `date`, `author` and
`category` (the first XPath that yields text wins), and `strip` / `strip_id_or_class` for elements
that are removed before anything is read. Without hints every field is found generically.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from portalnews.vietnamese.text import normalize_inline


def xpath_text(tree: HtmlElement, xpaths) -> str | None:
    """The first non-empty text that one of `xpaths` selects (an element's text or a string result)."""
    for xp in xpaths:
        try:
            found = tree.xpath(xp)
        except etree.XPathError:  # a broken hint must not fail the page: the generic rules still run
            continue
        for node in found:
            text = node if isinstance(node, str) else node.text_content()
            text = normalize_inline(text)
            if text:
                return text
    return None


def apply_strip_hints(tree: HtmlElement, hints: dict) -> None:
    """Remove, in place, what the hints say is no part of any field (`strip`, `strip_id_or_class`)."""
    for xp in hints.get("strip", ()):
        for node in tree.xpath(xp):
            if isinstance(node, HtmlElement) and node.getparent() is not None:
                node.drop_tree()
    for name in hints.get("strip_id_or_class", ()):
        xp = f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ') or @id='{name}']"
        for node in tree.xpath(xp):
            if node.getparent() is not None:
                node.drop_tree()
