"""The parsed page every field is read from.

The HTML is parsed once (trafilatura's `load_html` rules, portalnews.extraction.parsing), the
hints' `strip` rules are applied once, and the page-wide lookups several fields need (meta tags,
JSON-LD items, elements by class, the elements of a few tags found in one walk) are computed on
first use and kept. Fields read the tree and never change it; trafilatura edits the tree it is
given, so the main-text step lets it work on its own copy (and, only for the duration of its run,
marks entity-like text and takes scripts and styles out, portalnews.extraction.body).
"""

from __future__ import annotations

import copy
import html
import json
from functools import cached_property
from operator import itemgetter

from lxml import etree
from lxml.html import HtmlElement

from portalnews.extraction.article import ExtractionError
from portalnews.extraction.hints import apply_strip_hints, xpath_text
from portalnews.extraction.parsing import load_html
from portalnews.vietnamese.text import normalize_inline

_ELEMENTS_BEFORE = etree.XPath("count(preceding::*) + count(ancestor::*)")
_TEXT = etree.XPath("text()")
_rank = itemgetter(0)
# The tags several fields look up (each lookup a walk of the page without the index); indexing
# the common ones (div, a, li, p...) costs more than walking the page for them.
_INDEXED_TAGS = frozenset(
    ("head", "body", "meta", "script", "style", "title", "time", "h1", "h2", "h3", "h4", "h5", "h6")
)


def wrap_nodes(nodes: list[HtmlElement]) -> HtmlElement:
    """A page holding only copies of `nodes`, inside <article>: what the main-text step reads when
    the article's own elements are known (a body hint, or the article container)."""
    wrapper = etree.Element("html")
    container = etree.SubElement(etree.SubElement(wrapper, "body"), "article")
    for node in nodes:
        container.append(copy.deepcopy(node))
    return load_html(etree.tostring(wrapper, encoding="unicode"))


def wrapped_copies(body_tree: HtmlElement) -> HtmlElement | None:
    """The <article> of a `wrap_nodes` page: the copies, in the order of the nodes given."""
    return body_tree.find("body/article")


def _unescaped(item: dict) -> dict:
    """A JSON-LD object with its string values (also inside lists) entity-decoded."""
    def decode(value):
        if isinstance(value, str):
            return html.unescape(value)
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value
    return {key: decode(value) for key, value in item.items()}


class ParsedPage:
    """One page: its tree, its URL, its portal's hints, and the tree the article body is read from
    (the page itself, or only the elements a `body` hint selects)."""

    def __init__(self, tree: HtmlElement, url: str | None = None, hints: dict | None = None,
                 body_tree: HtmlElement | None = None, hinted_nodes: list[HtmlElement] | None = None):
        self.tree = tree
        self.url = url
        self.hints = hints or {}
        self.body_tree = tree if body_tree is None else body_tree
        # the page's own elements the body tree is a copy of (wrap_nodes), in order
        self.hinted_nodes = hinted_nodes or []
        self.memo: dict = {}  # results about the body tree computed once (portalnews.extraction.prose)
        self.page_memo: dict = {}  # results about the whole page computed once, shared by with_body

    @classmethod
    def parse(cls, html: str | bytes, url: str | None = None, hints: dict | None = None) -> ParsedPage:
        """Parse once, apply the strip hints. Raises ExtractionError when it is not HTML."""
        hints = hints or {}
        tree = load_html(html)
        if tree is None:
            raise ExtractionError("not parseable as HTML")
        apply_strip_hints(tree, hints)
        body_tree = None
        nodes = [n for xp in hints.get("body", ()) for n in tree.xpath(xp) if isinstance(n, HtmlElement)]
        if nodes:
            body_tree = wrap_nodes(nodes)
        return cls(tree, url, hints, body_tree, nodes)

    def with_body(self, body_tree: HtmlElement) -> ParsedPage:
        """The same page (lookups already made are shared) with the body read from `body_tree`."""
        other = copy.copy(self)
        other.body_tree = body_tree
        other.hinted_nodes = []  # `body_tree` is no copy of hinted elements: in_page finds nothing
        other.memo = {}
        return other

    @property
    def body_is_hinted(self) -> bool:
        """The body comes from a copy of hinted elements: its nodes are not the page's own."""
        return self.body_tree is not self.tree

    def in_page(self, node: HtmlElement | None) -> HtmlElement | None:
        """The page's own element that `node`, an element of the body tree, stands for: `node` itself
        when the body is the page; when it is a copy of hinted elements, the element it was copied
        from, found by its place under them (None for the wrapper around the copies, or when the
        copy's shape differs from the page's, which its reparse could make happen)."""
        if node is None or not self.body_is_hinted:
            return node
        wrapper = wrapped_copies(self.body_tree)
        chain = [node]  # from `node` up to a copied element, a child of the wrapper
        while chain[-1].getparent() is not wrapper:
            parent = chain[-1].getparent()
            if parent is None:
                return None
            chain.append(parent)
        top = wrapper.index(chain[-1])
        if top >= len(self.hinted_nodes):
            return None
        original = self.hinted_nodes[top]
        if original.tag != chain[-1].tag:
            return None
        for child in reversed(chain[:-1]):
            index = child.getparent().index(child)
            if index >= len(original) or original[index].tag != child.tag:
                return None
            original = original[index]
        return original

    def hinted_text(self, field: str) -> str | None:
        """The text the portal's hint for `field` (title, date, author, category) selects, if any."""
        return xpath_text(self.tree, self.hints.get(field, ()))

    @property
    def is_document(self) -> bool:
        """The tree is the whole parsed document (a fragment's parse may return an element inside
        it): XPath's `//` and the tree's own walk then see the same elements."""
        return self.tree.getparent() is None

    @cached_property
    def _by_tag(self) -> dict[str, list[tuple[int, HtmlElement]]]:
        """The document's elements of _INDEXED_TAGS by tag, with their rank in page order: one walk
        of the page for the lookups of several fields (each walk costs about as much, whatever it
        looks for)."""
        by_tag: dict[str, list[tuple[int, HtmlElement]]] = {}
        for rank, node in enumerate(self.tree.getroottree().getroot().iter(*_INDEXED_TAGS)):
            by_tag.setdefault(node.tag, []).append((rank, node))
        return by_tag

    def elements(self, *tags: str) -> list[HtmlElement]:
        """The document's elements with one of `tags`, in page order: XPath's `//h1|//h2`."""
        if not _INDEXED_TAGS.issuperset(tags):
            return list(self.tree.getroottree().getroot().iter(*tags))
        found = [item for tag in tags for item in self._by_tag.get(tag, ())]
        if len(tags) > 1:
            found.sort(key=_rank)
        return [node for _, node in found]

    def body_elements(self, *tags: str) -> list[HtmlElement]:
        """`body_tree.iter(*tags)`, from the page's one walk when the body is the whole document."""
        if self.body_tree is self.tree and self.is_document:
            return self.elements(*tags)
        return list(self.body_tree.iter(*tags))

    @cached_property
    def _meta_contents(self) -> dict[str, list[str]]:
        """content= of every <meta>, by each of its property, name and itemprop, in page order."""
        contents: dict[str, list[str]] = {}
        for node in self.elements("meta") if self.is_document else self.tree.iter("meta"):
            content = node.get("content")
            if content is None:
                continue
            for key in dict.fromkeys(node.get(attr) for attr in ("property", "name", "itemprop")):
                if key is not None:
                    contents.setdefault(key, []).append(content)
        return contents

    def meta(self, *names: str) -> str | None:
        """The first non-empty <meta> content for the first of `names` that has one."""
        for name in names:
            for content in self._meta_contents.get(name, ()):
                value = normalize_inline(content)
                if value:
                    return value
        return None

    @cached_property
    def json_ld(self) -> list[dict]:
        """Every JSON-LD object of the page, @graph members included."""
        items: list[dict] = []
        scripts = (node for node in self.elements("script") if node.get("type") == "application/ld+json")
        for script in (text for node in scripts for text in _TEXT(node)):
            try:
                # a script's text is not entity-decoded by the HTML parser: its strings still are markup
                # (only an "&", written as is or as \u0026, starts an entity)
                markup = "&" in script or "\\u0026" in script
                data = json.loads(script, object_hook=_unescaped if markup else None)
            except ValueError:
                continue
            stack = data if isinstance(data, list) else [data]
            while stack:
                item = stack.pop()
                if isinstance(item, dict):
                    items.append(item)
                    stack.extend(v for v in item.get("@graph", []) if isinstance(v, dict))
        return items

    def position(self, node: HtmlElement) -> int:
        """The element's rank in document order, for "does this come after the title?" (counted by
        libxml2 for the few elements asked about, instead of numbering every node of the page)."""
        return int(_ELEMENTS_BEFORE(node))
