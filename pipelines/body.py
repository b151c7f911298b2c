"""Main-text extraction: the article body of one page, as a list of paragraphs.

trafilatura does the work; this module chooses how it is called. It is the piece that
bench/extraction.py measures against the public benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import trafilatura
from lxml.html import HtmlElement


@dataclass
class BodyResult:
    paragraphs: list[str]
    document: object | None  # trafilatura's Document, for its metadata


def extract_body(tree: HtmlElement | str, url: str | None = None) -> BodyResult:
    """Paragraphs of the main text (possibly empty) and trafilatura's metadata document."""
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
    )
    if doc is None or not doc.text:
        return BodyResult([], doc)
    paragraphs = [line.strip() for line in doc.text.split("\n") if line.strip()]
    return BodyResult(paragraphs, doc)
