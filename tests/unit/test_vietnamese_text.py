"""Vietnamese text normalisation: the stored form of titles, bodies and names."""

from __future__ import annotations

import unicodedata

from portalnews.vietnamese.text import comparison_form, dedupe_form, normalize_inline, normalize_text


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


def test_ascii_text_is_tidied_as_any_other_text():
    # ASCII text skips the repair and tone passes (nothing in it to repair or fold), not the tidying
    assert normalize_text(" One space each. ") == "One space each."
    assert normalize_text("Tab\there,  two spaces") == "Tab here, two spaces"
    assert normalize_text("AT&amp;T ") == "AT&amp;T"
    assert normalize_inline(" Maria  Garcia\u200b ") == "Maria Garcia"
    assert comparison_form("Hello,  World! (AP)") == "hello world ap"
    # a capital that lowercases to ASCII (the Kelvin sign) and a Vietnamese tone pair in one text
    assert comparison_form("\u212a HOÀ") == comparison_form("k hòa") == "k hoà"


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


def test_a_short_texts_form_is_kept_and_a_long_texts_is_the_same_computed_each_time():
    from portalnews.vietnamese import text

    short = "Hội nghị Ban Chấp hành Đảng bộ tỉnh, lần thứ 12!"
    long = " ".join([short] * (text.CACHED_FORM_MAX_CHARS // len(short) + 1))
    form = "hội nghị ban chấp hành đảng bộ tỉnh lần thứ 12"
    assert comparison_form(short) == comparison_form(short) == form
    hits = text._cached_form.cache_info().hits
    comparison_form(long)
    comparison_form(long)
    assert text._cached_form.cache_info().hits == hits  # never looked up: not kept
    assert comparison_form(long) == " ".join([comparison_form(short)] * (long.count("!")))
    assert comparison_form("") == comparison_form(None) == ""


def test_a_form_kept_does_not_keep_the_page_its_text_came_from_alive():
    import gc
    import weakref

    import lxml.html

    page = lxml.html.fromstring("<html><body><p>Tin mới: Đại hội Đảng bộ phường Tân Định</p></body></html>")
    paragraph = page.find(".//p")
    (smart_text,) = paragraph.xpath("text()")  # lxml's text results keep their element
    assert smart_text.getparent() is paragraph
    assert comparison_form(smart_text) == "tin mới đại hội đảng bộ phường tân định"
    gone = weakref.ref(paragraph)
    del page, paragraph, smart_text
    gc.collect()
    assert gone() is None
