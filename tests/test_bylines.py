"""Bylines and widgets at the edges of an article body, and a repeated title at its top."""

from __future__ import annotations

import pytest

from portalnews.extraction.bylines import is_widget_line, parse_byline, strip_edges
from portalnews.extraction.title import drop_repeated_title
from portalnews.vietnamese.text import comparison_form

BODY = ["Sáng 13-2, Thành ủy tổ chức hội nghị sơ kết công tác.", "Hội nghị thống nhất các nhiệm vụ trọng tâm năm 2020."]


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
    assert parse_byline("Theo báo cáo, năm 2019 việc thực hiện nghị quyết có nhiều chuyển biến tích cực và rõ nét hơn.") == (None, None)


def test_labelled_only_mode_ignores_capitals_and_staff_codes():
    assert parse_byline("ĐÁNH GIÁ BÀI VIẾT", labelled_only=True) == (None, None)
    assert parse_byline("PV", labelled_only=True) == (None, None)
    assert parse_byline("Tác giả bài viết: Hoàng Anh", labelled_only=True) == ("Hoàng Anh", None)


@pytest.mark.parametrize(
    "line",
    ["ĐÁNH GIÁ BÀI VIẾT", "In bài", "In bài viết", "Chia sẻ", "Chia sẻ:", "Bình luận", "Bình luận (3)", "Gửi bình luận",
     "Lượt xem: 1.245", "Gửi email", "☆☆☆☆☆", "Click để đánh giá bài viết",
     "Tổng số điểm của bài viết là: 0 trong 0 đánh giá", "A- A+"],
)
def test_widget_lines_are_recognised(line):
    assert is_widget_line(line)


def test_widgets_are_dropped_wherever_they_are():
    edges = strip_edges(["In bài", BODY[0], "Chia sẻ", BODY[1]])
    assert edges.lines == BODY


@pytest.mark.parametrize("header", ["Tin liên quan", "Các tin khác", "Tin mới", "Những tin mới hơn", "Những tin cũ hơn",
                                    "Tin cùng chuyên mục", "Từ khóa: đại hội"])
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
    assert drop_repeated_title(["Hội nghị sơ kết"], {comparison_form("Hội nghị sơ kết")}) == ["Hội nghị sơ kết"]
