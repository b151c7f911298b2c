"""What the page's own metadata says, read with trafilatura's metadata functions: meta tags and
JSON-LD once per page (author, site name, article section), byline elements only when those name
no one. The author read here is used when the body has no byline (portalnews.extraction.bylines).

A name that is only the site's or the publisher's (`og:site_name`, JSON-LD `publisher`, the host:
"Báo Nhân Dân", "nhandan.vn") is no author.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from urllib.parse import urlsplit

from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.settings import Document
from trafilatura.utils import trim

from portalnews.extraction.page import ParsedPage
from portalnews.vietnamese.text import normalize_inline

AUTHOR_MAX_CHARS = 120  # trafilatura's limit for a byline element's text
# "By Maria Garcia, Staff Writer": the part after the comma is a job, not a second author.
JOB_TITLE = re.compile(r"^(?:(?:senior|chief|staff|special|contributing|political|foreign|associate)\s+)*"
                       r"(?:writer|reporter|correspondent|editor|contributor|columnist|journalist|photographer)s?$",
                       re.IGNORECASE)
SITE_ADDRESS = re.compile(r"https?:|www\.|\.vn\b|\.com\b|\.net\b|\.org\b")
_MIN_CONTAINED = 5  # a site name this long (folded) inside an author name makes it the site's


def declared_metadata(page: ParsedPage) -> Document:
    """trafilatura's reading of the meta tags and JSON-LD (no date search, no byline search)."""
    if "metadata" not in page.page_memo:
        document = examine_meta(page.tree)
        if document.author and " " not in document.author:  # trafilatura's rule: one word is a handle
            document.author = None
        with contextlib.suppress(Exception):  # malformed JSON-LD must not fail the page
            document = extract_meta_json(page.tree, document)
        page.page_memo["metadata"] = document
    return page.page_memo["metadata"]


def _folded(text: str | None) -> str:
    """Letters and digits only, without diacritics, lowercase: "Báo Nhân Dân" -> "baonhandan"."""
    decomposed = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum() and not unicodedata.combining(ch))


def _site_names(page: ParsedPage) -> list[str]:
    document = declared_metadata(page)
    names = [document.sitename, page.meta("og:site_name", "application-name", "twitter:site")]
    host = (urlsplit(page.url).hostname or "") if page.url else ""
    host = host.removeprefix("www.")
    names += [host, host.split(".")[0]]
    folded = [_folded(name) for name in names]
    return [name for name in dict.fromkeys(folded) if len(name) >= 3]


def is_site_name(name: str, page: ParsedPage) -> bool:
    """`name` is the site's or publisher's, not a person's."""
    if SITE_ADDRESS.search(name):
        return True
    folded = _folded(name)
    for site in _site_names(page):
        if folded == site:
            return True
        shorter, longer = sorted((folded, site), key=len)
        if len(shorter) >= _MIN_CONTAINED and shorter in longer:
            return True
    return False


def _people(authors: str | None, page: ParsedPage) -> str | None:
    """The names of `authors` ("A; B", trafilatura's form) that are not the site's."""
    names = [normalize_inline(name) for name in (authors or "").split(";")]
    names = [name for name in names if name and not is_site_name(name, page) and not JOB_TITLE.match(name)]
    return "; ".join(dict.fromkeys(names)) or None


# trafilatura's AUTHOR_XPATHS and AUTHOR_DISCARD_XPATHS (trafilatura/xpaths.py), as tests of one
# element's tag and attributes: evaluated in Python over the page's attributed elements, listed once,
# instead of three libxml2 walks calling back into Python for every regular expression.
_AUTHOR_TESTS = [
    lambda tag, a: tag == "author" or (tag in ("a", "address", "div", "link", "p", "span", "strong") and (
        a["rel"] == "author" or a["id"] == "author" or a["class"] == "author" or a["itemprop"] == "author name"
        or a["data-testid"] in ("AuthorCard", "AuthorURL") or bool(_AUTHOR_NAME.search(a["class"])))),
    lambda tag, a: tag in ("a", "div", "h3", "h4", "p", "span") and (
        a["class"] in ("byline", "username", "byl", "BBL") or "author" in a["itemprop"]
        or bool(_AUTHOR_ID.search(a["id"])) or bool(_AUTHOR_CLASS.search(a["class"]))),
    lambda tag, a: "Byline" in a["data-component"] or "author" in a["itemprop"]
    or bool(_ANY_AUTHOR_ID.search(a["id"])) or bool(_ANY_AUTHOR_CLASS.search(a["class"])),
]
_AUTHOR_NAME = re.compile(r"author-?name|AuthorName|authorName")
_AUTHOR_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_AUTHOR_CLASS = re.compile(r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_ANY_AUTHOR_ID = re.compile(r"[Aa]uthor")
_ANY_AUTHOR_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
                            r"article-(?:share|support)|print|category|meta-date|meta-reviewer")
_ATTRIBUTES = ("rel", "id", "class", "itemprop", "data-testid", "data-component")
# one walk of the page (a union of four paths would walk it four times)
_ATTRIBUTED = XPath("/descendant::*[" + " or ".join(f"@{name}" for name in _ATTRIBUTES)
                    + " or self::author or self::time or self::figure]")


def _discarded(tag: str, a: dict) -> bool:
    return tag in ("time", "figure") or (tag in ("a", "div", "section", "span") and (
        a["id"] == "comments" or a["class"] in ("comments", "title", "date") or bool(_DISCARD_ID.search(a["id"]))
        or bool(_DISCARD_CLASS.search(a["class"])) or "Figure" in a["data-component"]))


def _text_outside(node: HtmlElement, discarded: set) -> list[str]:
    texts = [node.text] if node.text else []
    for child in node:
        if isinstance(child.tag, str) and child not in discarded:
            texts += _text_outside(child, discarded)
        if child.tail:
            texts.append(child.tail)
    return texts


def byline_element_author(tree: HtmlElement) -> str | None:
    """trafilatura's byline-element search (`trafilatura.metadata.extract_author`: its XPaths, in
    order, outside comments, dates, figures and sidebars), on the page itself instead of a pruned
    copy of it."""
    elements = []
    for node in _ATTRIBUTED(tree):
        if isinstance(node.tag, str):
            elements.append((node, node.tag, {name: node.get(name) or "" for name in _ATTRIBUTES}))
    discarded = {node for node, tag, attributes in elements if _discarded(tag, attributes)}
    for test in _AUTHOR_TESTS:
        for node, tag, attributes in elements:
            if not test(tag, attributes) or node in discarded or any(a in discarded for a in node.iterancestors()):
                continue
            content = trim(" ".join(_text_outside(node, discarded)))
            if content and 2 < len(content) < AUTHOR_MAX_CHARS:
                return normalize_authors(None, content)
    return None


def metadata_author(page: ParsedPage) -> str | None:
    """The author(s) the page's metadata names: meta tags and JSON-LD, else byline elements
    (`rel=author`, `itemprop=author`, `class=author`/`byline`...), none that is the site's name."""
    author = _people(declared_metadata(page).author, page)
    if author:
        return author
    return _people(byline_element_author(page.tree), page)


def metadata_categories(page: ParsedPage) -> list[str]:
    """The JSON-LD `articleSection` (trafilatura's reading), in page order."""
    return [normalize_inline(c) for c in declared_metadata(page).categories or [] if normalize_inline(c)]
