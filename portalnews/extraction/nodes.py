"""Questions about one HTML element that several fields ask: its class names, whether it is a leaf
text block, whether it sits in page furniture (header, footer, nav, forms)."""

from __future__ import annotations

from lxml.html import HtmlElement

# Elements that hold text blocks of their own: a <div> or <td> with one of these inside is a wrapper.
BLOCK_TAGS = {"p", "div", "table", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
              "section", "article", "figure", "dl", "form", "header", "footer", "nav", "aside"}
NON_CONTENT = {"header", "footer", "nav", "aside", "form", "script", "style", "noscript", "select", "button"}


def classes(node: HtmlElement) -> str:
    """The node's class and id together: CMS templates name a role in either."""
    return f"{node.get('class', '')} {node.get('id', '')}"


def in_non_content(node: HtmlElement) -> bool:
    return any(isinstance(a.tag, str) and a.tag in NON_CONTENT for a in node.iterancestors())


def is_leaf_block(node: HtmlElement) -> bool:
    """No block element inside: the node is one line of text as the page shows it."""
    return not any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in node.iterdescendants())


def last_descendant(node: HtmlElement) -> HtmlElement:
    last = node
    for last in node.iter():  # noqa: B007 (the loop leaves the last element in `last`)
        pass
    return last
