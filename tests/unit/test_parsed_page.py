"""The parsed page: the same tree trafilatura's own loader builds, and a tree the cleaning step
leaves as it found it."""

from __future__ import annotations

import copy
import gzip
from pathlib import Path

import pytest
import trafilatura
from lxml import etree
from trafilatura.utils import load_html as trafilatura_load_html

from portalnews.extraction import body, extract_article, parsing
from portalnews.extraction.body import extract_body
from portalnews.extraction.page import ParsedPage
from portalnews.extraction.parsing import load_html

FIXTURES = Path(__file__).parents[1] / "fixtures"
RECORDED_PAGES = sorted(FIXTURES.rglob("*.html"))

AWKWARD_INPUTS = {
    "xml declaration with an encoding (lxml refuses it as text)": '<?xml version="1.0" '
        'encoding="utf-8"?><html><body><p>Xin chào Hà Nội</p></body></html>',
    "windows-1252 bytes": "<html><head><meta charset='windows-1252'></head><body><p>café "
        "über</p></body></html>".encode(
        "cp1252"
    ),
    "utf-8 bytes with a doctype": "<!DOCTYPE html>\n<html><body><p>Đảng bộ</p></body></html>".encode(),
    "self-closing html tag": "<html/>\n<body><p>text</p></body>",
    # UTF-8 bytes the repair leaves alone are parsed as bytes (portalnews.extraction.parsing.load_html)
    "utf-8 bytes declaring another charset": "<html><head><meta charset='iso-8859-1'><title>Đảng bộ</title>"
        "</head><body><p>Tiếng Việt café</p></body></html>".encode(),
    "utf-8 bytes with a byte order mark":
        "\ufeff<!DOCTYPE html>\n<html><body><p>Hà Nội</p></body></html>".encode(),
    "utf-8 bytes after a no-break space": "\u00a0<html><body><p>Hà Nội</p></body></html>".encode(),
    "utf-8 bytes after spaces and a form feed": " \n\f<html><body><p>Hà Nội</p></body></html>".encode(),
    "utf-8 bytes of a fragment": "<p>Tiếng Việt</p><p>hai</p>".encode(),
    "utf-8 bytes of an xml declaration": '<?xml version="1.0" encoding="utf-8"?><html><body><p>Huế</p>'
        "</body></html>".encode(),
    "gzip-compressed utf-8 bytes":
        gzip.compress("<!DOCTYPE html>\n<html><body><p>Đà Nẵng</p></body></html>".encode()),
    "utf-8 bytes with a control character": "<html><body><p>a\x00b Cần Thơ</p></body></html>".encode(),
    # text: a lone surrogate, a no-break space before the markup, a whole page
    "text with a lone surrogate": "<html><body><p>Hà \ud800 Nội</p></body></html>",
    "text after a no-break space": "\u00a0<html><body><p>Hà Nội</p></body></html>",
    "text of a whole page": "<!DOCTYPE html>\n<html lang='vi'><head><title>Tin</title></head><body><p>Đà Lạt "
        "&amp; Huế</p></body></html>",
    "no html tag, one block": "<p>only a paragraph</p>",
    "no html tag, two blocks": "<div><p>one</p></div><div><p>two</p></div>",
    "plain text": "just some words, no markup",
    "form controls": "<html><body><form action='/s'><label>Tìm</label><input name='q' value='x'>"
    "<select><option>a</option></select><textarea>t</textarea></form></body></html>",
}


def _serialized(tree) -> bytes | None:
    return None if tree is None else etree.tostring(tree, encoding="utf-8")


@pytest.mark.parametrize("path", RECORDED_PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_recorded_pages_parse_to_the_tree_trafilatura_builds(path):
    html = path.read_bytes()
    assert _serialized(load_html(html)) == _serialized(trafilatura_load_html(html))


@pytest.mark.parametrize("document", AWKWARD_INPUTS.values(), ids=AWKWARD_INPUTS.keys())
def test_awkward_inputs_parse_as_trafilatura_parses_them(document):
    assert _serialized(load_html(document)) == _serialized(trafilatura_load_html(document))


def test_text_that_is_not_html_is_refused_like_trafilatura_does():
    assert load_html("just some words, no markup") is None
    assert trafilatura_load_html("just some words, no markup") is None


PAGE_WITH_ENTITY_TEXT = """<html><head><title>Tin</title></head><body><article>
<h1>Báo cáo quý</h1>
<p>Công ty niêm yết mã AT&amp;amp;T trên sàn, viết đúng như trang hiển thị cho người đọc.</p>
<p>Đoạn thứ hai của bài viết có đủ chữ để bước trích văn bản chính giữ lại nó trong kết quả.</p>
<p>Đoạn thứ ba nhắc lại &amp;copy; như một chuỗi ký tự bình thường trong câu văn của bài.</p>
</article></body></html>"""


def test_entity_like_text_keeps_its_shown_form_and_the_page_tree_is_left_unchanged():
    page = ParsedPage.parse(PAGE_WITH_ENTITY_TEXT, "https://example.vn/a")
    before = etree.tostring(page.tree, encoding="unicode")
    paragraphs = extract_body(page).paragraphs
    assert any("AT&amp;T" in p for p in paragraphs)
    assert any("&copy;" in p for p in paragraphs)
    assert etree.tostring(page.tree, encoding="unicode") == before


def test_a_lead_before_the_title_is_not_the_sapo_but_one_after_it_is():
    html = """<html><body><p class="sapo">Một đoạn tóm tắt của bài khác nằm phía trên tiêu đề trang.</p>
    <h1>Tiêu đề bài viết hôm nay</h1><p class="sapo">Đoạn mở đầu của chính bài viết này, ngay dưới tiêu đề.</p>
    <div><p>Nội dung bài viết đủ dài để có một thân bài: câu thứ nhất, câu thứ hai và câu thứ ba.</p>
    <p>Thêm một đoạn văn nữa để trang có phần thân bài rõ ràng, nhiều chữ hơn phần còn lại của trang.</p></div>
    </body></html>"""  # noqa: E501 (test data, kept as served)
    article = extract_article(html, "https://example.vn/b")
    assert article.sapo == "Đoạn mở đầu của chính bài viết này, ngay dưới tiêu đề."


def test_classed_elements_are_found_whatever_the_case_of_their_class_names():
    from portalnews.extraction.dates import DATE_CLASS
    from portalnews.extraction.nodes import classed

    page = ParsedPage.parse("""<html><body><div class="PostDate">1</div><span id="Thời-Gian TIME">2</span>
        <p class="nothing">3</p><i class="ngày-META">4</i><b class="ſomething">5</b></body></html>""")
    assert [node.text for node in classed(page, DATE_CLASS)] == ["1", "2", "4"]


PAGE_WITH_SCRIPTS_BETWEEN_TEXT = """<html><head><title>Tin</title><style>p{color:red}</style>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tin"}</script></head><body>
<article><h1>Báo cáo quý</h1><script>var a = 1 && 2;</script>Đầu bài sau một đoạn mã, ngay dưới tiêu đề của trang.
<p>Đoạn thứ nhất của bài viết có đủ chữ<script>x()</script> để bước trích văn bản chính giữ lại nó.</p>
<p><script>first()</script><style>.a{}</style>Đoạn thứ hai bắt đầu bằng hai đoạn mã liền nhau trong cùng thẻ.</p>
<p>Đoạn thứ ba kết thúc bằng một đoạn mã không có chữ theo sau, như nhiều trang vẫn làm.<script>y()</script></p>
</article></body></html>"""  # noqa: E501 (test data, kept as served)


# Furniture trafilatura's cleaning deletes, in the places where taking it out early could change what it
# does before that: an <h1> inside an aside of an infinite-scroll box (its raw-tree prune keeps a box
# holding an <h1>), a forum page named in JSON-LD in the head (a forum keeps its comment lists), text
# after a nav inside a paragraph, an empty element before a nav (its tail joins that element's).
PAGE_WITH_FURNITURE = """<html><head><title>Forum</title><link rel="stylesheet" href="/a.css">
<script type="application/ld+json">{"@type": "DiscussionForumPosting", "headline": "Forum"}</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<div class="infinite-scroll"><aside><h1>Quarterly report of the city council</h1></aside><article>
<p>The council met on Tuesday to discuss the quarterly report and the budget for the coming year.</p>
<p>Members asked for more time <nav>skip</nav>before the final vote, which is now planned for next month.</p>
<dl class="comment-list"><dt>Reader</dt><dd>A reader's comment that a forum page keeps, long enough.</dd>
<dt>Another</dt><dd>A second comment from another reader of the forum, also long enough to be kept.</dd></dl>
<p>Residents can <select><option>pick one</option></select>write to the council before the week ends.</p>
<p><span></span><nav>menu</nav>Text after an empty element and a menu, as long as a real sentence is.</p>
</article></div><footer><p>Copyright</p><svg><path d="M0"/></svg></footer>
</body></html>"""


@pytest.mark.parametrize("document", [PAGE_WITH_SCRIPTS_BETWEEN_TEXT, PAGE_WITH_FURNITURE, *RECORDED_PAGES],
                         ids=["scripts between text", "furniture",
                              *(str(p.relative_to(FIXTURES)) for p in RECORDED_PAGES)])
def test_trafilatura_reads_the_page_the_same_without_what_it_does_not_read_and_it_is_put_back(document):
    html = document.read_bytes() if isinstance(document, Path) else document
    page = ParsedPage.parse(html, "https://example.vn/a")
    before = etree.tostring(page.tree, encoding="unicode")
    untouched = copy.deepcopy(page.tree)
    for precise, fallback in ((True, True), (True, False), (False, False)):
        assert body._text_of(body._run(page, precise, fallback)) == _trafilatura_paragraphs(
            untouched, precise, fallback
        )
    assert etree.tostring(page.tree, encoding="unicode") == before


def _trafilatura_paragraphs(tree, precise: bool, fallback: bool) -> list[str]:
    """What body._run asks trafilatura for, on a page with every script and style in place."""
    with body._shielded(tree) as shielded:
        document = trafilatura.bare_extraction(
            shielded,
            url="https://example.vn/a",
            with_metadata=False,
            favor_precision=precise,
            fast=not fallback,
            include_comments=False,
            include_tables=True,
            include_images=False,
            deduplicate=False,
        )
    return [p.replace(body.SHIELD, "&") for p in body._paragraphs(document)]


@pytest.mark.parametrize("path", RECORDED_PAGES[:12], ids=lambda p: str(p.relative_to(FIXTURES)))
def test_the_page_index_lists_what_xpath_finds(path):
    page = ParsedPage.parse(path.read_bytes())
    for tags in (("h1", "h2", "h3"), ("meta",), ("script", "style"), ("a",), ("p", "div", "td")):
        assert page.elements(*tags) == page.tree.xpath("|".join(f"//{tag}" for tag in tags))


def test_the_characters_looked_for_are_those_trafilaturas_repair_deletes():
    from trafilatura.utils import INVALID_XML_CHARS

    deleted = {chr(c) for c in range(0x10000) if INVALID_XML_CHARS.match(chr(c))}
    assert deleted == set(parsing.INVALID_XML_CHARS)


REPAIR_CASES = {
    "control characters": "<html><body><p>a\x00b\x0bc\x1fd\ufffe</p></body></html>",
    "doctype with a slash": '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x.dtd"/>\n<html><body>x',
    "self-closing html": '<!doctype html>\n<html lang="vi"/>\n<body><p>x</p></body>',
    "both, and a control character": '<!DOCTYPE html/>\n<html/>\n<body>\x08</body>',
    "plain page": "<html><head><title>t</title></head><body><p>Hà Nội</p></body></html>",
}


@pytest.mark.parametrize("text", [*REPAIR_CASES.values(), *RECORDED_PAGES[:20]],
                         ids=[*REPAIR_CASES, *(str(p.relative_to(FIXTURES)) for p in RECORDED_PAGES[:20])])
def test_repair_gives_what_trafilaturas_repair_gives(text):
    from trafilatura.utils import decode_file, repair_faulty_html

    text = decode_file(text.read_bytes()) if isinstance(text, Path) else text
    beginning = text[:50].lower()
    assert parsing.repaired(text, beginning) == repair_faulty_html(text, beginning)


@pytest.mark.parametrize("path", RECORDED_PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_the_metadata_read_from_the_page_index_is_what_trafilatura_reads_of_the_page(path):
    from trafilatura.metadata import examine_meta, extract_meta_json

    from portalnews.extraction.metadata import declared_metadata

    page = ParsedPage.parse(path.read_bytes(), "https://example.vn/a.html")
    expected = examine_meta(page.tree)
    if expected.author and " " not in expected.author:
        expected.author = None
    expected = extract_meta_json(page.tree, expected)
    got = declared_metadata(page)
    fields = [name for name in got.__slots__ if not isinstance(getattr(got, name), etree._Element)]
    assert fields and [getattr(got, name) for name in fields] == [getattr(expected, name) for name in fields]


def test_metadata_in_several_heads_and_json_scripts_anywhere_is_read_as_trafilatura_reads_it():
    from trafilatura.metadata import examine_meta, extract_meta_json

    from portalnews.extraction.metadata import declared_metadata

    html = """<html><head><meta property="og:title" content="Tiêu đề"><meta name="author" content="Minh Anh">
    <meta content="no name"><meta name="description" content="Mô tả">
    <script type="application/ld+json">{"@type": "NewsArticle", "author": {"@type": "Person",
    "name": "Thu Hà"}, "articleSection": "Thời sự"}</script></head>
    <body><meta name="author" content="In the body"><div><script type="application/settings+json">
    {"publisher": {"name": "Báo Đảng"}}</script><p>Nội dung</p></div></body></html>"""
    page = ParsedPage.parse(html, "https://example.vn/a.html")
    expected = extract_meta_json(page.tree, examine_meta(page.tree))
    got = declared_metadata(page)
    assert (got.title, got.author, got.description, got.categories, got.sitename) == (
        expected.title, expected.author, expected.description, expected.categories, expected.sitename)
    assert got.author and got.title and got.description  # the example has something to read
