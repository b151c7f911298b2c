"""The sapo (lead): the element classed as a lead near the title, stored alone and first in the body."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from portalnews.extraction.nodes import classed, classes, in_non_content, names_match
from portalnews.extraction.page import ParsedPage
from portalnews.vietnamese.text import comparison_form, normalize_inline

SAPO_CLASS = re.compile(
    r"(^|[\s_-])(sapo|lead|summary|description|chapeau|intro|tomtat|tom-tat|mota|mo-ta|hometext|headline-desc|standfirst)"
    r"([\s_-]|$)",
    re.I,
)
# camelCase class names (EasyDNNnews `edn_articleSummary`)
SAPO_CAMEL_CLASS = re.compile(r"[a-z](?:Summary|Sapo|Lead|Intro|Standfirst)(?:[\s_-]|$)")
# A lead-like class inside these is someone else's summary: an author bio, a teaser of another story,
# a caption, a product box, a player or a subscription prompt.
NOT_SAPO_CONTEXT = re.compile(
    r"author|bio|teaser|listing|related|lien-quan|caption|product|deal|subscribe|newsletter|video|player|modal|"
    r"comment|binh-luan|item|card|widget",
    re.I,
)
SAPO_MIN_CHARS, SAPO_MAX_CHARS = 30, 1500
SAPO_PREFIX_CHARS = 60  # a body line starting like the sapo's first characters already holds it


def find_sapo(page: ParsedPage, title_node: HtmlElement | None, container: HtmlElement | None) -> str | None:
    """The lead paragraph: an element classed as such after the title (not inside a list or the sidebar)."""
    title_position = page.position(title_node) if title_node is not None else None
    for node in [*classed(page, SAPO_CLASS), *classed(page, SAPO_CAMEL_CLASS)]:
        if node.tag in ("meta", "body", "html", "script", "style", "a", "li", "ul", "img"):
            continue
        if title_position is not None and page.position(node) <= title_position:
            continue  # before the title
        if (
            container is not None
            and node is not container
            and any(a is node for a in container.iterancestors())
        ):
            continue  # a wrapper around the whole article, not the lead
        if node.xpath("ancestor::li|ancestor::a") or in_non_content(node):
            continue
        if any(names_match(NOT_SAPO_CONTEXT, classes(n)) for n in (node, *node.iterancestors())):
            continue
        text = normalize_inline(
            " ".join(node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"))
        )
        if SAPO_MIN_CHARS <= len(text) <= SAPO_MAX_CHARS:
            return text
    return None


def with_sapo(lines: list[str], sapo: str | None) -> list[str]:
    """The body with the sapo first: added unless one of the first lines already starts with it
    (then that line, if it is the sapo itself, takes the sapo's form)."""
    if not sapo:
        return lines
    sapo_form = comparison_form(sapo)
    if not any(comparison_form(line).startswith(sapo_form[:SAPO_PREFIX_CHARS]) for line in lines[:3]):
        return [sapo, *lines]
    return [sapo if comparison_form(line) == sapo_form else line for line in lines]
