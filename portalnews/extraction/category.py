"""The article's category: the hint, article:section, the breadcrumb's last crumb, trafilatura's guess."""

from __future__ import annotations

import re

from portalnews.extraction.nodes import classes
from portalnews.extraction.page import ParsedPage
from portalnews.vietnamese.text import normalize_inline

BREADCRUMB_CLASS = re.compile(r"breadcrumb|duong-dan|duongdan|path|crumb", re.I)
HOME_CRUMBS = ("trang chủ", "trang nhất", "home")


def page_category(page: ParsedPage, doc=None) -> str | None:
    hinted = page.hinted_text("category")
    if hinted:
        return hinted
    section = page.meta("article:section")
    if section:
        return section
    for node in page.tree.xpath("//body//*[@class or @id]"):
        if BREADCRUMB_CLASS.search(classes(node)):
            crumbs = [normalize_inline(a.text_content()) for a in node.xpath(".//a")]
            crumbs = [c for c in crumbs if c and c.casefold() not in HOME_CRUMBS]
            if crumbs:
                return crumbs[-1]
    categories = getattr(doc, "categories", None) or []
    return normalize_inline(categories[0]) if categories else None
