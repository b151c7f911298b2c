"""Questions about one HTML element that several fields ask: its class names, whether it is a leaf
text block, whether it sits in page furniture (header, footer, nav, forms)."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# Elements that hold text blocks of their own: a <div> or <td> with one of these inside is a wrapper.
BLOCK_TAGS = {"p", "div", "table", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
              "section", "article", "figure", "dl", "form", "header", "footer", "nav", "aside"}
NON_CONTENT = {"header", "footer", "nav", "aside", "form", "script", "style", "noscript", "select", "button"}


def classes(node: HtmlElement) -> str:
    """The node's class and id together: CMS templates name a role in either."""
    return f"{node.get('class', '')} {node.get('id', '')}"


def classed(page, pattern: re.Pattern) -> list[HtmlElement]:
    """Elements of the page's body whose class or id (`classes`) `pattern` finds, in page order
    (`page` is a ParsedPage: its list of classed elements is made once)."""
    if "classed" not in page.page_memo:
        page.page_memo["classed"] = [(node, classes(node)) for node in page.tree.xpath("//body//*[@class or @id]")]
    listed = page.page_memo["classed"]
    # templates repeat a few class names many times: search each distinct one once
    found = {names: bool(pattern.search(names)) for names in {names for _, names in listed}}
    return [node for node, names in listed if found[names]]


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
