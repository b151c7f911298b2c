"""An article's text as sentences, each with the field it stands in and its offset there."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portalnews.vietnamese.text import normalize_text

# A sentence ends at . ! ? … followed by space and a capital or an opening quote, or at a line break.
# "UVT.Ư", "TP.HCM" (no space after the dot) and "ngày 3-2." inside a line stay whole.
_BOUNDARY = re.compile(r"(?<=[.!?…])\s+(?=[\"“(]?[A-ZÀ-ỸĐ])|\n+")


@dataclass(frozen=True)
class Sentence:
    field: str  # title, sapo or body
    start: int  # offset of the sentence in its field
    text: str


def sentences_of(field: str, text: str | None) -> list[Sentence]:
    out: list[Sentence] = []
    if not text:
        return out
    # The stored form (NFC, Đ repaired): what the load stage stores already, so offsets stay those of
    # the stored field; other callers' text is read as it would be stored.
    text = normalize_text(text)
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        if text[start:boundary.start()].strip():
            out.append(Sentence(field, start, text[start:boundary.start()]))
        start = boundary.end()
    if text[start:].strip():
        out.append(Sentence(field, start, text[start:].rstrip()))
    return out


def article_sentences(title: str | None, sapo: str | None, body: str | None) -> list[Sentence]:
    """The title's, the lead's and the body's sentences; a lead the body starts with is read once
    (most portals' bodies repeat it)."""
    fields = [("title", title)]
    if sapo and not (body or "").startswith(sapo):
        fields.append(("sapo", sapo))
    fields.append(("body", body))
    return [sentence for field, text in fields for sentence in sentences_of(field, text)]
