"""The facts rules (portalnews/facts/) on sentences in the forms party-committee news writes them."""

from __future__ import annotations

from datetime import date

import pytest

from portalnews.facts import derive_facts
from portalnews.facts.documents import document_mentions


def keys(text: str) -> set[str]:
    return derive_facts(None, None, text).document_keys()


def pairs(text: str) -> set[tuple[str, str]]:
    return derive_facts(None, None, text).name_positions()


# ---- documents -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Nghị quyết số 35-NQ/TW ngày 22/10/2018 của Bộ Chính trị khóa XII về bảo vệ nền tảng tư tưởng của Đảng.",
    "Các chi bộ học tập NQ số 35-NQ/TW.",
    "Thành ủy sơ kết Nghị quyết số 35 - nq/tw của Bộ Chính trị.",
    "Ban Thường vụ chỉ đạo thực hiện Nghị quyết 35 của Bộ Chính trị.",
])
def test_every_wording_of_one_party_resolution_gives_one_key(text):
    assert keys(text) == {"35-NQ/TW"}


def test_a_numbered_mention_carries_its_type_number_symbol_issuer_term_and_date():
    (mention,) = document_mentions(
        "Thực hiện Nghị quyết số 35-NQ/TW ngày 22/10/2018 của Bộ Chính trị (khóa XII) về"
    )
    assert (
        mention.document_key,
        mention.document_type,
        mention.number,
        mention.symbol,
        mention.issuer,
        mention.term,
        mention.issued_on,
    ) == ("35-NQ/TW", "Nghị quyết", "35", "NQ/TW", "Bộ Chính trị", "XII", date(2018, 10, 22))


@pytest.mark.parametrize(("text", "key"), [
    ("Theo Quyết định số 1234/QĐ-UBND ngày 15/6/2023 của UBND tỉnh", "1234/QĐ-UBND"),
    ("Nghị định 168/2024/NĐ-CP của Chính phủ có hiệu lực", "168/2024/NĐ-CP"),
    ("Chi bộ thực hiện Quy định 08-QĐi/TW về nêu gương", "08-QĐi/TW"),
    ("Quy định 144-QĐ/TW của Bộ Chính trị", "144-QĐ/TW"),
    ("Chỉ thị 05-CT/TW của Bộ Chính trị", "05-CT/TW"),
    ("Kết luận số 123-KL/TW của Ban Bí thư", "123-KL/TW"),
    ("Quyết định số 1847/QĐ-TTg của Thủ tướng Chính phủ", "1847/QĐ-TTg"),
    ("Luật Đầu tư công số 58/2024/QH15", "58/2024/QH15"),
])
def test_party_and_state_symbols_are_kept_as_printed(text, key):
    assert keys(text) == {key}


def test_a_short_form_later_in_the_article_takes_the_full_forms_key():
    text = (
        "Thực hiện Chỉ thị 05-CT/TW, các chi bộ đăng ký việc làm.\n\n"
        "Sau 8 năm, Chỉ thị 05 đã đi vào cuộc sống."
    )
    facts = derive_facts("Tổng kết Chỉ thị 05", None, text)
    assert [(s.field, m.document_key) for s, m in facts.documents] == [
        ("title", "05-CT/TW"), ("body", "05-CT/TW"), ("body", "05-CT/TW")]


def test_a_plenum_resolution_without_a_number_is_keyed_by_plenum_and_term():
    assert keys("triển khai Nghị quyết Trung ương 4 (khóa XII) về xây dựng Đảng") == {
        "Nghị quyết Trung ương 4 khóa XII"
    }
    assert keys("Nghị quyết Hội nghị lần thứ tám Ban Chấp hành Trung ương Đảng khóa XIII về bảo vệ Tổ quốc") \
        == {"Nghị quyết Trung ương 8 khóa XIII"}
    # The plenum without its term takes the term the article gives it elsewhere.
    assert keys(
        "Nghị quyết Trung ương 4 khóa XII được quán triệt. Việc thực hiện Nghị quyết Trung ương 4 tiến bộ."
    ) == {"Nghị quyết Trung ương 4 khóa XII"}


@pytest.mark.parametrize("text", [
    "Các chi bộ đã học tập nghị quyết và xây dựng chương trình hành động thực hiện Nghị quyết.",
    "Chỉ thị này được phổ biến đến từng đảng viên.",
    "Hội nghị Trung ương 4 khóa XIII đã thảo luận về công tác xây dựng Đảng.",
    "Nghị quyết Trung ương 4 đã đi vào cuộc sống.",  # no term anywhere: which one is not said
    "Nghị quyết 35 được tuyên truyền rộng rãi.",  # no symbol, no issuer in the article
    "Kỷ niệm (30-4-1975 - 30-4-2025), trực 24/24 giờ, nhiệm kỳ 2020 - 2025, Ban Chỉ đạo 35 Thành ủy TPHCM.",
])
def test_nothing_is_invented_for_a_document_the_text_does_not_identify(text):
    assert keys(text) == set()


# ---- officials -------------------------------------------------------------------------------
def test_positions_before_the_name_one_row_each():
    assert pairs(
        "Sáng 13-2, Ủy viên Trung ương Đảng, Bí thư Thành ủy Trương Quang Nghĩa chủ trì cuộc họp."
    ) == {("Trương Quang Nghĩa", "Ủy viên Trung ương Đảng"), ("Trương Quang Nghĩa", "Bí thư Thành ủy")}


def test_position_after_the_name_with_a_comma_and_the_honorific():
    facts = derive_facts(
        None, None, "Ông Võ Văn Thương, Trưởng Ban Tổ chức Thành ủy, cho biết, việc thực hiện"
    )
    assert [(m.name, m.position, m.honorific) for _, m in facts.officials] == [
        ("Võ Văn Thương", "Trưởng Ban Tổ chức Thành ủy", "ông")]


def test_positions_after_a_dash():
    assert pairs("đồng chí Nguyễn Văn Nên - Ủy viên Bộ Chính trị, Bí thư Thành ủy phát biểu.") == {
        ("Nguyễn Văn Nên", "Ủy viên Bộ Chính trị"), ("Nguyễn Văn Nên", "Bí thư Thành ủy")}


def test_position_in_parentheses():
    assert pairs("Bà Ngô Thị Lan (Chủ tịch Hội Liên hiệp Phụ nữ tỉnh) trao quà.") == {
        ("Ngô Thị Lan", "Chủ tịch Hội Liên hiệp Phụ nữ tỉnh")}


def test_an_abbreviated_later_mention_carries_the_position_given_first():
    facts = derive_facts(None, None, "Bí thư Thành ủy Trương Quang Nghĩa chủ trì.\n\n"
                                     "Bí thư Trương Quang Nghĩa đề nghị các cấp ủy rà soát.")
    assert [(m.name, m.position) for _, m in facts.officials] == [
        ("Trương Quang Nghĩa", "Bí thư Thành ủy")
    ] * 2


def test_a_list_gives_each_name_its_own_positions():
    text = ("Dự có các đồng chí: Lê Thị Hoa, Phó Bí thư Thành ủy; Trần Quốc Bảo, Phó Bí thư Thành ủy, "
            "Chủ tịch UBND thành phố; Phạm Minh Đức, Trưởng Ban Tuyên giáo Thành ủy.")
    assert pairs(text) == {("Lê Thị Hoa", "Phó Bí thư Thành ủy"), ("Trần Quốc Bảo", "Phó Bí thư Thành ủy"),
                           ("Trần Quốc Bảo", "Chủ tịch UBND thành phố"),
                           ("Phạm Minh Đức", "Trưởng Ban Tuyên giáo Thành ủy")}


def test_a_groups_positions_go_to_every_name_after_it():
    text = (
        "Dự có các Ủy viên Bộ Chính trị, Bí thư Trung ương Đảng: Vũ Đức Hạnh, Đỗ Minh Khoa và Hồ Thanh Sơn."
    )
    assert pairs(text) == {(name, position) for name in ("Vũ Đức Hạnh", "Đỗ Minh Khoa", "Hồ Thanh Sơn")
                           for position in ("Ủy viên Bộ Chính trị", "Bí thư Trung ương Đảng")}


def test_the_byline_is_not_an_official():
    assert pairs("Bí thư Thành ủy chủ trì hội nghị.\n\nNGÔ HUYỀN") == set()
    assert derive_facts("Tin", None, "Nội dung.\n\nTRẦN MINH").officials == []


@pytest.mark.parametrize("text", [
    "Chủ tịch Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh phát biểu chào mừng.",
    "Phó Bí thư Thường trực Quận ủy đề nghị các cấp ủy kiểm tra.",
    "Theo Bí thư Thành ủy, Ban Tuyên giáo Thành ủy cần xây dựng chương trình.",
    "Bí thư Nguyễn Văn An đề nghị các chi bộ rà soát.",  # a title without its body, never given in full
    "Ông Lê Văn Sáu ở thôn 3 chia sẻ niềm vui.",  # a person without a position
])
def test_a_position_word_never_becomes_a_name_and_nothing_is_guessed(text):
    assert pairs(text) == set()


def test_a_place_named_like_a_person_stays_part_of_the_position():
    assert pairs("Bí thư Huyện ủy Võ Nhai Dương Văn Tùng kiểm tra.") == {
        ("Dương Văn Tùng", "Bí thư Huyện ủy Võ Nhai")
    }
    assert pairs("Bí thư Thành ủy Thành phố Hồ Chí Minh Lê Minh Trí chủ trì.") == {
        ("Lê Minh Trí", "Bí thư Thành ủy Thành phố Hồ Chí Minh")}


def test_names_are_nfc_as_printed():
    import unicodedata

    facts = derive_facts(
        None, None, unicodedata.normalize("NFD", "Ông Võ Văn Thương, Trưởng Ban Tổ chức Thành ủy, nói.")
    )
    assert facts.name_positions() == {("Võ Văn Thương", "Trưởng Ban Tổ chức Thành ủy")}


def test_chains_of_several_people_in_one_sentence_and_middle_names_that_are_body_words():
    text = (
        "Ủy viên dự khuyết Trung ương Đảng, Phó Bí thư Thường trực Thành ủy, Chủ tịch HĐND thành phố"
        " Lương Nguyễn Minh Hải; Phó Bí thư Thành ủy, Chủ tịch UBND thành phố Lê Trung Kiên đồng chủ trì."
    )
    assert pairs(text) == {
        ("Lương Nguyễn Minh Hải", "Ủy viên dự khuyết Trung ương Đảng"),
        ("Lương Nguyễn Minh Hải", "Phó Bí thư Thường trực Thành ủy"),
        ("Lương Nguyễn Minh Hải", "Chủ tịch HĐND thành phố"),
        ("Lê Trung Kiên", "Phó Bí thư Thành ủy"),
        ("Lê Trung Kiên", "Chủ tịch UBND thành phố"),
    }


def test_bodies_written_out_in_full():
    text = (
        "có đồng chí Đỗ Thành Nam - Bí thư Tỉnh ủy, Chủ tịch Hội đồng nhân dân tỉnh; đồng chí Vũ Văn Khải -"
        " Trưởng đoàn đại biểu Quốc hội tỉnh. Ông Đoàn Minh Hiếu, "
        "Phó Giám đốc Sở Kế hoạch và Đầu tư phát biểu."
    )
    assert pairs(text) == {
        ("Đỗ Thành Nam", "Bí thư Tỉnh ủy"),
        ("Đỗ Thành Nam", "Chủ tịch Hội đồng nhân dân tỉnh"),
        ("Vũ Văn Khải", "Trưởng đoàn đại biểu Quốc hội tỉnh"),
        ("Đoàn Minh Hiếu", "Phó Giám đốc Sở Kế hoạch và Đầu tư"),
    }


def test_a_former_position_is_kept_as_printed_never_read_as_a_current_one():
    assert pairs(
        "Dự lễ có đồng chí Nguyễn Văn Lợi, nguyên Bí thư Tỉnh ủy; nguyên Chủ tịch UBND tỉnh Trần Văn Tư."
    ) == {("Nguyễn Văn Lợi", "nguyên Bí thư Tỉnh ủy"), ("Trần Văn Tư", "nguyên Chủ tịch UBND tỉnh")}


def test_ethnic_minority_family_names_and_districts_named_like_people():
    text = ("Đồng chí Giàng Seo Phử, Phó Bí thư Tỉnh ủy, dự hội nghị. Bí thư Huyện ủy Vũ Thư phát biểu."
            " PGS.TS Thạch Phước Bình, Giám đốc Học viện Chính trị khu vực IV, trình bày tham luận.")
    assert pairs(text) == {("Giàng Seo Phử", "Phó Bí thư Tỉnh ủy"),
                           ("Thạch Phước Bình", "Giám đốc Học viện Chính trị khu vực IV")}
