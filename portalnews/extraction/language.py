"""The page's language, and whether a body is Vietnamese (the Vietnamese-only rules run only then)."""

from __future__ import annotations

import re

from portalnews.extraction.page import ParsedPage

_VIETNAMESE_LETTERS = re.compile(r"[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơư]", re.I)
_NOT_LETTERS = re.compile(r"[\W\d_]+")
VIETNAMESE_LETTER_SHARE = 0.03


def page_language(page: ParsedPage, doc=None) -> str | None:
    """Two-letter code from <html lang>, then meta tags, then trafilatura's `doc`."""
    lang = (
        page.tree.xpath("string(/html/@lang)") or page.meta("og:locale", "language", "content-language") or ""
    )
    lang = lang.strip().split("-")[0].split("_")[0].lower()
    return lang or (getattr(doc, "language", None) if doc is not None else None)


def is_vietnamese(paragraphs: list[str]) -> bool:
    """Vietnamese text: its own letters (ạ, ế, ơ, đ, ...) are common in any Vietnamese sentence."""
    text = " ".join(paragraphs)
    vietnamese = len(_VIETNAMESE_LETTERS.findall(text))
    # the letters are counted only when the answer depends on it: never fewer than the Vietnamese
    # letters (none: not Vietnamese), never more than the characters
    if not vietnamese or vietnamese >= VIETNAMESE_LETTER_SHARE * len(text):
        return bool(vietnamese)
    letters = len(_NOT_LETTERS.sub("", text))  # what is left are the letters (no list of them is built)
    return vietnamese >= VIETNAMESE_LETTER_SHARE * letters
