"""The article's category: the hint, article:section, JSON-LD articleSection, the breadcrumb's
last crumb (HTML, then JSON-LD BreadcrumbList), trafilatura's category links."""

from __future__ import annotations

import re

from lxml.etree import XPath
from trafilatura.metadata import extract_catstags

from portalnews.extraction.metadata import metadata_categories
from portalnews.extraction.nodes import classed
from portalnews.extraction.page import ParsedPage
from portalnews.vietnamese.text import comparison_form, normalize_inline

BREADCRUMB_CLASS = re.compile(r"breadcrumb|duong-dan|duongdan|path|crumb", re.I)
HOME_CRUMBS = ("trang chủ", "trang nhất", "home", "trang chu")
_BREADCRUMB_LIST = XPath("//body/descendant::*[@itemtype or @aria-label]"
                         "[@itemtype='https://schema.org/BreadcrumbList' or "
                         "@itemtype='http://schema.org/BreadcrumbList' or @aria-label='breadcrumb']")
# What trafilatura's `extract_catstags("category", ...)` can return anything from: a link whose address
# has "/categor" (each of its link searches keeps only "/categor(y|ies|s)?/"), or its meta tag
# fallback. Pages with neither skip its dozen walks of the page.
_TRAFILATURA_CATEGORY_SOURCE = XPath("""boolean(//a[contains(@href, '/categor')] |
    .//head//meta[@property="article:section" or contains(@name, "subject")][@content])""")


def _trafilatura_category_source(page: ParsedPage) -> bool:
    if not page.is_document:
        return bool(_TRAFILATURA_CATEGORY_SOURCE(page.tree))
    return any("/categor" in (a.get("href") or "") for a in page.elements("a")) or any(
        (meta.get("property") == "article:section" or "subject" in (meta.get("name") or ""))
        and meta.get("content") is not None and any(a.tag == "head" for a in meta.iterancestors())
        for meta in page.elements("meta"))


def _crumbs(names: list[str], title: str | None) -> str | None:
    """The last crumb that is neither home nor the article itself."""
    title_form = comparison_form(title)
    names = [normalize_inline(n) for n in names]
    names = [n for n in names if n and n.casefold() not in HOME_CRUMBS and comparison_form(n) != title_form]
    return names[-1] if names else None


def _html_breadcrumb(page: ParsedPage, title: str | None) -> str | None:
    nodes = _BREADCRUMB_LIST(page.tree) + classed(page, BREADCRUMB_CLASS)
    for node in nodes:
        crumb = _crumbs([a.text_content() for a in node.xpath(".//a")], title)
        if crumb:
            return crumb
    return None


def _json_ld_breadcrumb(page: ParsedPage, title: str | None) -> str | None:
    for item in page.json_ld:
        if item.get("@type") != "BreadcrumbList" or not isinstance(item.get("itemListElement"), list):
            continue
        elements = [e for e in item["itemListElement"] if isinstance(e, dict)]
        elements.sort(key=lambda e: e["position"] if isinstance(e.get("position"), int) else 0)
        names = []
        for element in elements:
            inner = element.get("item")
            name = element.get("name") or (inner.get("name") if isinstance(inner, dict) else None)
            if isinstance(name, str):
                names.append(name)
        crumb = _crumbs(names, title)
        if crumb:
            return crumb
    return None


def page_category(page: ParsedPage, title: str | None = None) -> str | None:
    hinted = page.hinted_text("category")
    if hinted:
        return hinted
    section = page.meta("article:section") or next(iter(metadata_categories(page)), None)
    if section:
        return section
    crumb = _html_breadcrumb(page, title) or _json_ld_breadcrumb(page, title)
    if crumb:
        return crumb
    if not _trafilatura_category_source(page):
        return None
    categories = extract_catstags("category", page.tree)
    return normalize_inline(categories[0]) if categories else None
