"""The article's category: article:section, JSON-LD articleSection, the breadcrumb (HTML or JSON-LD)."""

from __future__ import annotations

from portalnews.extraction import extract_article

PROSE = "".join(
    f"<p>Đoạn {i}: Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai kế hoạch phát triển kinh tế xã hội năm "
    "nay.</p>"
    for i in range(3)
)
TITLE = "Triển khai kế hoạch phát triển kinh tế"


def _category(head: str = "", before: str = "") -> str | None:
    html = (f"<html><head><title>{TITLE}</title>{head}</head><body>{before}"
            f"<article><h1>{TITLE}</h1>{PROSE}</article></body></html>")
    return extract_article(html, "https://tinh.example.vn/tin/1").category


def test_article_section_meta_is_the_category():
    assert _category('<meta property="article:section" content="Kinh tế">') == "Kinh tế"


def test_json_ld_article_section_is_the_category():
    ld = '{"@context":"https://schema.org","@type":"NewsArticle","articleSection":["Xây dựng Đảng"]}'
    assert _category(f'<script type="application/ld+json">{ld}</script>') == "Xây dựng Đảng"


def test_the_last_breadcrumb_that_is_not_home_nor_the_article_is_the_category():
    crumbs = (
        f'<ol class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="/tin">Tin tức</a></li>'
        f'<li><a href="/tin/kinh-te">Kinh tế - Xã hội</a></li><li><a href="/tin/1">{TITLE}</a></li></ol>'
    )
    assert _category(before=crumbs) == "Kinh tế - Xã hội"


def test_json_ld_breadcrumb_list_when_the_page_shows_none():
    ld = (
        '{"@context":"https://schema.org","@type":"BreadcrumbList","itemListElement":['
        '{"@type":"ListItem","position":2,"item":{"@id":"/tin/quoc-phong","name":"Quốc phòng &amp; '
        'An ninh"}},'
        '{"@type":"ListItem","position":1,"item":{"@id":"/","name":"Trang chủ"}}]}'
    )
    # JSON-LD text is still markup: its entities are decoded once
    assert _category(f'<script type="application/ld+json">{ld}</script>') == "Quốc phòng & An ninh"
