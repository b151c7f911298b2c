"""HTML text -> tree: trafilatura's `load_html` steps, with a parser whose element classes are
chosen by lxml in C.

lxml.html's parser calls a Python method for every element object it hands out (to give <form>,
<input>, <select>, <textarea> and <label> their form classes); trafilatura and every field walk the
tree many times, and that call is about 6% of a trafilatura run. Nothing here uses the form classes:
with lxml's default lookup every element is a plain `HtmlElement`, and the tree (text, tags,
attributes) is the one trafilatura's `load_html` builds (tests/unit/test_parsed_page.py compares them).
"""

from __future__ import annotations

import lxml.html
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.utils import (
    DOCTYPE_TAG,
    FAULTY_HTML,
    decode_file,
    handle_compressed_file,
    is_dubious_html,
    repair_faulty_html,
)

# trafilatura.utils.HTML_PARSER's settings
_PARSER = etree.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
                           remove_pis=True)
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))


# The characters trafilatura's repair step deletes (trafilatura.utils.INVALID_XML_CHARS; a test checks
# they are the same): almost no page holds one, and looking for each with `in` costs a quarter of that
# regular expression's pass over a page (0.5 ms of a 170 KB page, 2 % of its cleaning).
INVALID_XML_CHARS = tuple(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF))


def repaired(text: str, beginning: str) -> str:
    """trafilatura.utils.repair_faulty_html(text, beginning), its invalid-character pass run only on a
    page holding one of those characters."""
    if any(char in text for char in INVALID_XML_CHARS):
        return repair_faulty_html(text, beginning)
    # its two other steps, as it writes them: a doctype with a slash, a self-closing <html/>
    if "doctype" in beginning:
        first_line, newline, rest = text.partition("\n")
        fixed = DOCTYPE_TAG.sub("", first_line, count=1)
        if fixed != first_line or not newline:  # else the same text: kept as it is (load_html's test)
            text = fixed + "\n" + rest
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", text, count=1)
    return text


def _parsed(data: bytes) -> HtmlElement | None:
    try:
        return lxml.html.fromstring(data, parser=_PARSER)
    except Exception:  # noqa: BLE001 (as trafilatura: an unparseable page is no tree)
        return None


def _from_bytes(text: str) -> HtmlElement | None:
    return _parsed(text.encode("utf8", "surrogatepass"))


def _decoded(document: str | bytes) -> tuple[str, bytes | None]:
    """trafilatura.utils.decode_file(document), and the UTF-8 bytes it decoded when it took its
    first path (no compression undone, or after undoing it: valid UTF-8)."""
    if isinstance(document, bytes):
        data = handle_compressed_file(document)
        try:
            return data.decode("utf-8"), data
        except UnicodeDecodeError:
            pass
    return decode_file(document), None


# XML's whitespace: lxml.html.fromstring decides "whole document or fragment" with a regular
# expression whose `\s` is this set on bytes and more (no-break space...) on text.
_ASCII_SPACE = " \t\n\r\f\v"


def load_html(document: str | bytes) -> HtmlElement | None:
    """The page's tree, or None when it is not HTML (trafilatura.utils.load_html's rules: decode,
    repair, parse as text then as bytes, reject a document that is not HTML-like).

    A page fetched as UTF-8 bytes that the repair leaves alone is parsed from those bytes: libxml2
    builds the same tree from them as from the text (which lxml would encode back to bytes first,
    a third of the parse), and the bytes are where trafilatura's rules end when the text fails."""
    text, utf8 = _decoded(document)
    beginning = text[:50].lower()
    dubious = is_dubious_html(beginning)
    fixed = repaired(text, beginning)
    tree, tried_bytes = None, False
    if utf8 is not None and fixed is text and text.lstrip(_ASCII_SPACE)[:1] == "<":
        tree, tried_bytes = _parsed(utf8), True
    else:
        text = fixed
        try:
            tree = lxml.html.fromstring(text, parser=_PARSER)
        except ValueError:  # "Unicode strings with encoding declaration are not supported."
            tree, tried_bytes = _from_bytes(text), True
        except Exception:  # noqa: BLE001
            tree = None
    if (tree is None or len(tree) < 1) and not tried_bytes:
        tree = _from_bytes(text)
    if tree is not None and dubious and len(tree) < 2:
        return None
    return tree
