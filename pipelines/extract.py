"""One HTML page -> one cleaned Article: body (pipelines.body) plus Vietnamese metadata.

Per-portal hints use FiveFilters/Wallabag site-config keys with XPath values (title, body, date,
author, category, strip, strip_id_or_class); without hints everything is found generically.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from pipelines.body import extract_body
from pipelines.bylines import parse_byline, strip_edges
from pipelines.dates import find_dates, not_in_future, parse_datetime, parse_iso
from pipelines.text import normalize_inline, normalize_text

# Bump when extraction changes what it returns: `portalnews reextract` re-cleans older results.
EXTRACTOR_VERSION = "2026.11.1"


class ExtractionError(ValueError):
    """The page holds no article we can extract (empty, not HTML, no body)."""


@dataclass
class Article:
    title: str | None
    body: str
    published_at: datetime | None = None
    modified_at: datetime | None = None
    author: str | None = None
    source: str | None = None
    sapo: str | None = None
    category: str | None = None
    images: list[dict] = field(default_factory=list)
    language: str | None = None
    url: str | None = None

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("published_at", "modified_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_json(cls, data: dict) -> Article:
        data = dict(data)
        for key in ("published_at", "modified_at"):
            data[key] = parse_iso(data[key]) if data.get(key) else None
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


SAPO_CLASS = re.compile(r"(^|[\s_-])(sapo|lead|summary|chapeau|intro|tomtat|tom-tat|mota|description|desc)([\s_-]|$)", re.I)
DATE_CLASS = re.compile(r"date|time|ngay|publish|posted|post-info|meta|info|thoigian", re.I)
BREADCRUMB_CLASS = re.compile(r"breadcrumb|duong-dan|path|crumb", re.I)
DATE_LINE_MAX = 90


def _xpath_text(tree: HtmlElement, xpaths: tuple[str, ...]) -> str | None:
    for xp in xpaths:
        try:
            found = tree.xpath(xp)
        except etree.XPathError:
            continue
        for node in found:
            text = node if isinstance(node, str) else node.text_content()
            text = normalize_inline(text)
            if text:
                return text
    return None


def _apply_strip_hints(tree: HtmlElement, hints: dict) -> None:
    for xp in hints.get("strip", ()):
        for node in tree.xpath(xp):
            if isinstance(node, HtmlElement) and node.getparent() is not None:
                node.drop_tree()
    for name in hints.get("strip_id_or_class", ()):
        xp = f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ') or @id='{name}']"
        for node in tree.xpath(xp):
            if node.getparent() is not None:
                node.drop_tree()


def _meta(tree: HtmlElement, *names: str) -> str | None:
    for name in names:
        for node in tree.xpath(f"//meta[@property='{name}' or @name='{name}' or @itemprop='{name}']/@content"):
            value = normalize_inline(node)
            if value:
                return value
    return None


def _json_ld(tree: HtmlElement) -> list[dict]:
    items: list[dict] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                items.append(item)
                stack.extend(v for v in item.get("@graph", []) if isinstance(v, dict))
    return items


def _title(tree: HtmlElement, doc, hints: dict) -> str | None:
    hinted = _xpath_text(tree, hints.get("title", ()))
    if hinted:
        return hinted
    # The article's own <h1> beats og:title and <title>, which carry the site name.
    meta_title = normalize_inline(getattr(doc, "title", None)) or _meta(tree, "og:title")
    headings = [normalize_inline(h.text_content()) for h in tree.xpath("//h1")]
    headings = [h for h in headings if len(h) > 10]
    if meta_title:
        for h in headings:
            if h.casefold() in meta_title.casefold() or meta_title.casefold() in h.casefold():
                return h
    if len(headings) == 1:
        return headings[0]
    return meta_title or (headings[0] if headings else None)


def _title_element(tree: HtmlElement, title: str | None) -> HtmlElement | None:
    if not title:
        return None
    for tag in ("h1", "h2", "h3"):
        for node in tree.xpath(f"//{tag}"):
            if normalize_inline(node.text_content()).casefold() == title.casefold():
                return node
    return None


def _text_blocks_after(tree: HtmlElement, anchor: HtmlElement | None, limit: int = 60) -> list[str]:
    """Text of the elements that follow the title, in document order (where the date line sits)."""
    if anchor is None:
        return []
    blocks: list[str] = []
    started = False
    for node in tree.iter():
        if node is anchor:
            started = True
            continue
        if not started or not isinstance(node.tag, str) or node.tag in ("script", "style"):
            continue
        for piece in (node.text, node.tail):
            piece = normalize_inline(piece)
            if piece:
                blocks.append(piece)
        if len(blocks) >= limit:
            break
    return blocks


def _dates(tree: HtmlElement, title_node: HtmlElement | None, hints: dict) -> tuple[datetime | None, datetime | None]:
    """(published, modified): hint, then labelled dates near the title, then metadata."""
    hinted = _xpath_text(tree, hints.get("date", ()))
    if hinted:
        found = find_dates(hinted)
        published = next((f.value for f in found if f.label != "modified"), None) or parse_datetime(hinted)
        modified = next((f.value for f in found if f.label == "modified"), None)
        if published:
            return not_in_future(published), not_in_future(modified)

    meta_pub = parse_iso(
        _meta(tree, "article:published_time", "datePublished", "og:published_time", "pubdate", "publishdate") or ""
    )
    meta_mod = parse_iso(_meta(tree, "article:modified_time", "dateModified", "og:updated_time") or "")
    for item in _json_ld(tree):
        meta_pub = meta_pub or parse_iso(str(item.get("datePublished") or ""))
        meta_mod = meta_mod or parse_iso(str(item.get("dateModified") or ""))
    if not meta_pub:
        for value in tree.xpath("//time/@datetime"):
            meta_pub = parse_iso(value)
            if meta_pub:
                break

    # Visible dates: the few text blocks right after the title, else elements classed as dates.
    # Sidebars and related-news lists come later in the page, so they are never reached first.
    visible = []
    for block in _text_blocks_after(tree, title_node, limit=12):
        visible.extend(find_dates(block))
    if not visible:
        for node in tree.xpath("//*[@class or @id]"):
            if DATE_CLASS.search(f"{node.get('class', '')} {node.get('id', '')}") and len(node.text_content()) < 200:
                visible.extend(find_dates(node.text_content()))
            if len(visible) > 3:
                break
    published = next((f for f in visible if f.label == "published"), None) or next(
        (f for f in visible if f.label is None), None
    )
    modified = next((f for f in visible if f.label == "modified"), None)

    best_pub = None
    if meta_pub and (meta_pub.hour or meta_pub.minute or not published or not published.has_time):
        best_pub = meta_pub
    elif published:
        best_pub = published.value
    elif meta_pub:
        best_pub = meta_pub
    elif modified:  # a page that shows only "Cập nhật" has no other date
        best_pub = modified.value
    best_mod = meta_mod or (modified.value if modified else None)
    if best_mod and best_pub and best_mod <= best_pub:
        best_mod = None
    return not_in_future(best_pub), not_in_future(best_mod)


def _is_date_line(line: str) -> bool:
    line = normalize_inline(line)
    if len(line) > DATE_LINE_MAX:
        return False
    found = find_dates(line)
    if not found:
        return False
    leftover = re.sub(r"[\W\d_]+", " ", line).split()
    return len(leftover) <= 8


def _sapo(tree: HtmlElement, body_lines: list[str]) -> str | None:
    for node in tree.xpath("//*[@class or @id]"):
        if node.tag in ("meta", "body", "html", "script", "style"):
            continue
        if SAPO_CLASS.search(f"{node.get('class', '')} {node.get('id', '')}"):
            text = normalize_inline(node.text_content())
            if 30 <= len(text) <= 1500:
                return text
    return None


def _category(tree: HtmlElement, doc, hints: dict) -> str | None:
    hinted = _xpath_text(tree, hints.get("category", ()))
    if hinted:
        return hinted
    section = _meta(tree, "article:section")
    if section:
        return section
    for node in tree.xpath("//*[@class or @id]"):
        if BREADCRUMB_CLASS.search(f"{node.get('class', '')} {node.get('id', '')}"):
            crumbs = [normalize_inline(a.text_content()) for a in node.xpath(".//a")]
            crumbs = [c for c in crumbs if c and c.casefold() not in ("trang chủ", "home")]
            if crumbs:
                return crumbs[-1]
    categories = getattr(doc, "categories", None) or []
    return normalize_inline(categories[0]) if categories else None


def _images(tree: HtmlElement, base_url: str | None, scope: HtmlElement | None) -> list[dict]:
    images: list[dict] = []
    root = scope if scope is not None else tree
    for fig in root.xpath(".//figure[.//img]"):
        img = fig.xpath(".//img")[0]
        caption = normalize_inline(" ".join(fig.xpath(".//figcaption//text()")))
        src = img.get("src") or img.get("data-src")
        if src:
            images.append({"src": urljoin(base_url or "", src), "caption": caption or normalize_inline(img.get("alt")) or None})
    if not images:
        og = _meta(tree, "og:image")
        if og:
            images.append({"src": urljoin(base_url or "", og), "caption": None})
    return images


def _article_scope(tree: HtmlElement, title_node: HtmlElement | None) -> HtmlElement | None:
    """The smallest ancestor of the title that holds most of the page's paragraphs."""
    node = title_node
    while node is not None:
        if len(node.xpath(".//p")) >= 3:
            return node
        node = node.getparent()
    return None


def extract_article(html: str | bytes, url: str | None = None, hints: dict | None = None) -> Article:
    """Clean one page. Raises ExtractionError when there is no article body."""
    hints = hints or {}
    tree = load_html(html)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    _apply_strip_hints(tree, hints)

    body_source = tree
    if hints.get("body"):
        nodes = [n for xp in hints["body"] for n in tree.xpath(xp) if isinstance(n, HtmlElement)]
        if nodes:
            wrapper = etree.Element("html")
            container = etree.SubElement(etree.SubElement(wrapper, "body"), "article")
            for n in nodes:
                container.append(copy.deepcopy(n))
            body_source = load_html(etree.tostring(wrapper, encoding="unicode"))

    result = extract_body(copy.deepcopy(body_source), url)
    doc = result.document
    if body_source is not tree:
        doc = extract_body(copy.deepcopy(tree), url).document or doc

    title = _title(tree, doc, hints)
    title_node = _title_element(tree, title)

    paragraphs = [normalize_text(p) for p in result.paragraphs]
    edges = strip_edges(paragraphs, title)
    lines = edges.lines
    # A date line at the top of the body ("Đăng ngày 13-02-2020 09:06") is metadata, not text.
    while lines and _is_date_line(lines[0]):
        lines = lines[1:]
    if not lines:
        raise ExtractionError("no article body found")

    author = _xpath_text(tree, hints.get("author", ()))
    if author:
        hinted_author, hinted_source = parse_byline(author)
        author = hinted_author or author
        edges.source = edges.source or hinted_source
    author = author or edges.author
    if not author and doc is not None and getattr(doc, "author", None):
        author = normalize_inline(doc.author)

    sapo = _sapo(tree, lines)
    if sapo and not any(normalize_inline(line).startswith(sapo[:40]) for line in lines[:3]):
        lines = [sapo, *lines]

    published, modified = _dates(tree, title_node, hints)
    return Article(
        title=title,
        body="\n\n".join(lines),
        published_at=published,
        modified_at=modified,
        author=author or None,
        source=edges.source,
        sapo=sapo,
        category=_category(tree, doc, hints),
        images=_images(tree, url, _article_scope(tree, title_node)),
        language=getattr(doc, "language", None) if doc is not None else None,
        url=url,
    )
