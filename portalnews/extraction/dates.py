"""The page's published and modified dates: which of the dates on the page are the article's.

Labelled date lines right after the title ("Đăng ngày", "Cập nhật"), then page metadata (meta
tags, JSON-LD, <time>); dates inside long prose, sidebars and URLs are never taken, nor a date in
the future. Reading a Vietnamese date is portalnews.vietnamese.dates' job.
"""

from __future__ import annotations

import re
from datetime import datetime

from htmldate import find_date
from lxml.html import HtmlElement

from portalnews.extraction.nodes import classed, is_furniture, is_leaf_block, iter_after
from portalnews.extraction.page import ParsedPage
from portalnews.vietnamese.dates import find_dates, not_in_future, parse_datetime, parse_iso
from portalnews.vietnamese.text import normalize_inline

DATE_CLASS = re.compile(r"date|time|ngay|publish|posted|post-info|meta|info|thoigian", re.I)
DATE_LINE_MAX = 90
DATE_BLOCK_MAX = 160  # a date shown as page metadata sits in a short block, never inside prose
DATE_LINE_MAX_WORDS = 8  # words besides the date on a line that is only a date line ("Đăng ngày ...")


def _text_blocks_after(page: ParsedPage, anchor: HtmlElement | None, limit: int = 60) -> list[str]:
    """Text of the elements that follow the title, in document order (where the date line sits)."""
    if anchor is None:
        return []
    blocks: list[str] = []
    for node in iter_after(anchor):
        if not isinstance(node.tag, str) or node.tag in ("script", "style"):
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
                if isinstance(inner.tag, str) and is_leaf_block(inner):
                    inner_text = normalize_inline(inner.text_content())
                    if inner_text and len(inner_text) <= DATE_BLOCK_MAX and find_dates(inner_text):
                        lines.append(inner_text)
            break
        if len(lines) >= limit:
            break
    return lines


def _metadata_dates(page: ParsedPage) -> tuple[datetime | None, datetime | None]:
    """(published, modified) from meta tags, JSON-LD, then <time datetime>."""
    published = parse_iso(
        page.meta("article:published_time", "datePublished", "og:published_time", "pubdate", "publishdate")
        or ""
    )
    modified = parse_iso(page.meta("article:modified_time", "dateModified", "og:updated_time") or "")
    for item in page.json_ld:
        published = published or parse_iso(str(item.get("datePublished") or ""))
        modified = modified or parse_iso(str(item.get("dateModified") or ""))
    if not published:
        for node in page.elements("time"):  # //time/@datetime
            value = node.get("datetime")
            published = parse_iso(value) if value is not None and _the_pages_own(node) else None
            if published:
                break
    return not_in_future(published), not_in_future(modified)


def _the_pages_own(node: HtmlElement) -> bool:
    """Not a date of other content: of a teaser in page furniture (a sidebar's list), or of a quoted
    post (an embedded tweet or Instagram post is a <blockquote> holding its own <time>)."""
    return not any(ancestor.tag == "blockquote" or is_furniture(ancestor)
                   for ancestor in node.iterancestors())


_US_LOCALE = re.compile(r"^\s*[a-z]{2,3}[-_]us\b", re.IGNORECASE)


def _writes_month_first(page: ParsedPage) -> bool:
    """A page declaring a US locale (`<html lang="en-US">`, og:locale en_US): 03/12/2019 is 12 March."""
    declared = [page.tree.get("lang") or "", page.meta("og:locale") or ""]
    declared += [node.get("content") or "" for node in page.elements("meta")
                 if (node.get("http-equiv") or "").lower() == "content-language"]
    return any(_US_LOCALE.match(value) for value in declared)


def _visible_dates(page: ParsedPage, title_node: HtmlElement | None) -> list:
    """Dates the page shows: in the short lines right after the title (the title's siblings, then
    the blocks that follow it), else in short elements classed as dates. Sidebars, related lists
    and the article's prose come later or are long, so their dates are never taken."""
    month_first = _writes_month_first(page)

    def dates_in(blocks: list[str]) -> list:
        return [f for block in blocks for f in find_dates(block, month_first) if not_in_future(f.value)]

    visible = dates_in(_date_lines_after(title_node)) or dates_in(
        [b for b in _text_blocks_after(page, title_node, limit=12) if len(b) <= DATE_BLOCK_MAX]
    )
    if not visible:
        for node in classed(page, DATE_CLASS):
            text = node.text_content()
            if len(text) < DATE_BLOCK_MAX:
                visible.extend(f for f in find_dates(text, month_first) if not_in_future(f.value))
            if len(visible) > 3:
                break
    return visible


def _htmldate_day(page: ParsedPage) -> datetime | None:
    """htmldate's original publication date (free-text dates such as "Posted: March 3, 2021" too):
    its quick search, then, only when that finds nothing, its extensive one (dates in any format
    anywhere in the text, "02.12.19" above a title; what trafilatura runs on every page: 8 ms a
    page, a tenth of the whole cleaning, so it is kept for the pages that need it)."""
    for extensive in (False, True):
        try:
            found = find_date(page.tree, url=page.url, original_date=True, extensive_search=extensive)
        except Exception:  # noqa: BLE001 (htmldate failing on a malformed page must not fail the page)
            found = None
        if found:
            return parse_iso(found)
    return None


def page_dates(page: ParsedPage, title_node: HtmlElement | None) -> tuple[datetime | None, datetime | None]:
    """(published, modified): hint, then labelled dates near the title, then metadata."""
    hinted = page.hinted_text("date")
    if hinted:
        found = find_dates(hinted)
        published = next((f.value for f in found if f.label != "modified"), None) or parse_datetime(hinted)
        modified = next((f.value for f in found if f.label == "modified"), None)
        if published:
            return not_in_future(published), not_in_future(modified)

    meta_pub, meta_mod = _metadata_dates(page)
    visible = _visible_dates(page, title_node)
    published = next((f for f in visible if f.label == "published"), None) or next(
        (f for f in visible if f.label is None), None
    )
    modified = next((f for f in visible if f.label == "modified"), None)

    # Metadata wins, unless it has no time of day and the visible date has one.
    best_pub = None
    if meta_pub and (meta_pub.hour or meta_pub.minute or not published or not published.has_time):
        best_pub = meta_pub
    elif published:
        best_pub = published.value
    elif meta_pub:
        best_pub = meta_pub
    elif modified:  # a page that shows only "Cập nhật" has no other date
        best_pub = modified.value
    if best_pub is None:  # nothing labelled or declared: htmldate's search of the whole page (a day)
        best_pub = _htmldate_day(page)
    best_mod = meta_mod or (modified.value if modified else None)
    if best_mod and best_pub and best_mod <= best_pub:
        best_mod = None
    return not_in_future(best_pub), not_in_future(best_mod)


def is_date_line(line: str) -> bool:
    """A short line that is a date and its label ("Đăng ngày 13-02-2020 09:06"): metadata, not text."""
    line = normalize_inline(line)
    if len(line) > DATE_LINE_MAX:
        return False
    if not find_dates(line):
        return False
    leftover = re.sub(r"[\W\d_]+", " ", line).split()
    return len(leftover) <= DATE_LINE_MAX_WORDS


def drop_leading_date_lines(lines: list[str]) -> list[str]:
    """A date line at the top of the body ("Đăng ngày 13-02-2020 09:06") is metadata, not text."""
    while lines and is_date_line(lines[0]):
        lines = lines[1:]
    return lines
