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


def test_html_entities_are_decoded_including_double_escaped_ones():
    assert normalize_text("Ban Tuy&ecirc;n gi&aacute;o &amp; D&acirc;n vận") == "Ban Tuyên giáo & Dân vận"
    assert normalize_text("&#7889;") == "ố"
    assert normalize_text("&ldquo;Dân vận khéo&rdquo;") == "“Dân vận khéo”"


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
