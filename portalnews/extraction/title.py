"""The title: which heading is the article's, where it sits, and its repetition atop the body.

Without a hint, the article's heading is the h1-h3 that the page's og:title equals or its <title>
starts with ("Title - Site"), so a site name in an <h1> (`ĐẢNG BỘ TỈNH HÀ TĨNH`) never wins over
the article's <h2>/<h3>.
"""

from __future__ import annotations

from lxml.etree import XPath
from lxml.html import HtmlElement

from portalnews.extraction.metadata import declared_metadata
from portalnews.extraction.page import ParsedPage
from portalnews.vietnamese.text import comparison_form, normalize_inline

_TEXTS = XPath(".//text()")


def _in_head(node: HtmlElement) -> bool:
    parent = node.getparent()
    return parent is not None and parent.tag == "head"


def _in_body(node: HtmlElement) -> bool:
    return any(ancestor.tag == "body" for ancestor in node.iterancestors())


def page_titles(page: ParsedPage, fallback: bool = False) -> list[str]:
    """What the page says its title is (og:title, <title>), with the site name still attached."""
    if "titles" not in page.page_memo:
        titles = [
            page.meta("og:title", "twitter:title"),
            normalize_inline(" ".join(text for node in page.elements("title") if _in_head(node)
                                      for text in _TEXTS(node)) or None),  # //head/title//text()
        ]
        page.page_memo["titles"] = [t for t in dict.fromkeys(titles) if t]
    titles = page.page_memo["titles"]
    if titles or not fallback:
        return titles
    # the headline of the meta tags or JSON-LD only when the page says nothing else
    return [t for t in [normalize_inline(declared_metadata(page).title)] if t]


def choose_title(page: ParsedPage) -> str | None:
    """The article's title."""
    hinted = page.hinted_text("title")
    if hinted:
        return hinted
    declared = page_titles(page, fallback=True)
    folded_titles = [t.casefold() for t in declared]
    headings = [normalize_inline(h.text_content()) for h in page.elements("h1", "h2", "h3")]
    headings = [h for h in headings if 4 <= len(h) <= 400]
    # The article's heading equals og:title or starts <title> ("Title - Site"); a site name in a
    # heading is only contained in it (at the end), so it scores lower.
    best, best_key = None, (0, 0)
    for heading in headings:
        folded = heading.casefold()
        score = 0
        for title in folded_titles:
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
    h1s = [normalize_inline(h.text_content()) for h in page.elements("h1")]
    h1s = [h for h in h1s if len(h) > 10]
    if len(h1s) == 1:
        return h1s[0]
    return declared[0] if declared else (h1s[0] if h1s else None)


def title_element(page: ParsedPage, title: str | None) -> HtmlElement | None:
    """The element showing the title: where the header's date line and the lead are looked for."""
    if not title:
        return None
    folded = title.casefold()
    # raw text longer than this, even counting the template's indentation, cannot show only the title
    longest = 8 * len(title) + 160

    def shows_title(node) -> bool:
        text = node.text_content()
        return len(text) <= longest and normalize_inline(text).casefold() == folded

    for tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        for node in (node for node in page.elements(tag) if _in_body(node)):  # //body//h1, then h2...
            if shows_title(node):
                return node
    # A hinted title may sit in a <div> or <span>: the innermost element showing exactly the title.
    for node in page.tree.xpath("//body//*"):
        if isinstance(node.tag, str) and shows_title(node):
            inner = node
            while True:
                kids = [
                    c
                    for c in inner
                    if isinstance(c.tag, str) and normalize_inline(c.text_content()).casefold() == folded
                ]
                if not kids:
                    return inner
                inner = kids[0]
    return None


def title_forms(page: ParsedPage) -> set[str]:
    """Comparison forms of every title the page shows: og:title, <title>, each <h1>, the hinted title."""
    titles = [*page_titles(page), page.hinted_text("title") or ""]
    titles += [h.text_content() for h in page.elements("h1")]
    forms = {comparison_form(t) for t in titles}
    forms.discard("")
    return forms


def drop_repeated_title(lines: list[str], forms: set[str]) -> list[str]:
    """Without a first line that repeats the title: the whole of one, or (three words or more) its
    beginning, as in "Headline | Site". A body of one line is left alone."""
    if len(lines) < 2:
        return lines
    first = comparison_form(lines[0])
    if not first:
        return lines
    starts_a_title = len(first.split()) >= 3 and any(form.startswith(first + " ") for form in forms)
    if first in forms or starts_a_title:
        return lines[1:]
    return lines
