"""The main-text step runs trafilatura's readability/jusText fallback only where it could change the text.

The precise pass runs first without the fallback; its result is kept when none of the conditions
under which trafilatura's compare step replaces its own text holds (portalnews.extraction.body).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from trafilatura.settings import Document

from portalnews.extraction import body
from portalnews.extraction.body import FAST, WITH_FALLBACK, extract_body
from portalnews.extraction.page import ParsedPage

FIXTURES = Path(__file__).parents[1] / "fixtures"
RECORDED_PAGES = sorted(FIXTURES.rglob("*.html"))

REPORT = [
    "Sáng 13/2, đoàn công tác của Thành ủy do đồng chí Bí thư Thành ủy làm trưởng đoàn đã làm việc với Ban "
    "Thường vụ Huyện ủy về tình hình thực hiện nghị quyết đại hội Đảng bộ các cấp trong năm qua.",
    "Báo cáo tại buổi làm việc cho thấy huyện đã hoàn thành 18 trên 20 chỉ tiêu chủ yếu, thu ngân sách vượt "
    "dự toán, công tác xây dựng Đảng và hệ thống chính trị có nhiều chuyển biến tích cực.",
    "Phát biểu kết luận, đồng chí Bí thư Thành ủy đề nghị huyện tập trung tháo gỡ khó khăn trong giải phóng "
    "mặt bằng các dự án trọng điểm và đẩy mạnh chuyển đổi số trong cải cách hành chính.",
]
NOTICE = [
    "Chiều nay Ủy ban nhân dân xã tổ chức họp dân để thông báo lịch cắt điện luân phiên trong tuần tới.",
    "Cuộc họp bắt đầu lúc 14 giờ tại hội trường xã, người dân nhớ mang theo giấy tờ tùy thân và sổ hộ khẩu.",
]


def _page(paragraphs: list[str]) -> ParsedPage:
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    return ParsedPage.parse("<html><head><title>Tin</title></head><body><nav><a href='/'>Trang chủ</a></nav>"
                            f"<article><h1>Làm việc với huyện</h1>{text}</article>"
                            "<footer>Bản quyền thuộc Cổng thông tin</footer></body></html>", "https://example.vn/a")


def test_an_article_the_fast_pass_holds_whole_is_read_without_the_fallback():
    result = extract_body(_page(REPORT))
    assert result.runs == (FAST,)
    assert result.paragraphs == REPORT


def test_an_article_shorter_than_trafilaturas_minimum_gets_the_fallback():
    assert sum(map(len, NOTICE)) < body.MIN_EXTRACTED_SIZE
    result = extract_body(_page(NOTICE))
    assert result.runs == (FAST, WITH_FALLBACK)
    assert result.paragraphs == NOTICE


def _fast_result(inner_html: str, raw_text: str = "x" * 300) -> Document:
    document = Document()
    document.body = etree.fromstring(f"<body>{inner_html}</body>")
    document.raw_text = raw_text
    return document


@pytest.mark.parametrize("inner_html", [
    "<p>Đoạn văn</p><figure><graphic src='a.jpg'/></figure>",  # "unclean": trafilatura tries jusText
    "<list><item>chỉ có danh sách, không có đoạn văn</item></list>",  # no paragraph text: readability
    "<p>Một đoạn</p><table><row><cell>1</cell></row></table><table><row><cell>2</cell></row></table>",
], ids=["unclean", "no paragraph text", "more tables than paragraphs"])
def test_a_fast_result_trafilatura_would_replace_is_not_kept(inner_html):
    assert not body._fallback_cannot_improve(_fast_result(inner_html), (120, 120), container_words=150)


def test_a_fast_result_with_less_than_half_the_containers_prose_is_not_kept():
    sound = _fast_result("<p>Đoạn văn của bài</p>")
    assert body._fallback_cannot_improve(sound, (120, 120), container_words=150)
    assert not body._fallback_cannot_improve(sound, (70, 70), container_words=150)
    assert not body._fallback_cannot_improve(sound, (120, 120), container_words=0)


def test_a_fast_result_that_ran_away_is_kept_without_the_fallback_and_one_that_lost_the_article_is_not():
    sound = _fast_result("<p>Đoạn văn của bài</p>")
    # over RUNAWAY_RATIO times the container: readability could not double it either (the plain pass
    # is weighed after); paragraph-like words under LOST_RATIO of the container: the fallback runs
    assert body._fallback_cannot_improve(sound, (400, 390), container_words=150)
    assert not body._fallback_cannot_improve(sound, (120, 20), container_words=150)


@pytest.mark.parametrize("path", RECORDED_PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_on_every_recorded_page_the_text_is_what_running_the_fallback_every_time_gives(path, monkeypatch):
    page = ParsedPage.parse(path.read_bytes(), "https://example.vn/a.html")
    chosen = body._main_text(page)
    monkeypatch.setattr(body, "_fallback_cannot_improve", lambda *args: False)  # never trust the fast pass
    every_time = body._main_text(page)
    assert (chosen.paragraphs, chosen.mode) == (every_time.paragraphs, every_time.mode)
    assert every_time.runs[-1] != FAST


def test_most_recorded_pages_are_read_without_the_fallback():
    fast_only = [
        path
        for path in RECORDED_PAGES
        if extract_body(ParsedPage.parse(path.read_bytes(), "https://example.vn/a.html")).runs == (FAST,)
    ]
    # 50 of 90 (52 of 98 before 8 stored copies became routes); most others are listing pages, without an
    # article container
    assert len(fast_only) >= 0.5 * len(RECORDED_PAGES)
