"""What the page's own metadata says, read with trafilatura's metadata functions: meta tags and
JSON-LD once per page (author, site name, article section), byline elements only when those name
no one. The author read here is used when the body has no byline (portalnews.extraction.bylines).

A name that is only the site's or the publisher's (`og:site_name`, JSON-LD `publisher`, the host:
"Báo Nhân Dân", "nhandan.vn") is no author.
"""

from __future__ import annotations

import contextlib
import copy
import re
import unicodedata
from urllib.parse import urlsplit

from lxml import etree
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.settings import Document
from trafilatura.utils import trim

from portalnews.extraction.nodes import classed
from portalnews.extraction.page import ParsedPage
from portalnews.vietnamese.text import normalize_inline

AUTHOR_MAX_CHARS = 120  # trafilatura's limit for a byline element's text
# "By Maria Garcia, Staff Writer": the part after the comma is a job, not a second author.
JOB_TITLE = re.compile(r"^(?:(?:senior|chief|staff|special|contributing|political|foreign|associate)\s+)*"
                       r"(?:writer|reporter|correspondent|editor|contributor|columnist|journalist|photographer)s?$",
                       re.IGNORECASE)
# A byline element's label left alone once its date is gone (Drupal's "Submitted on Mon, 2019-01-21 13:49"):
# no one's name.
BYLINE_LABEL = re.compile(r"^(?:submitted|posted|published|written|updated|by|von|par|por)$", re.IGNORECASE)
SITE_ADDRESS = re.compile(r"https?:|www\.|\.vn\b|\.com\b|\.net\b|\.org\b")
_MIN_CONTAINED = 5  # a site name this long (folded) inside an author name makes it the site's


# The JSON scripts trafilatura's extract_meta_json reads (its XPath's test, on the type attribute)
_JSON_SCRIPT_TYPES = ("application/ld+json", "application/settings+json")


def _what_metadata_reads(page: ParsedPage) -> tuple[HtmlElement, HtmlElement]:
    """Two small trees holding what trafilatura's examine_meta and extract_meta_json read of the page,
    in page order: copies of the <meta> children of <head> (`.//head/meta`, their attributes), and
    <script> elements with the text of the JSON scripts (`.//script[@type=...]`). Each of them
    searches the whole page for those (a walk of every element in libxml2 or ElementPath, a third of
    their time on the benchmark's pages); the page index has them (ParsedPage.elements)."""
    metas, scripts = etree.Element("html"), etree.Element("html")
    head = etree.SubElement(metas, "head")
    for node in page.elements("meta"):
        parent = node.getparent()
        if parent is not None and parent.tag == "head":
            head.append(copy.copy(node))  # (attribute names need not be valid XML ones: copied)
    for node in page.elements("script"):
        if node.get("type") in _JSON_SCRIPT_TYPES:
            etree.SubElement(scripts, "script", type=node.get("type")).text = node.text
    return metas, scripts


def declared_metadata(page: ParsedPage) -> Document:
    """trafilatura's reading of the meta tags and JSON-LD (no date search, no byline search)."""
    if "metadata" not in page.page_memo:
        # on the whole document, what those functions read is in the page index
        metas, scripts = _what_metadata_reads(page) if page.is_document else (page.tree, page.tree)
        document = examine_meta(metas)
        if document.author and " " not in document.author:  # trafilatura's rule: one word is a handle
            document.author = None
        with contextlib.suppress(Exception):  # malformed JSON-LD must not fail the page
            document = extract_meta_json(scripts, document)
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
    names = [name for name in names if name and not is_site_name(name, page) and not JOB_TITLE.match(name)
             and not BYLINE_LABEL.match(name)]
    return "; ".join(dict.fromkeys(names)) or None


# trafilatura's AUTHOR_XPATHS and AUTHOR_DISCARD_XPATHS (trafilatura/xpaths.py), as tests of one
# element's tag and attributes: evaluated in Python on the few elements _author_candidates finds,
# instead of three libxml2 walks calling back into Python for every regular expression.
_AUTHOR_NAME = re.compile(r"author-?name|AuthorName|authorName")
_AUTHOR_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_AUTHOR_CLASS = re.compile(
    r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_ANY_AUTHOR_ID = re.compile(r"[Aa]uthor")
_ANY_AUTHOR_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")
_AUTHOR_TESTS = [
    lambda tag, a: (
        tag == "author"
        or (
            tag in ("a", "address", "div", "link", "p", "span", "strong")
            and (
                a["rel"] == "author"
                or a["id"] == "author"
                or a["class"] == "author"
                or a["itemprop"] == "author name"
                or a["data-testid"] in ("AuthorCard", "AuthorURL")
                or bool(_AUTHOR_NAME.search(a["class"]))
            )
        )
    ),
    lambda tag, a: (
        tag in ("a", "div", "h3", "h4", "p", "span")
        and (
            a["class"] in ("byline", "username", "byl", "BBL")
            or "author" in a["itemprop"]
            or bool(_AUTHOR_ID.search(a["id"]))
            or bool(_AUTHOR_CLASS.search(a["class"]))
        )
    ),
    lambda tag, a: (
        "Byline" in a["data-component"]
        or "author" in a["itemprop"]
        or bool(_ANY_AUTHOR_ID.search(a["id"]))
        or bool(_ANY_AUTHOR_CLASS.search(a["class"]))
    ),
]
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    r"article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_ATTRIBUTES = ("rel", "id", "class", "itemprop", "data-testid", "data-component")
# Where an element the tests accept is found, without reading every element's attributes in Python:
# a class or id test implies one of _AUTHOR_NAMES in the element's classes ("[Aa]uthor" has "uthor",
# "[Bb]yline" has "yline"...), looked up in the page's classed() list of <body> elements; the other
# tests need an <author> tag or one of the attribute values _AUTHOR_ATTRIBUTED walks the page for (rel
# "author", itemprop holding "author", data-testid "AuthorCard"/"AuthorURL", data-component holding
# "Byline": the only ones those tests accept; the page's other rel and itemprop elements, 47 a page on
# the benchmark's, are not read in Python).
_AUTHOR_NAMES = re.compile(r"uthor|byl|yline|username|BBL|channel-name|zuozhe|bianji|xiaobian|submitted-by|"
                           r"posted-by|journalist-name|screenname|writer")
_AUTHOR_ATTRIBUTED = XPath("(//@rel[. = 'author'] | //@itemprop[contains(., 'author')]"
                           " | //@data-testid[. = 'AuthorCard' or . = 'AuthorURL']"
                           " | //@data-component[contains(., 'Byline')])/.. | //author")
_CLASSED_OUTSIDE_BODY = XPath(
    "/html[@class or @id] | /html/head/descendant::*[@class or @id] | /html/body[@class or @id]"
)
# every element that may be a candidate, for a page not shaped <html><head/><body/></html>
_ATTRIBUTED = XPath("/descendant::*[" + " or ".join(f"@{name}" for name in _ATTRIBUTES) + " or self::author]")


def _attributes(node: HtmlElement) -> dict[str, str]:
    return {name: node.get(name) or "" for name in _ATTRIBUTES}


def _discarded(tag: str, a: dict) -> bool:
    return tag in ("time", "figure") or (
        tag in ("a", "div", "section", "span")
        and (
            a["id"] == "comments"
            or a["class"] in ("comments", "title", "date")
            or bool(_DISCARD_ID.search(a["id"]))
            or bool(_DISCARD_CLASS.search(a["class"]))
            or "Figure" in a["data-component"]
        )
    )


class _Discarded(dict):
    """Whether an element is one trafilatura's AUTHOR_DISCARD_XPATHS select (comments, dates,
    figures, sidebars...), decided only for the elements asked about."""

    def __missing__(self, node: HtmlElement) -> bool:
        self[node] = verdict = _discarded(node.tag, _attributes(node))
        return verdict


def _text_outside(node: HtmlElement, discarded: _Discarded) -> list[str]:
    texts = [node.text] if node.text else []
    for child in node:
        if isinstance(child.tag, str) and not discarded[child]:
            texts += _text_outside(child, discarded)
        if child.tail:
            texts.append(child.tail)
    return texts


def _usual_shape(page: ParsedPage) -> bool:
    """<html> holding <head> and one <body>, as libxml2 builds a page: classed() then lists every
    element with a class or id but <html>, <head>'s and <body> itself."""
    root = page.tree.getroottree().getroot()
    children = [child.tag for child in root if isinstance(child.tag, str)]
    return root.tag == "html" and children.count("body") == 1 and set(children) <= {"head", "body"} \
        and len(page.elements("body")) == 1


def _author_candidates(page: ParsedPage) -> list[tuple[HtmlElement, str, dict]]:
    """(element, tag, attributes) of every element one of _AUTHOR_TESTS accepts, in page order."""
    if _usual_shape(page):
        nodes = [
            *classed(page, _AUTHOR_NAMES),
            *_AUTHOR_ATTRIBUTED(page.tree),
            *_CLASSED_OUTSIDE_BODY(page.tree),
        ]
    else:
        nodes = _ATTRIBUTED(page.tree)
    candidates = {}
    for node in nodes:
        if node not in candidates:
            attributes = _attributes(node)
            if any(test(node.tag, attributes) for test in _AUTHOR_TESTS):
                candidates[node] = (node, node.tag, attributes)
    return sorted(candidates.values(), key=lambda candidate: page.position(candidate[0])) \
        if len(candidates) > 1 else list(candidates.values())


def byline_element_author(page: ParsedPage) -> str | None:
    """trafilatura's byline-element search (`trafilatura.metadata.extract_author`: its XPaths, in
    order, outside comments, dates, figures and sidebars), on the page itself instead of a pruned
    copy of it."""
    candidates = _author_candidates(page)
    discarded = _Discarded()
    for test in _AUTHOR_TESTS:
        for node, tag, attributes in candidates:
            if (
                not test(tag, attributes)
                or discarded[node]
                or any(discarded[a] for a in node.iterancestors())
            ):
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
    return _people(byline_element_author(page), page)


def metadata_categories(page: ParsedPage) -> list[str]:
    """The JSON-LD `articleSection` (trafilatura's reading), in page order."""
    return [normalize_inline(c) for c in declared_metadata(page).categories or [] if normalize_inline(c)]
