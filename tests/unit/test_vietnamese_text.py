"""Vietnamese text normalisation: the stored form of titles, bodies and names."""

from __future__ import annotations

import unicodedata

from portalnews.vietnamese.text import dedupe_form, normalize_inline, normalize_text


def test_decomposed_text_is_stored_composed():
    nfd = unicodedata.normalize("NFD", "Thành ủy Đà Nẵng tổ chức hội nghị")
    assert nfd != "Thành ủy Đà Nẵng tổ chức hội nghị"
    assert normalize_text(nfd) == "Thành ủy Đà Nẵng tổ chức hội nghị"


def test_icelandic_eth_becomes_vietnamese_d_with_stroke():
    assert normalize_text("\u00d0ảng bộ và \u00f0ảng viên") == "Đảng bộ và đảng viên"


def test_african_d_look_alike_becomes_vietnamese_d_with_stroke():
    assert normalize_text("\u0189ại hội \u0256ảng") == "Đại hội đảng"


def test_zero_width_and_direction_marks_are_removed():
    assert normalize_text("Thà\u200bnh\u200c phố\ufeff Hồ Chí Minh\u200e") == "Thành phố Hồ Chí Minh"


def test_soft_hyphen_is_removed():
    assert normalize_text("chuyển\u00ad đổi số") == "chuyển đổi số"


def test_text_is_taken_as_shown_so_entity_like_text_stays():
    # The parser has decoded the page's entities already; what is left is text the page shows.
    assert normalize_text("AT&amp;T và Ban Tuyên giáo & Dân vận") == "AT&amp;T và Ban Tuyên giáo & Dân vận"
    assert normalize_text("&#7889; &ldquo;") == "&#7889; &ldquo;"


def test_a_page_showing_an_entity_literally_keeps_it():
    from portalnews.extraction import extract_article

    sentence = (
        "Tập đoàn AT&amp;amp;T ký kết hợp tác với Tổng công ty Bưu chính Viễn thông tại Hà Nội sáng nay."
    )
    html = (
        "<html><head><title>AT&amp;amp;T hợp tác với VNPT</title></head><body><article>"
        "<h1>AT&amp;amp;T hợp tác với VNPT</h1>"
        f"<p>{sentence}</p><p>{sentence.replace('sáng nay', 'chiều qua')}</p>"
        f"<p>{sentence.replace('Hà Nội', 'Đà Nẵng')}</p>"
        "</article></body></html>"
    )
    article = extract_article(html)
    assert article.title == "AT&amp;T hợp tác với VNPT"
    assert "Tập đoàn AT&amp;T ký kết" in article.body
    assert "AT&T" not in article.body


def test_non_breaking_and_repeated_spaces_collapse_per_line():
    assert normalize_text("Sáng\u00a013-2,   tại  Đà Nẵng ") == "Sáng 13-2, tại Đà Nẵng"


def test_paragraph_breaks_are_kept_and_extra_blank_lines_dropped():
    assert normalize_text("Đoạn một.\r\n\r\n\r\n\r\nĐoạn hai.") == "Đoạn một.\n\nĐoạn hai."


def test_inline_form_is_one_line():
    assert normalize_inline("  NGÔ\nHUYỀN \t") == "NGÔ HUYỀN"
    assert normalize_inline(None) == ""


def test_tone_placement_is_kept_in_stored_text():
    assert normalize_text("hoà bình") == "hoà bình"
    assert normalize_text("hòa bình") == "hòa bình"


def test_dedupe_form_folds_tone_placement_case_and_punctuation():
    assert dedupe_form("Hòa bình, thủy lợi!") == dedupe_form("hoà bình thuỷ lợi")
    assert dedupe_form(unicodedata.normalize("NFD", "Đà Nẵng")) == dedupe_form("đà nẵng")
    assert dedupe_form("\u00d0ảng\u200b bộ") == "đảng bộ"
