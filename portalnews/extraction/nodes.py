"""Questions about one HTML element that several fields ask: its class names, whether it is a leaf
text block, whether it sits in page furniture (header, footer, nav, forms)."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

from lxml.etree import XPath
from lxml.html import HtmlElement

# Elements that hold text blocks of their own: a <div> or <td> with one of these inside is a wrapper.
BLOCK_TAGS = {"p", "div", "table", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
              "section", "article", "figure", "dl", "form", "header", "footer", "nav", "aside"}
# `//body//*[...]` in libxml2 walks the tree once per step; `descendant::` with the test walks it once
_CLASSED = XPath("//body/descendant::*[@class or @id]")
NON_CONTENT = {"header", "footer", "nav", "aside", "form", "script", "style", "noscript", "select", "button"}


def classes(node: HtmlElement) -> str:
    """The node's class and id together: CMS templates name a role in either."""
    return f"{node.get('class', '')} {node.get('id', '')}"


def classed(page, pattern: re.Pattern) -> list[HtmlElement]:
    """Elements of the page's body whose class or id (`classes`) `pattern` finds, in page order
    (`page` is a ParsedPage: its list of classed elements is made once)."""
    memo = page.page_memo
    if "classed" not in memo:
        nodes = _CLASSED(page.tree)
        # templates repeat a few class names many times: each distinct one is searched once, and
        # knows where it is (`classes` written out here: it runs for every classed element)
        places: dict[str, list[int]] = {}
        for place, node in enumerate(nodes):
            places.setdefault(f"{node.get('class', '')} {node.get('id', '')}", []).append(place)
        memo["classed"] = nodes
        memo["class_names"] = [(names, names.lower() if names.isascii() else None, found_at)
                               for names, found_at in places.items()]
    lowercase = _case_sensitive_form(pattern)
    if lowercase is None:
        found = [at for names, _, at in memo["class_names"] if pattern.search(names)]
    else:
        found = [at for names, lowered, at in memo["class_names"]
                 if (lowercase.search(lowered) if lowered is not None else pattern.search(names))]
    nodes = memo["classed"]
    return [nodes[place] for place in sorted(chain.from_iterable(found))]


def names_match(pattern: re.Pattern, names: str) -> bool:
    """`pattern.search(names)`, faster for a case-insensitive pattern (`_case_sensitive_form`)."""
    lowercase = _case_sensitive_form(pattern)
    if lowercase is not None and names.isascii():
        return lowercase.search(names.lower()) is not None
    return pattern.search(names) is not None


@lru_cache(maxsize=64)
def _case_sensitive_form(pattern: re.Pattern) -> re.Pattern | None:
    """The same pattern without IGNORECASE, when it is ASCII with no capital letter: on a lowercased
    ASCII name it finds exactly what `pattern` finds on the name, several times faster (Python's
    case-insensitive search is slow). None for any other pattern."""
    text = pattern.pattern
    if not (pattern.flags & re.IGNORECASE) or not isinstance(text, str) or not text.isascii() \
            or any(ch.isupper() for ch in text):
        return None
    return re.compile(text, pattern.flags & ~re.IGNORECASE)


def string_value(node: HtmlElement) -> str:
    """`node.text_content()` (XPath's string value), without its XPath call for an element with no
    children, whose string value is its own text: most links are one (a page's link texts cost a
    quarter as much)."""
    if len(node):
        return node.text_content()
    return str(node.text) if node.text else ""


def is_furniture(node: HtmlElement) -> bool:
    """Page furniture: header, footer, nav, aside, forms... but not ASP.NET's one <form> around the
    whole page (a child of <body>), nor an article's own <header> (title, lead, byline)."""
    if not isinstance(node.tag, str) or node.tag not in NON_CONTENT:
        return False
    parent = node.getparent()
    if node.tag == "form" and parent is not None and parent.tag == "body":
        return False
    return not (node.tag == "header" and node.xpath("ancestor::article|ancestor::main"))


def in_non_content(node: HtmlElement) -> bool:
    return any(is_furniture(a) for a in node.iterancestors())


def is_leaf_block(node: HtmlElement) -> bool:
    """No block element inside: the node is one line of text as the page shows it."""
    return not any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in node.iterdescendants())


def last_descendant(node: HtmlElement) -> HtmlElement:
    last = node
    for last in node.iter():  # noqa: B007 (the loop leaves the last element in `last`)
        pass
    return last


def iter_after(node: HtmlElement):
    """The nodes after `node` in document order, its own descendants first (without walking what
    comes before it)."""
    yield from node.iterdescendants()
    for ancestor in (node, *node.iterancestors()):
        for sibling in ancestor.itersiblings():
            yield from sibling.iter()
