"""Vietnamese text normalisation.

Portals mix NFC and NFD, type the Icelandic eth (U+00D0) for Đ (U+0110), and leave zero-width
characters from their editors. Stored text is NFC with those repaired; tone-mark placement
(`hoà` vs `hòa`) is left as the page has it, and only the comparison form folds it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"), None)
# Look-alikes typed for Đ/đ: the Icelandic eth (U+00D0/U+00F0) and the African D (U+0189/U+0256).
ETH_TO_DJ = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110", "\u0256": "\u0111"})
_TO_REPAIR = re.compile("[" + "".join(map(chr, ZERO_WIDTH)) + "\u00d0\u00f0\u0189\u0256]")
SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
BLANK_LINES = re.compile(r"\n{3,}")
WORD = re.compile(r"\w+")

# Old-style (oà, oá, uỳ...) and new-style (òa, óa, ùy...) tone placement: fold to one form
# for comparison only.
_OLD_STYLE_TONES = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}
_TONE_PATTERN = re.compile("|".join(map(re.escape, _OLD_STYLE_TONES)))


def _repaired(text: str) -> str:
    """NFC, Ð->Đ, zero-width removed; spacing untouched."""
    if text.isascii():  # (a flag of the string: no pass) ASCII is NFC and holds nothing to repair
        return text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _TO_REPAIR.search(text):  # translate() is slow; most texts need nothing
        text = text.translate(ETH_TO_DJ).translate(ZERO_WIDTH)
    return text


def normalize_text(text: str | None) -> str:
    """Stored form: NFC, Ð->Đ, zero-width removed, spaces tidied per line.

    The text is what the page shows (the parser has decoded its entities already): `&amp;` in it
    is the page's text, and stays.
    """
    if not text:
        return ""
    text = _repaired(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in text:
        if text.isascii() and "\t" not in text and "  " not in text:
            return text.strip()  # no run of spaces to tidy (the only ones ASCII has: space and tab)
        return SPACES.sub(" ", text).strip()
    lines = [SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def normalize_inline(text: str | None) -> str:
    """Single-line fields (title, author, category): the stored form on one line."""
    # every character SPACES matches is whitespace to str.split(): splitting the repaired text
    # gives the same words as splitting normalize_text's result, without its per-line work
    return " ".join(_repaired(text).split()) if text else ""


def comparison_form(text: str | None) -> str:
    """The form in which two texts count as the same: normalised, lowercase, tone placement folded,
    punctuation and spacing ignored (its word tokens, space-separated).

    The one answer to "is this the same text" everywhere: the extractor matching a line against a
    title, a caption, a link or the page's paragraphs, and the load stage's duplicate fingerprint.
    """
    if not text:
        return ""
    if len(text) <= CACHED_FORM_MAX_CHARS:
        # a plain str as the key: lxml's "smart" strings keep their element, and so the page, alive
        return _cached_form(text if type(text) is str else str(text))
    return _form(text)


def _form(text: str) -> str:
    # spacing is no part of the form: the repaired text gives the same words as the stored form
    folded = _repaired(text).lower()
    if not folded.isascii():  # the tone pairs are not ASCII
        folded = _TONE_PATTERN.sub(lambda m: _OLD_STYLE_TONES[m.group(0)], folded)
    return " ".join(WORD.findall(folded))


# The extractor asks for the same short texts' forms many times: each body line by four rules, each
# menu and sidebar link of a portal on every one of its pages (on the generated portal's pages, 157
# calls a page for 17 texts not seen on an earlier page: 1.3 ms of a 20 ms page). Long texts (whole
# bodies, the load stage's fingerprints) are rarely asked twice and would fill the memory: not kept.
# 512 forms keep 86 % of the calls from computing (4,096: 88 %, and 5 MiB more in each cleaning worker).
CACHED_FORM_MAX_CHARS = 2000
_cached_form = lru_cache(maxsize=512)(_form)


# The load stage's name for the comparison form (its body fingerprint is taken of it): the same function.
dedupe_form = comparison_form
