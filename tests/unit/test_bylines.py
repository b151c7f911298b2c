"""Bylines and widgets at the edges of an article body, and a repeated title at its top."""

from __future__ import annotations

import pytest

from portalnews.extraction.bylines import is_widget_line, parse_byline, strip_edges
from portalnews.extraction.title import drop_repeated_title
from portalnews.vietnamese.text import comparison_form

BODY = [
    "Sáng 13-2, Thành ủy tổ chức hội nghị sơ kết công tác.",
    "Hội nghị thống nhất các nhiệm vụ trọng tâm năm 2020.",
]


def test_a_line_alone_in_capitals_at_the_end_is_the_author_kept_in_capitals():
    edges = strip_edges([*BODY, "NGÔ HUYỀN", "ĐÁNH GIÁ BÀI VIẾT"])
    assert edges.author == "NGÔ HUYỀN"
    assert edges.lines == BODY


def test_several_authors_in_capitals_stay_one_byline():
    assert parse_byline("HOÀNG LINH - QUỐC KHÁNH") == ("HOÀNG LINH - QUỐC KHÁNH", None)


@pytest.mark.parametrize(
    "line, author",
    [
        ("Tin, ảnh: Minh Anh", "Minh Anh"),
        ("Tin và ảnh: Quốc Thanh", "Quốc Thanh"),
        ("Bài, ảnh: Thu Trang", "Thu Trang"),
        ("(Tin: Như Ý)", "Như Ý"),
        ("Tác giả bài viết: Hoàng Anh", "Hoàng Anh"),
        ("Tác giả: Thu Hằng", "Thu Hằng"),
        ("PV", "PV"),
        ("(PV)", "PV"),
        ("PV-CTV", "PV-CTV"),
    ],
)
def test_credit_lines_give_the_author_without_their_label(line, author):
    assert parse_byline(line) == (author, None)


@pytest.mark.parametrize(
    "line, source",
    [
        ("(Theo TTXVN)", "TTXVN"),
        ("Theo Báo Hà Tĩnh", "Báo Hà Tĩnh"),
        ("Nguồn: Ban Tuyên giáo Tỉnh ủy", "Ban Tuyên giáo Tỉnh ủy"),
        ("Nguồn tin: Báo Thái Nguyên", "Báo Thái Nguyên"),
    ],
)
def test_theo_and_nguon_lines_give_the_source_not_the_author(line, source):
    assert parse_byline(line) == (None, source)


def test_a_source_line_alone_leaves_the_author_empty():
    edges = strip_edges([*BODY, "(Theo TTXVN)"])
    assert edges.author is None and edges.source == "TTXVN"
    assert edges.lines == BODY


def test_author_and_source_lines_are_both_taken_from_the_end():
    edges = strip_edges([*BODY, "Tác giả bài viết: Mạnh Hùng", "Nguồn tin: Ban Tuyên giáo Huyện ủy"])
    assert (edges.author, edges.source) == ("Mạnh Hùng", "Ban Tuyên giáo Huyện ủy")
    assert edges.lines == BODY


def test_prose_is_not_a_byline():
    assert parse_byline("Hội nghị cũng thống nhất nâng cao chất lượng đội ngũ báo cáo viên.") == (None, None)
    assert parse_byline(
        "Theo báo cáo, năm 2019 việc thực hiện nghị quyết có nhiều chuyển biến tích cực và rõ nét hơn."
    ) == (None, None)


def test_labelled_only_mode_ignores_capitals_and_staff_codes():
    assert parse_byline("ĐÁNH GIÁ BÀI VIẾT", labelled_only=True) == (None, None)
    assert parse_byline("PV", labelled_only=True) == (None, None)
    assert parse_byline("Tác giả bài viết: Hoàng Anh", labelled_only=True) == ("Hoàng Anh", None)


@pytest.mark.parametrize(
    "line",
    [
        "ĐÁNH GIÁ BÀI VIẾT",
        "In bài",
        "In bài viết",
        "Chia sẻ",
        "Chia sẻ:",
        "Bình luận",
        "Bình luận (3)",
        "Gửi bình luận",
        "Lượt xem: 1.245",
        "Gửi email",
        "☆☆☆☆☆",
        "Click để đánh giá bài viết",
        "Tổng số điểm của bài viết là: 0 trong 0 đánh giá",
        "A- A+",
    ],
)
def test_widget_lines_are_recognised(line):
    assert is_widget_line(line)


def test_a_wire_storys_end_mark_is_dropped_and_is_no_author():
    edges = strip_edges([*BODY, "(END)"])
    assert edges.lines == BODY and edges.author is None
    assert strip_edges([*BODY, "(ĐỨC MINH)"]).author == "ĐỨC MINH"


def test_widgets_are_dropped_wherever_they_are():
    edges = strip_edges(["In bài", BODY[0], "Chia sẻ", BODY[1]])
    assert edges.lines == BODY


@pytest.mark.parametrize(
    "header",
    [
        "Tin liên quan",
        "Các tin khác",
        "Tin mới",
        "Những tin mới hơn",
        "Những tin cũ hơn",
        "Tin cùng chuyên mục",
        "Từ khóa: đại hội",
    ],
)
def test_everything_after_a_related_news_header_is_dropped(header):
    edges = strip_edges([*BODY, "PV", header, "Tin khác số một (12/02/2020)", "Tin khác số hai"])
    assert edges.lines == BODY and edges.author == "PV"


def test_a_repeated_title_at_the_top_is_dropped():
    assert drop_repeated_title(["Hội nghị sơ kết", *BODY], {comparison_form("Hội nghị sơ kết")}) == BODY


def test_a_first_line_that_begins_the_page_title_is_dropped():
    forms = {comparison_form("Hội nghị sơ kết công tác | Đảng bộ tỉnh")}
    assert drop_repeated_title(["Hội nghị sơ kết công tác", *BODY], forms) == BODY
    # a two-word beginning is too little to tell it from a line that happens to start the same way
    assert drop_repeated_title(["Hội nghị", *BODY], forms) == ["Hội nghị", *BODY]


def test_a_body_of_one_line_keeps_it_even_if_it_repeats_the_title():
    assert drop_repeated_title(["Hội nghị sơ kết"], {comparison_form("Hội nghị sơ kết")}) == [
        "Hội nghị sơ kết"
    ]


# --- the author from the page's metadata, when the body has no byline --------------------------

PROSE = "".join(
    f"<p>Đoạn {i}: Ban Thường vụ Thành ủy tổ chức hội nghị sơ kết công tác xây dựng Đảng và hệ thống chính "
    "trị.</p>"
    for i in range(3)
)


def _page(head: str, body: str = "") -> str:
    return (
        f"<html><head><title>Hội nghị sơ kết</title>{head}</head>"
        f"<body><article><h1>Hội nghị sơ kết</h1>{body}{PROSE}</article></body></html>"
    )


def _author(html: str, url: str = "https://thanhuy.example.vn/tin/1") -> str | None:
    from portalnews.extraction import extract_article

    return extract_article(html, url).author


ENGLISH_PROSE = (
    "<p>The city council voted on Tuesday to reopen the old bridge over the river after two years of "
    "repairs, and the first buses are expected to cross it at the start of next month.</p>"
    "<p>Cars will follow in May, once the engineers have checked the new deck under full load, the mayor "
    "told reporters at the town hall after the vote.</p>"
)


def test_on_an_english_page_the_metadata_author_comes_before_a_wire_name_ending_the_body():
    from portalnews.extraction import extract_article

    page = ('<html lang="en"><head><title>Bridge reopens</title><meta name="author" content="Anna Smith">'
            f"</head><body><article><h1>Bridge reopens</h1>{ENGLISH_PROSE}<p>REUTERS</p></article>"
            "</body></html>")
    article = extract_article(page)
    assert article.author == "Anna Smith" and "REUTERS" not in article.body
    # with no author in the metadata, the line in capitals is still the byline
    assert extract_article(page.replace('<meta name="author" content="Anna Smith">', "")).author == "REUTERS"
    # a Vietnamese body keeps the portals' order: the signature at its end first
    vietnamese = ('<html><head><title>Hội nghị sơ kết</title><meta name="author" content="Lê Minh Tâm">'
                  f"</head><body><article><h1>Hội nghị sơ kết</h1>{PROSE}<p>NGÔ HUYỀN</p></article>"
                  "</body></html>")
    assert extract_article(vietnamese).author == "NGÔ HUYỀN"


def test_a_byline_elements_label_left_without_a_name_is_no_author():
    submitted = '<span class="submitted-by">Submitted on Mon, 2019-01-21 13:49</span>'
    assert _author(_page("", submitted)) is None
    assert _author(_page("", '<span class="submitted-by">Submitted by Lê Minh Tâm</span>')) == "Lê Minh Tâm"


def test_meta_author_naming_a_person_is_the_author():
    assert _author(_page('<meta name="author" content="Lê Minh Tâm">')) == "Lê Minh Tâm"


def test_meta_author_that_is_only_the_site_name_is_no_author():
    head = (
        '<meta name="author" content="Báo Thanh Ủy"><meta property="og:site_name" content="Báo Thanh Ủy điện '
        'tử">'
    )
    assert _author(_page(head)) is None
    assert _author(_page('<meta name="author" content="thanhuy.example.vn">')) is None


def test_json_ld_organisation_author_is_no_author_but_a_person_is():
    organisation = (
        '{"@context":"https://schema.org","@type":"NewsArticle",'
        '"author":{"@type":"Organization","name":"Thành ủy"}}'
    )
    person = (
        '{"@context":"https://schema.org","@type":"NewsArticle",'
        '"author":[{"@type":"Person","name":"Trần An"},{"@type":"Person","name":"Lý Bình"}]}'
    )
    assert _author(_page(f'<script type="application/ld+json">{organisation}</script>')) is None
    assert _author(_page(f'<script type="application/ld+json">{person}</script>')) == "Trần An; Lý Bình"


def test_rel_author_and_byline_elements_name_the_author_without_their_job():
    assert (
        _author(_page("", '<p class="meta">Bởi <a rel="author" href="/tac-gia/an">Phạm An</a></p>'))
        == "Phạm An"
    )
    assert _author(_page("", '<div class="byline">By Maria Garcia, Staff Writer</div>')) == "Maria Garcia"


def test_a_mixed_case_name_alone_in_a_right_aligned_last_paragraph_is_the_byline():
    from portalnews.extraction import extract_article

    html = _page("", "").replace(
        "</article>", '<p style="text-align:right"><strong>Minh Khang</strong></p></article>'
    )
    article = extract_article(html, "https://thanhuy.example.vn/tin/1")
    assert article.author == "Minh Khang"
    assert "Minh Khang" not in article.body


BYLINE_ELEMENT_PAGES = {
    # trafilatura's first author XPath (rel=author, itemprop "author name", class "author-name"...)
    # is tried over the whole page before its byline classes
    "a rel=author link wins over an earlier byline class": (
        '<span class="byline">By John Doe</span><p>Text of the story.</p><a rel="author" href="/a">Jane '
        'Roe</a>',
        "Jane Roe",
    ),
    # among the elements one XPath accepts, the first in the page, whichever attribute names it
    "the first in page order, named by its class or by rel": (
        '<span class="author-name">Ann Lee</span><p>Text of the story.</p><a rel="author" href="/b">Bob '
        'Ray</a>',
        "Ann Lee",
    ),
    "an author inside the sidebar is someone else's": (
        '<div class="sidebar"><span class="author">Side Writer</span></div><div itemprop="author">Carl '
        'Fox</div>',
        "Carl Fox",
    ),
    "an author element with its date left out": (
        '<p class="byline">Mai Lan <time datetime="2024-01-02">2/1/2024</time></p>',
        "Mai Lan",
    ),
    "no byline element": ('<p class="lead">Text of the story.</p>', None),
}


@pytest.mark.parametrize("body, author", BYLINE_ELEMENT_PAGES.values(), ids=BYLINE_ELEMENT_PAGES.keys())
def test_byline_elements_are_read_as_trafilatura_orders_its_author_xpaths(body, author):
    from portalnews.extraction.metadata import byline_element_author
    from portalnews.extraction.page import ParsedPage

    assert byline_element_author(ParsedPage.parse(f"<html><body>{body}</body></html>")) == author
