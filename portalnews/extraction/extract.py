"""One HTML page -> one cleaned Article: body (portalnews.extraction.body) plus Vietnamese metadata.

Per-portal hints use FiveFilters/Wallabag site-config keys with XPath values (title, body, date,
author, category, strip, strip_id_or_class); without hints everything is found generically:

* title: the heading (h1-h3) that the page's <title>/og:title starts with or equals, so a site name
  in an <h1> (`ĐẢNG BỘ TỈNH HÀ TĨNH`) never wins over the article's <h2>/<h3>;
* article container: the element whose own paragraphs hold the most text. When it holds most of
  what the main-text extractor found, lines from outside it (sidebars, "Tin mới", related lists,
  footers) and image captions inside it are dropped from the body;
* dates: labelled date lines right after the title ("Đăng ngày", "Cập nhật"), then page metadata;
  dates inside long prose, sidebars and URLs are never taken; never a future date;
* sapo: the lead element near the title (sapo/lead/summary/hometext/tom-tat classes), first in the
  body and also stored alone;
* byline: the last body line (`NGÔ HUYỀN`, `Tin, ảnh: ...`, `PV`, `(Theo ...)`) or a labelled line
  just after the container (`Tác giả bài viết: ...`, `Nguồn tin: ...`).
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from urllib.parse import urljoin

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from portalnews.extraction.article import Article, ExtractionError
from portalnews.extraction.body import extract_body
from portalnews.extraction.bylines import TAIL_HEADER, is_widget_line, parse_byline, strip_edges
from portalnews.vietnamese.dates import find_dates, not_in_future, parse_datetime, parse_iso
from portalnews.vietnamese.text import normalize_inline, normalize_text

SAPO_CLASS = re.compile(
    r"(^|[\s_-])(sapo|lead|summary|chapeau|intro|tomtat|tom-tat|mota|mo-ta|hometext|headline-desc|standfirst)"
    r"([\s_-]|$)",
    re.I,
)
# A lead-like class inside these is someone else's summary: an author bio, a teaser of another story,
# a caption, a product box, a player or a subscription prompt.
NOT_SAPO_CONTEXT = re.compile(
    r"author|bio|teaser|listing|related|lien-quan|caption|product|deal|subscribe|newsletter|video|player|modal|"
    r"comment|binh-luan|item|card|widget",
    re.I,
)
DATE_CLASS = re.compile(r"date|time|ngay|publish|posted|post-info|meta|info|thoigian", re.I)
BREADCRUMB_CLASS = re.compile(r"breadcrumb|duong-dan|duongdan|path|crumb", re.I)
CAPTION_CLASS = re.compile(
    r"caption|image[_-]?desc|img[_-]?desc|desc[_-]?img|photo[_-]?desc|pic[_-]?desc|chu[_-]?thich|chuthich|"
    r"ghi[_-]?chu[_-]?anh|image[_-]?note|img[_-]?note|expnoedit",
    re.I,
)
DATE_LINE_MAX = 90
DATE_BLOCK_MAX = 160  # a date shown as page metadata sits in a short block, never inside prose
# Elements that hold text blocks of their own: a <div> or <td> with one of these inside is a wrapper.
BLOCK_TAGS = {"p", "div", "table", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
              "section", "article", "figure", "dl", "form", "header", "footer", "nav", "aside"}
NON_CONTENT = {"header", "footer", "nav", "aside", "form", "script", "style", "noscript", "select", "button"}
CONTAINER_MIN_CHARS = 200  # less own paragraph text than this is no article container
CONTAINER_COVERAGE = 0.6  # share of the container's prose the extractor must have kept
OUTSIDE_PROSE_WORDS = 30  # a line this long outside the article box is still kept (a split article)


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


def _words(text: str | None) -> str:
    """Comparison form of a text: its word tokens, casefolded, space-separated."""
    return " ".join(re.findall(r"\w+", normalize_text(text).casefold()))


def _classes(node: HtmlElement) -> str:
    return f"{node.get('class', '')} {node.get('id', '')}"


# ---- title -------------------------------------------------------------------------------------
def _page_titles(tree: HtmlElement, doc) -> list[str]:
    """What the page says its title is (og:title, <title>), with the site name still attached."""
    titles = [
        _meta(tree, "og:title", "twitter:title"),
        normalize_inline(" ".join(tree.xpath("//head/title//text()")) or None),
    ]
    titles = [t for t in dict.fromkeys(titles) if t]
    # trafilatura's guess (it may be a site name taken from an <h1>) only when the page says nothing
    return titles or [t for t in [normalize_inline(getattr(doc, "title", None))] if t]


def _title(tree: HtmlElement, doc, hints: dict) -> str | None:
    hinted = _xpath_text(tree, hints.get("title", ()))
    if hinted:
        return hinted
    page_titles = [t.casefold() for t in _page_titles(tree, doc)]
    headings = [normalize_inline(h.text_content()) for h in tree.xpath("//h1|//h2|//h3")]
    headings = [h for h in headings if 4 <= len(h) <= 400]
    # The article's heading equals og:title or starts <title> ("Title - Site"); a site name in a
    # heading is only contained in it (at the end), so it scores lower.
    best, best_key = None, (0, 0)
    for heading in headings:
        folded = heading.casefold()
        score = 0
        for title in page_titles:
            if folded == title:
                score = max(score, 3)
            elif title.startswith(folded) and len(folded) >= 10:
                score = max(score, 2)
            elif folded in title and len(folded) >= 10:
                score = max(score, 1)
        if score and (score, len(heading)) > best_key:
            best, best_key = heading, (score, len(heading))
    if best:
        return best
    h1s = [normalize_inline(h.text_content()) for h in tree.xpath("//h1")]
    h1s = [h for h in h1s if len(h) > 10]
    if len(h1s) == 1:
        return h1s[0]
    titles = _page_titles(tree, doc)
    return titles[0] if titles else (h1s[0] if h1s else None)


def _title_element(tree: HtmlElement, title: str | None) -> HtmlElement | None:
    if not title:
        return None
    folded = title.casefold()
    for tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        for node in tree.xpath(f"//body//{tag}"):
            if normalize_inline(node.text_content()).casefold() == folded:
                return node
    # A hinted title may sit in a <div> or <span>: the innermost element showing exactly the title.
    for node in tree.xpath("//body//*"):
        if isinstance(node.tag, str) and normalize_inline(node.text_content()).casefold() == folded:
            inner = node
            while True:
                kids = [c for c in inner if isinstance(c.tag, str) and normalize_inline(c.text_content()).casefold() == folded]
                if not kids:
                    return inner
                inner = kids[0]
    return None


# ---- the article container and its captions ----------------------------------------------------
def _in_non_content(node: HtmlElement) -> bool:
    return any(isinstance(a.tag, str) and a.tag in NON_CONTENT for a in node.iterancestors())


def _is_leaf_block(node: HtmlElement) -> bool:
    return not any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in node.iterdescendants())


def _content_node(tree: HtmlElement) -> HtmlElement | None:
    """The element whose own text blocks (paragraphs, leaf divs and cells) hold the most prose."""
    scores: dict[HtmlElement, float] = {}
    for node in tree.iter("p", "div", "td", "pre", "blockquote"):
        if node.tag != "p" and not _is_leaf_block(node):
            continue
        text = normalize_inline(node.text_content())
        if len(text) < 25 or _in_non_content(node):
            continue
        linked = sum(len(normalize_inline(a.text_content())) for a in node.iter("a"))
        if linked > 0.5 * len(text):
            continue
        parent = node.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + len(text) - linked
    if not scores:
        return None
    best = max(scores, key=scores.get)
    return best if scores[best] >= CONTAINER_MIN_CHARS else None


def _is_image_only(node: HtmlElement) -> bool:
    return (node.tag == "img" or bool(node.xpath(".//img"))) and not normalize_inline(node.text_content())


def _emphasis_only(node: HtmlElement) -> bool:
    """All of the node's text is in <em>/<i> (the usual caption style of Vietnamese CMS editors)."""
    text = _words(node.text_content())
    emphasised = " ".join(_words(e.text_content()) for e in node.xpath(".//em|.//i") if not e.xpath("ancestor::em|ancestor::i"))
    return bool(text) and text == _words(emphasised)


def _centered(node: HtmlElement) -> bool:
    style = (node.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or (node.get("align") or "").lower() == "center"


def _next_element(node: HtmlElement) -> HtmlElement | None:
    sibling = node.getnext()
    while sibling is not None and not isinstance(sibling.tag, str):
        sibling = sibling.getnext()
    if node.tail and node.tail.strip():
        return None
    return sibling


def _find_captions(scope: HtmlElement) -> list[tuple[HtmlElement | None, HtmlElement]]:
    """(image, caption element) pairs inside `scope`: figcaption, caption classes, and the short
    italic or centred line right under an image-only block."""
    found: list[tuple[HtmlElement | None, HtmlElement]] = []
    seen: set[HtmlElement] = set()

    def add(img, caption):
        if caption not in seen and len(normalize_inline(caption.text_content())) <= 400:
            seen.add(caption)
            found.append((img, caption))

    for caption in scope.xpath(".//figcaption"):
        fig = caption.xpath("ancestor::figure[1]")
        imgs = fig[0].xpath(".//img") if fig else []
        add(imgs[0] if imgs else None, caption)
    for node in scope.iter():
        if not isinstance(node.tag, str) or node.tag in ("img", "figcaption", "html", "body"):
            continue
        if CAPTION_CLASS.search(_classes(node)) and normalize_inline(node.text_content()) and not node.xpath(".//p[string-length(normalize-space()) > 400]"):
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
        if nxt is None or nxt.xpath(".//img") or nxt.tag not in ("p", "div", "td", "tr", "span", "em", "i", "center", "small"):
            continue
        text = normalize_inline(nxt.text_content())
        if 3 <= len(text) <= 300 and (_emphasis_only(nxt) or (_centered(nxt) and _centered(block))
                                     or nxt.tag in ("em", "i", "small")):
            img = block if block.tag == "img" else block.xpath(".//img")[0]
            add(img, nxt)
    return found


def _without_captions(container: HtmlElement, captions) -> HtmlElement:
    """A copy of the container without caption elements."""
    clone = copy.deepcopy(container)
    marks = {id(c) for _, c in captions}
    originals = list(container.iter())
    copies = list(clone.iter())
    for original, twin in zip(originals, copies, strict=False):
        if id(original) in marks and twin.getparent() is not None:
            twin.drop_tree()
    return clone


# ---- dates -------------------------------------------------------------------------------------
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


def _date_lines_after(title_node: HtmlElement | None, limit: int = 12) -> list[str]:
    """The short lines right after the title: the header's date line(s), not the article's prose."""
    if title_node is None:
        return []
    anchor = title_node
    for _ in range(3):  # a title wrapped alone in its own box: the date line follows the box
        if anchor.getnext() is not None or anchor.getparent() is None:
            break
        anchor = anchor.getparent()
    lines: list[str] = []
    for node in anchor.itersiblings():
        if not isinstance(node.tag, str) or node.tag in ("script", "style"):
            continue
        text = normalize_inline(node.text_content())
        if text and len(text) <= DATE_BLOCK_MAX:
            lines.append(text)
        elif text:
            # a long block (the sapo or the body): date lines inside it are short leaf elements
            for inner in node.iter():
                if isinstance(inner.tag, str) and _is_leaf_block(inner):
                    inner_text = normalize_inline(inner.text_content())
                    if inner_text and len(inner_text) <= DATE_BLOCK_MAX and find_dates(inner_text):
                        lines.append(inner_text)
            break
        if len(lines) >= limit:
            break
    return lines


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
    meta_pub, meta_mod = not_in_future(meta_pub), not_in_future(meta_mod)

    # Visible dates: the short lines right after the title (the title's siblings, then the blocks
    # that follow it), else short elements classed as dates. Sidebars, related lists and the
    # article's prose come later or are long, so their dates are never taken.
    def dates_in(blocks: list[str]) -> list:
        return [f for block in blocks for f in find_dates(block) if not_in_future(f.value)]

    visible = dates_in(_date_lines_after(title_node)) or dates_in(
        [b for b in _text_blocks_after(tree, title_node, limit=12) if len(b) <= DATE_BLOCK_MAX]
    )
    if not visible:
        for node in tree.xpath("//body//*[@class or @id]"):
            if DATE_CLASS.search(_classes(node)) and len(node.text_content()) < DATE_BLOCK_MAX:
                visible.extend(f for f in find_dates(node.text_content()) if not_in_future(f.value))
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


# ---- sapo, category, byline, images ------------------------------------------------------------
def _after(node: HtmlElement, anchor: HtmlElement | None, order: dict) -> bool:
    return anchor is None or order.get(node, 0) > order.get(anchor, 0)


def _sapo(tree: HtmlElement, title_node: HtmlElement | None, container: HtmlElement | None) -> str | None:
    """The lead paragraph: an element classed as such after the title (not inside a list or the sidebar)."""
    order = {node: i for i, node in enumerate(tree.iter())}
    for node in tree.xpath("//body//*[@class or @id]"):
        if node.tag in ("meta", "body", "html", "script", "style", "a", "li", "ul", "img"):
            continue
        if not SAPO_CLASS.search(_classes(node)) or not _after(node, title_node, order):
            continue
        if container is not None and node is not container and any(a is node for a in container.iterancestors()):
            continue  # a wrapper around the whole article, not the lead
        if node.xpath("ancestor::li|ancestor::a") or _in_non_content(node):
            continue
        if any(NOT_SAPO_CONTEXT.search(_classes(n)) for n in (node, *node.iterancestors())):
            continue
        text = normalize_inline(" ".join(node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")))
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
    for node in tree.xpath("//body//*[@class or @id]"):
        if BREADCRUMB_CLASS.search(_classes(node)):
            crumbs = [normalize_inline(a.text_content()) for a in node.xpath(".//a")]
            crumbs = [c for c in crumbs if c and c.casefold() not in ("trang chủ", "trang nhất", "home")]
            if crumbs:
                return crumbs[-1]
    categories = getattr(doc, "categories", None) or []
    return normalize_inline(categories[0]) if categories else None


def _last_descendant(node: HtmlElement) -> HtmlElement:
    last = node
    for last in node.iter():  # noqa: B007 (the loop leaves the last element in `last`)
        pass
    return last


def _merged_label_lines(tree: HtmlElement, container: HtmlElement | None, limit: int = 8) -> list[str]:
    """Whole lines (leaf blocks) after the container, so a label and its value stay together."""
    if container is None:
        return []
    lines: list[str] = []
    started = False
    end = _last_descendant(container)
    for node in tree.iter():
        if node is end:
            started = True
            continue
        if not started or not isinstance(node.tag, str) or node.tag in ("script", "style"):
            continue
        if node.tag in ("p", "div", "li", "span", "td") and _is_leaf_block(node):
            text = normalize_inline(node.text_content())
            if not text:
                continue
            if TAIL_HEADER.match(text) or is_widget_line(text):
                break
            lines.append(text)
            if len(lines) >= limit:
                break
    return lines


def _images(tree: HtmlElement, base_url: str | None, scope: HtmlElement | None, captions) -> list[dict]:
    images: list[dict] = []
    by_image = {id(img): normalize_inline(cap.text_content()) for img, cap in captions if img is not None}
    if scope is not None:
        for img in scope.xpath(".//img"):
            src = img.get("src") or img.get("data-src") or img.get("data-original")
            if not src or src.startswith("data:"):
                continue
            caption = by_image.get(id(img)) or None
            images.append({"src": urljoin(base_url or "", src), "caption": caption})
    if not images:
        og = _meta(tree, "og:image")
        if og:
            images.append({"src": urljoin(base_url or "", og), "caption": None})
    return images


def _language(tree: HtmlElement, doc) -> str | None:
    lang = tree.xpath("string(/html/@lang)") or _meta(tree, "og:locale", "language", "content-language") or ""
    lang = lang.strip().split("-")[0].split("_")[0].lower()
    return lang or (getattr(doc, "language", None) if doc is not None else None)


_VIETNAMESE_LETTERS = re.compile(r"[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơư]", re.I)


def _is_vietnamese(paragraphs: list[str]) -> bool:
    """Vietnamese text: its own letters (ạ, ế, ơ, đ, ...) are common in any Vietnamese sentence."""
    text = " ".join(paragraphs)
    letters = sum(ch.isalpha() for ch in text)
    return letters > 0 and len(_VIETNAMESE_LETTERS.findall(text)) >= 0.03 * letters


def _wrapped(nodes: list[HtmlElement]) -> HtmlElement:
    """A page holding only copies of `nodes`, inside <article>."""
    wrapper = etree.Element("html")
    container = etree.SubElement(etree.SubElement(wrapper, "body"), "article")
    for node in nodes:
        container.append(copy.deepcopy(node))
    return load_html(etree.tostring(wrapper, encoding="unicode"))


def _long_blocks(container: HtmlElement) -> list[str]:
    """Word forms of the container's prose blocks (10 words or more)."""
    blocks = []
    for node in container.iter("p", "div", "td", "pre", "blockquote", "li"):
        if node.tag == "p" or _is_leaf_block(node):
            words = _words(node.text_content())
            if len(words.split()) >= 10:
                blocks.append(words)
    return blocks


def _container_paragraphs(paragraphs: list[str], container: HtmlElement, url: str | None) -> list[str] | None:
    """The article's lines, judged by where they sit relative to its container; None to keep all.

    The container is the article when the main-text extractor kept most of its prose. Then lines
    inside it are kept; lines elsewhere in its parent (the article box: title, lead, a second text
    container) are kept unless they are list items (related links); lines outside the box
    (sidebars, "Tin mới", footers) are dropped unless they are long prose (a split article). When
    the extractor ran the container together with other text into one line (a layout table read as
    one row), it is run again on the container alone.
    """
    blocks = _long_blocks(container)
    total = sum(len(b.split()) for b in blocks)
    if not total:
        return None
    lines = [(p, _words(p)) for p in paragraphs]
    joined = " " + " ".join(w for _, w in lines) + " "
    if sum(len(b.split()) for b in blocks if f" {b} " in joined) < CONTAINER_COVERAGE * total:
        return None
    for _, words in lines:
        if sum(len(b.split()) for b in blocks if f" {b} " in f" {words} ") >= CONTAINER_COVERAGE * total \
                and len(words) > 1.2 * len(" ".join(blocks)):
            rerun = [normalize_text(p) for p in extract_body(_wrapped([container]), url).paragraphs]
            return rerun or None
    inside = f" {_words(container.text_content())} "
    parent = container.getparent()
    box = f" {_words(parent.text_content())} " if parent is not None and parent.tag not in ("body", "html") else inside
    kept: list[str] = []
    for paragraph, words in lines:
        if not words:
            continue
        listed = paragraph.lstrip().startswith(("- ", "* ", "• ", "|"))
        if f" {words} " in inside:
            kept.append(paragraph)
        elif f" {words} " in box:
            if not listed:
                kept.append(paragraph)
        elif len(words.split()) >= OUTSIDE_PROSE_WORDS and not listed:
            kept.append(paragraph)
    return kept


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
            body_source = _wrapped(nodes)

    result = extract_body(copy.deepcopy(body_source), url)
    doc = result.document
    if body_source is not tree:
        doc = extract_body(copy.deepcopy(tree), url).document or doc

    title = _title(tree, doc, hints)
    title_node = _title_element(tree, title)

    container = _content_node(body_source)
    captions = _find_captions(container) if container is not None else []
    paragraphs = [normalize_text(p) for p in result.paragraphs]
    if container is not None and _is_vietnamese(paragraphs):
        # (Tuned on Vietnamese portal CMS families; other pages keep the main-text extractor's lines.)
        # Lines from outside the article's container (sidebars, related lists, footers) and image
        # captions inside it are no article text.
        filtered = _container_paragraphs(paragraphs, _without_captions(container, captions), url)
        if filtered is not None:
            paragraphs = filtered
        caption_words = {_words(c.text_content()) for _, c in captions}
        paragraphs = [p for p in paragraphs if _words(p).strip("| ") not in caption_words]
    edges = strip_edges(paragraphs, title)
    lines = edges.lines
    # A date line at the top of the body ("Đăng ngày 13-02-2020 09:06") is metadata, not text.
    while lines and _is_date_line(lines[0]):
        lines = lines[1:]
    if not lines:
        raise ExtractionError("no article body found")

    container_in_tree = container if body_source is tree else None
    author = _xpath_text(tree, hints.get("author", ()))
    source = edges.source
    if author:
        hinted_author, hinted_source = parse_byline(author)
        author = hinted_author or author
        source = source or hinted_source
    author = author or edges.author
    if not author or not source:
        after_author = after_source = None
        for line in _merged_label_lines(tree, container_in_tree):
            found_author, found_source = parse_byline(line, labelled_only=True)
            after_author, after_source = after_author or found_author, after_source or found_source
        author, source = author or after_author, source or after_source
    if not author and not source:
        meta_author = _meta(tree, "author", "article:author")
        if meta_author and not re.search(r"https?:|www\.|\.vn\b|\.com\b", meta_author):
            author = meta_author

    sapo = _sapo(tree, title_node, container_in_tree)
    if sapo:
        if not any(_words(line).startswith(_words(sapo)[:60]) for line in lines[:3]):
            lines = [sapo, *lines]
        else:
            lines = [sapo if _words(line) == _words(sapo) else line for line in lines]

    published, modified = _dates(tree, title_node, hints)
    return Article(
        title=title,
        body="\n\n".join(lines),
        published_at=published,
        modified_at=modified,
        author=author or None,
        source=source or None,
        sapo=sapo,
        category=_category(tree, doc, hints),
        images=_images(tree, url, container_in_tree, captions),
        language=_language(tree, doc),
        url=url,
    )
