"""One HTML page -> one cleaned Article: the order in which the fields are read.

The page is parsed once (portalnews.extraction.page); each field has its own module: body (the
main text, trafilatura), title, container and captions (what of the main text is the article's),
bylines (widgets, bylines, author), dates, sapo, category, images, language. Per-portal hints
(portalnews.extraction.hints) override the generic rules field by field.
"""

from __future__ import annotations

from portalnews.extraction.article import Article, ExtractionError
from portalnews.extraction.body import extract_body
from portalnews.extraction.bylines import choose_author, strip_edges, take_signature
from portalnews.extraction.captions import drop_caption_lines, find_captions, without_captions
from portalnews.extraction.category import page_category
from portalnews.extraction.container import container_lines
from portalnews.extraction.dates import drop_leading_date_lines, page_dates
from portalnews.extraction.images import page_images
from portalnews.extraction.language import is_vietnamese, page_language
from portalnews.extraction.page import ParsedPage
from portalnews.extraction.prose import find_container
from portalnews.extraction.sapo import find_sapo, with_sapo
from portalnews.extraction.title import choose_title, title_element
from portalnews.vietnamese.text import normalize_text


def extract_article(html: str | bytes, url: str | None = None, hints: dict | None = None) -> Article:
    """Clean one page. Raises ExtractionError when it is not HTML or has no article body."""
    page = ParsedPage.parse(html, url, hints)
    body = extract_body(page)

    title = choose_title(page)
    title_node = title_element(page, title)

    # With a body hint the container is found in the copy of the hinted elements; the fields that read
    # the page around it (labelled lines after it, the lead before it, images) need the page's own
    # element: NukeViet prints author and source under its body container, the lead above it.
    container = find_container(page)
    container_in_page = page.in_page(container)
    if container_in_page is not None:
        container = container_in_page
    captions = find_captions(container) if container is not None else []
    lines = [normalize_text(p) for p in body.paragraphs]
    vietnamese = is_vietnamese(lines)
    if container is not None and vietnamese:
        # Lines from outside the article's container (sidebars, related lists, footers) and image
        # captions inside it are no article text. (Tuned on Vietnamese portal CMS families; other
        # pages keep the main-text step's lines.)
        lines = container_lines(page, lines, without_captions(container, captions))
        lines = drop_caption_lines(lines, captions)
    edges = strip_edges(lines)
    if vietnamese:
        take_signature(page, edges)
    lines = drop_leading_date_lines(edges.lines)
    if not lines:
        raise ExtractionError("no article body found")

    author, source = choose_author(page, edges, container_in_page, vietnamese)
    sapo = find_sapo(page, title_node, container_in_page)
    published, modified = page_dates(page, title_node)
    return Article(
        title=title,
        body="\n\n".join(with_sapo(lines, sapo)),
        published_at=published,
        modified_at=modified,
        author=author,
        source=source,
        sapo=sapo,
        category=page_category(page, title),
        images=page_images(page, container_in_page, captions),
        language=page_language(page),
        url=url,
    )
