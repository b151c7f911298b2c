"""Discovery reads every index a portal offers: sitemap indexes, (gzipped) sitemaps and news
sitemaps, RSS and Atom feeds, robots.txt Sitemap: lines, feed autodiscovery and pagination links."""

from __future__ import annotations

import gzip

from portalnews.spiders import discovery

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://tinh.dcs.vn/sitemap-vi.news.xml</loc></sitemap>
  <sitemap><loc>https://tinh.dcs.vn/sitemap-vi.page.xml</loc></sitemap>
</sitemapindex>"""

NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://tinh.dcs.vn/news/thoi-su/hoi-nghi-1842.html</loc><lastmod>2025-05-13T04:49:00+07:00</lastmod>
    <news:news><news:publication><news:name>Tỉnh ủy</news:name><news:language>vi</news:language></news:publication>
    <news:publication_date>2025-05-13T04:49:00+07:00</news:publication_date><news:title>Hội nghị</news:title></news:news></url>
</urlset>""".encode()  # noqa: E501 (test data, kept as served)

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Tin mới</title>
<item><title>Bài một</title><link>https://hcmcpv.org.vn/tin-tuc/bai-mot-1491881281</link>
<pubDate>Thu, 13 Feb 2020 02:06:00 GMT</pubDate></item></channel></rss>""".encode()

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>a</title><link href="/tin-tuc/bai-hai-1491881282"/><updated>2020-02-13T09:06:00+07:00</updated></entry></feed>"""  # noqa: E501 (test data, kept as served)


def test_a_sitemap_index_points_to_its_sitemaps():
    found = discovery.from_sitemap(SITEMAP_INDEX)
    assert found.kind == "sitemap-index"
    assert found.indexes == ["https://tinh.dcs.vn/sitemap-vi.news.xml", "https://tinh.dcs.vn/sitemap-vi.page.xml"]


def test_a_gzipped_news_sitemap_yields_its_article_urls_with_lastmod():
    body = gzip.compress(NEWS_SITEMAP)
    assert discovery.sniff(body) == "gzip"
    found = discovery.from_sitemap(body)
    assert found.article_links == [
        ("https://tinh.dcs.vn/news/thoi-su/hoi-nghi-1842.html", "2025-05-13T04:49:00+07:00")
    ]


def test_rss_and_atom_feeds_yield_absolute_article_links():
    assert discovery.sniff(RSS) == "feed" and discovery.sniff(ATOM) == "feed"
    assert [u for u, _ in discovery.from_feed(RSS, "https://hcmcpv.org.vn/rss").article_links] == [
        "https://hcmcpv.org.vn/tin-tuc/bai-mot-1491881281"]
    assert [u for u, _ in discovery.from_feed(ATOM, "https://hcmcpv.org.vn/feed.atom").article_links] == [
        "https://hcmcpv.org.vn/tin-tuc/bai-hai-1491881282"]


def test_robots_txt_sitemap_lines_are_indexes_to_read():
    robots = b"User-agent: *\nDisallow: /admin/\nSitemap: https://tinh.dcs.vn/sitemap.xml\n"
    assert discovery.from_robots(robots, "https://tinh.dcs.vn/robots.txt").indexes == ["https://tinh.dcs.vn/sitemap.xml"]


def test_an_html_page_advertises_feeds_and_pagination_and_lists_links_with_their_dates():
    html = """<html><head><link rel="alternate" type="application/rss+xml" href="/rss/tin-moi.rss"></head><body>
    <ul><li><a href="/tin-tuc/bai-mot-1491881281">Bài một</a> <span>13/02/2020 09:06</span></li></ul>
    <div class="paging"><a href="?page=1">1</a> <a href="?page=2">2</a> <a href="/nhom-tin/thoi-su-1?page=2">Trang sau ›</a></div>
    </body></html>"""  # noqa: E501 (test data, kept as served)
    found = discovery.from_html(html, "https://hcmcpv.org.vn/nhom-tin/thoi-su-1")
    assert found.indexes == ["https://hcmcpv.org.vn/rss/tin-moi.rss"]
    assert "https://hcmcpv.org.vn/nhom-tin/thoi-su-1?page=2" in found.follow
    link, context = found.article_links[0]
    assert link == "https://hcmcpv.org.vn/tin-tuc/bai-mot-1491881281"
    assert discovery.newest_date(context).isoformat() == "2020-02-13T09:06:00+07:00"


def test_twenty_thousand_links_in_one_div_all_get_the_div_s_leading_text_as_context():
    # The page of issue 17, ten times over: every link in one <div>, each card with its date.
    cards = "".join(
        f'<a href="/bai-viet/bai-{n}-{n}.html">Bài {n}</a> <span>02/05/2025</span>' for n in range(20000)
    )
    found = discovery.from_html(f"<html><body><div>{cards}</div></body></html>", "http://127.0.0.1:9/")
    assert len(found.article_links) == 20000
    (context,) = {context for _, context in found.article_links}
    assert context.startswith("Bài 0 02/05/2025 Bài 1 02/05/2025") and len(context) == 300


def test_each_card_s_own_text_is_its_link_s_context_and_a_bare_link_has_its_own_label():
    html = ('<html><body><ul><li><a href="/a-1.html">Hội nghị A</a> <i>03/05/2025</i></li>'
            '<li><a href="/b-2.html">Hội nghị B</a>\n\n  <i>04/05/2025</i></li></ul>'
            '<a href="/c-3.html">  Tin   C </a></body></html>')
    found = discovery.from_html(html, "http://127.0.0.1:9/")
    assert found.article_links == [("http://127.0.0.1:9/a-1.html", "Hội nghị A 03/05/2025"),
                                   ("http://127.0.0.1:9/b-2.html", "Hội nghị B 04/05/2025"),
                                   ("http://127.0.0.1:9/c-3.html", "Tin C")]
