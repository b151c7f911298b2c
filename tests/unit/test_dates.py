"""Vietnamese dates: every form the portals print, labels, and dates that must never be taken."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portalnews.extraction import extract_article
from portalnews.vietnamese.dates import VIETNAM, find_dates, not_in_future, parse_datetime, parse_iso


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VIETNAM)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Đăng ngày 13-02-2020 09:06", at(2020, 2, 13, 9, 6)),
        ("Thứ Năm, 13/02/2020 09:06", at(2020, 2, 13, 9, 6)),
        ("13/02/2020 - 09:06", at(2020, 2, 13, 9, 6)),
        ("04:35 15/03/2016", at(2016, 3, 15, 4, 35)),
        ("Thứ ba - 13/05/2025 04:49", at(2025, 5, 13, 4, 49)),
        ("Cập nhật: 13/02/2020", at(2020, 2, 13)),
        ("ngày 13 tháng 2 năm 2020", at(2020, 2, 13)),
        ("Hà Tĩnh, ngày 13 tháng 2 năm 2020", at(2020, 2, 13)),
        ("09h06 13/02/2020", at(2020, 2, 13, 9, 6)),
        ("09:06 ngày 13 tháng 2 năm 2020", at(2020, 2, 13, 9, 6)),
        ("15:20, ngày 14/02/2020", at(2020, 2, 14, 15, 20)),
        ("13.02.2020 lúc 9:06", at(2020, 2, 13, 9, 6)),
        ("2:15 PM 13/02/2020", at(2020, 2, 13, 14, 15)),
    ],
)
def test_every_portal_date_form_parses_day_first_in_vietnam_time(text, expected):
    assert parse_datetime(text) == expected


def test_day_comes_before_month():
    assert parse_datetime("03/02/2020") == at(2020, 2, 3)


def test_impossible_dates_are_ignored():
    assert find_dates("31/02/2020") == []


def test_a_date_without_a_time_is_midnight_and_says_so():
    (found,) = find_dates("ngày 13 tháng 2 năm 2020")
    assert found.value == at(2020, 2, 13) and not found.has_time


def test_published_and_modified_labels_are_told_apart():
    found = find_dates("Đăng ngày 31-01-2020 15:10 | Cập nhật ngày 01-02-2020 08:00")
    assert [(f.value, f.label) for f in found] == [
        (at(2020, 1, 31, 15, 10), "published"),
        (at(2020, 2, 1, 8, 0), "modified"),
    ]


def test_an_unlabelled_date_next_to_a_modified_one_stays_unlabelled():
    found = find_dates("Thứ Năm, 13/02/2020 09:06 Cập nhật: 14/02/2020 10:15")
    assert [f.label for f in found] == [None, "modified"]


def test_iso_dates_from_metadata_are_read_and_naive_ones_are_vietnam_time():
    assert parse_iso("2025-05-13T04:49:00+07:00") == at(2025, 5, 13, 4, 49)
    assert parse_iso("2020-02-13T02:06:00Z") == at(2020, 2, 13, 9, 6)
    assert parse_iso("2020-02-13 09:06") == at(2020, 2, 13, 9, 6)
    assert parse_iso("13/02/2020") is None


def test_an_iso_date_in_the_basic_form_is_read_with_its_offset():
    # JSON-LD "datePublished": "20180619T055000+0900" under a page showing 2018/6/19 5:50
    value = parse_iso("20180619T055000+0900")
    assert value is not None and value.date().isoformat() == "2018-06-19"
    assert value == at(2018, 6, 19, 3, 50)
    assert parse_iso("20180619T0550") == at(2018, 6, 19, 5, 50)  # naive: Vietnam time
    assert parse_iso("20180619") is None  # eight digits alone may be anything (an id, a count)


def test_future_dates_are_dropped():
    now = at(2020, 2, 13, 12, 0)
    assert not_in_future(at(2030, 12, 25), now=now) is None
    assert not_in_future(at(2020, 2, 13, 9, 6), now=now) == at(2020, 2, 13, 9, 6)
    assert not_in_future(now + timedelta(hours=20), now=now) is not None  # time-zone slack


PAGE = """<html><head><title>{title} - Đảng bộ tỉnh</title>{meta}</head><body>
<div class="top"><span class="today">Thứ Hai, 02/03/2020</span></div>
<h1 class="site">ĐẢNG BỘ TỈNH</h1>
<div class="detail"><h2 class="title">{title}</h2>
<div class="date">{date}</div>
<div class="content">
<p>Sáng 13-2, tại trụ sở Tỉnh ủy, Ban Thường vụ Tỉnh ủy tổ chức hội nghị sơ kết công tác quý I, kỷ niệm 90 năm
Ngày thành lập Đảng (3-2-1930 - 3-2-2020) và triển khai nhiệm vụ trọng tâm thời gian tới.</p>
<p>Các đại biểu thảo luận, thống nhất nhiều giải pháp để hoàn thành các chỉ tiêu đã đề ra trong năm,
nhất là công tác chuẩn bị đại hội đảng bộ các cấp nhiệm kỳ 2020 - 2025 theo đúng kế hoạch.</p>
<p>Hội nghị cũng cho ý kiến vào dự thảo báo cáo chính trị trình đại hội và phương án nhân sự cấp ủy khóa mới.</p>
</div></div>
<div class="sidebar"><h3>Tin mới</h3><ul><li><a href="/a">Tin khác</a> (20/02/2020 08:00)</li></ul>
<p>Lịch công tác: hội nghị ngày 25/12/2030.</p></div>
</body></html>"""  # noqa: E501 (test data, kept as served)


def _page(date: str, meta: str = "") -> str:
    return PAGE.format(title="Ban Thường vụ Tỉnh ủy sơ kết công tác quý I", date=date, meta=meta)


def test_the_date_line_under_the_title_wins_over_header_sidebar_and_prose_dates():
    article = extract_article(_page("Đăng ngày 13-02-2020 09:06"))
    assert article.published_at == at(2020, 2, 13, 9, 6)
    assert article.modified_at is None


def test_the_modified_date_is_kept_separately():
    article = extract_article(_page("13/02/2020 - 09:06 | Cập nhật: 14/02/2020 10:15"))
    assert article.published_at == at(2020, 2, 13, 9, 6)
    assert article.modified_at == at(2020, 2, 14, 10, 15)


def test_the_date_line_is_not_part_of_the_body():
    article = extract_article(_page("Đăng ngày 13-02-2020 09:06"))
    assert "Đăng ngày" not in article.body


def test_metadata_published_time_with_a_time_is_used():
    meta = '<meta property="article:published_time" content="2020-02-13T09:06:00+07:00">'
    article = extract_article(_page("", meta))
    assert article.published_at == at(2020, 2, 13, 9, 6)


def test_a_future_published_date_is_never_stored():
    article = extract_article(_page("Đăng ngày 13-02-2099 09:06"))
    assert article.published_at is None or article.published_at.year < 2099


def test_dates_in_urls_and_image_names_are_not_the_published_date():
    page = _page("Thứ Năm, 13/02/2020 09:06").replace(
        '<div class="content">',
        '<div class="content"><p><img src="/res/news/2020/02/12-02-2020-anh.jpg"></p>',
    )
    article = extract_article(page, "https://example.vn/2019/01/01/tin-tuc-1491881281")
    assert article.published_at == at(2020, 2, 13, 9, 6)


ENGLISH_BODY = ("<p>The council met on Tuesday to discuss the quarterly report and the budget for the coming "
                "year, and members asked for more time before the final vote on the new transport plan.</p>"
                "<p>The vote is now planned for next month, after a public hearing in the town hall where "
                "residents can put their questions to the members of the council and to the mayor.</p>")


def _general_page(before_title: str = "", in_article: str = "", after_article: str = "") -> str:
    return (f"<html><head><title>Council vote</title></head><body><main>{before_title}<h1>Council vote</h1>"
            f"<article>{ENGLISH_BODY}{in_article}</article>{after_article}</main></body></html>")


def test_a_declared_time_keeps_the_pages_offset_so_its_day_is_the_day_the_page_shows():
    # "Publié le 9 juin 2019" over <time datetime="2019-06-09T17:00:00Z">: 10 June in Vietnam time
    value = parse_iso("2019-06-09T17:00:00Z")
    assert value.date().isoformat() == "2019-06-09" and value == at(2019, 6, 10, 0, 0)
    shown = '<p><time datetime="2019-06-09T17:00:00Z">9 juin 2019</time></p>'
    article = extract_article(_general_page(shown))
    assert article.published_at.date().isoformat() == "2019-06-09"


def test_the_time_of_a_quoted_post_or_of_a_sidebar_teaser_is_not_the_articles():
    sidebar = ('<aside><ul><li><a href="/b">Another story</a> '
               '<time datetime="2019-07-30">30 juil. 2019</time></li></ul></aside>')
    quoted = ('<blockquote class="instagram-media"><p>A post <time datetime="2018-03-12T19:30:12+00:00">'
              "Mar 12, 2018</time></p></blockquote>")
    own = '<p>Posted <time datetime="2019-01-29T10:00:00+01:00">29 January 2019</time></p>'
    page = _general_page(in_article=quoted + own).replace("<main>", f"{sidebar}<main>")
    assert extract_article(page).published_at == at(2019, 1, 29, 16, 0)  # 10:00 at +01:00


def test_a_two_digit_year_date_above_the_title_is_found_by_htmldates_extensive_search():
    article = extract_article(_general_page(before_title="<p>In the media</p><p>02.12.19</p>"))
    assert article.published_at.date().isoformat() == "2019-12-02"


def test_a_slashed_date_is_month_first_only_on_a_page_declaring_a_us_locale():
    page = _general_page().replace("</h1>", "</h1><p>Posted 03/12/2019 10:30 AM</p>")
    us_page = page.replace("<html>", '<html lang="en-US">')
    assert extract_article(us_page).published_at == at(2019, 3, 12, 10, 30)
    og_locale = page.replace("<head>", '<head><meta property="og:locale" content="en_US">')
    assert extract_article(og_locale).published_at == at(2019, 3, 12, 10, 30)
    british = page.replace("<html>", '<html lang="en-GB">')
    assert extract_article(british).published_at == at(2019, 12, 3, 10, 30)
    assert extract_article(page).published_at == at(2019, 12, 3, 10, 30)


def test_a_us_date_whose_day_is_over_twelve_is_read_and_dotted_dates_stay_day_first():
    assert [f.value for f in find_dates("12/25/2019 08:00", month_first=True)] == [at(2019, 12, 25, 8, 0)]
    assert find_dates("12/25/2019 08:00") == []  # day-first: there is no 25th month
    assert [f.value for f in find_dates("03.12.2019", month_first=True)] == [at(2019, 12, 3)]
