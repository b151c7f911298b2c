"""The article's images: those inside its container, with their captions; else the page's og:image."""

from __future__ import annotations

from urllib.parse import urljoin

from lxml.html import HtmlElement

from portalnews.extraction.captions import Captions
from portalnews.extraction.page import ParsedPage
from portalnews.vietnamese.text import normalize_inline


def page_images(page: ParsedPage, container: HtmlElement | None, captions: Captions) -> list[dict]:
    """[{"src": absolute URL, "caption": text or None}] in page order."""
    base_url = page.url or ""
    images: list[dict] = []
    by_image = {id(img): normalize_inline(cap.text_content()) for img, cap in captions if img is not None}
    if container is not None:
        for img in container.xpath(".//img"):
            src = img.get("src") or img.get("data-src") or img.get("data-original")
            if not src or src.startswith("data:"):  # inline placeholders of lazy loading
                continue
            images.append({"src": urljoin(base_url, src), "caption": by_image.get(id(img)) or None})
    if not images:
        og = page.meta("og:image")
        if og:
            images.append({"src": urljoin(base_url, og), "caption": None})
    return images
