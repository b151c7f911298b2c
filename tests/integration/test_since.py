"""`--since` on sitemaps and feeds: a link whose date (sitemap lastmod, news sitemap publication date,
RSS/Atom date) is before the day given is not fetched; dates are compared as instants, so a UTC
lastmod late on the 31st is already the 1st in Vietnam."""

from __future__ import annotations

from datetime import datetime

from portalnews import jobs
from portalnews.mirror import SiteMirror
from portalnews.registry import load_registry
from portalnews.spiders import discovery
from portalnews.vietnamese.dates import VIETNAM

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{{ORIGIN}}/news/a-1.html</loc><lastmod>2025-06-01T08:00:00+07:00</lastmod></url>
<url><loc>{{ORIGIN}}/news/a-2.html</loc><lastmod>2025-05-31</lastmod></url>
<url><loc>{{ORIGIN}}/news/a-3.html</loc><lastmod>2024-12-31T20:00:00Z</lastmod></url>
<url><loc>{{ORIGIN}}/news/a-4.html</loc><lastmod>2025-05-31T17:30:00Z</lastmod></url>
</urlset>
"""
NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{{ORIGIN}}/news/n-1.html</loc><news:news><news:publication>
  <news:name>Đảng bộ tỉnh</news:name><news:language>vi</news:language></news:publication>
  <news:publication_date>2025-06-02T09:00:00+07:00</news:publication_date><news:title>Tin mới</news:title></news:news></url>
<url><loc>{{ORIGIN}}/news/n-2.html</loc><lastmod>2025-06-10T10:00:00+07:00</lastmod><news:news>
  <news:publication_date>2025-05-20T10:00:00+07:00</news:publication_date><news:title>Tin cũ, sửa sau</news:title></news:news></url>
</urlset>
"""  # noqa: E501 (test data, kept as served)
RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tin tức</title>
<item><title>Mới</title><link>{{ORIGIN}}/news/r-1.html</link><pubDate>Mon, 02 Jun 2025 08:00:00 +0700</pubDate></item>
<item><title>Cũ</title><link>{{ORIGIN}}/news/r-2.html</link><pubDate>Fri, 30 May 2025 23:59:00 +0700</pubDate></item>
</channel></rss>
"""  # noqa: E501 (test data, kept as served)
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Tin tức</title><id>urn:x</id><updated>2025-06-03T00:00:00Z</updated>
<entry><title>Mới</title><id>urn:t1</id><link href="{{ORIGIN}}/news/t-1.html"/><updated>2025-06-03T00:00:00Z</updated></entry>
<entry><title>Cũ</title><id>urn:t2</id><link href="{{ORIGIN}}/news/t-2.html"/><updated>2025-04-01T00:00:00+07:00</updated></entry>
</feed>
"""  # noqa: E501 (test data, kept as served)
ARTICLES = ["a-1", "a-2", "a-3", "a-4", "n-1", "n-2", "r-1", "r-2", "t-1", "t-2"]
NEWER_THAN_JUNE_1 = ["a-1", "a-4", "n-1", "r-1", "t-1"]


def dated_site(directory):
    www = directory / "www"
    (www / "news").mkdir(parents=True)
    (www / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    for name, text in [("sitemap.xml", SITEMAP), ("sitemap-news.xml", NEWS_SITEMAP), ("rss.xml", RSS),
                       ("atom.xml", ATOM)]:
        (www / name).write_text(text, encoding="utf-8")
    for name in ARTICLES:
        (www / "news" / f"{name}.html").write_text(
            f"<html><head><title>Bài {name}</title></head><body><h1>Bài {name}</h1><p>Nội "
            "dung.</p></body></html>",
            encoding="utf-8",
        )
    starts = ", ".join(
        f'"{{{{ORIGIN}}}}/{n}"' for n in ("sitemap.xml", "sitemap-news.xml", "rss.xml", "atom.xml")
    )
    (directory / "portal.toml").write_text(
        '[[portal]]\nid = "fx_dated"\nname = "Dated indexes"\nbase_url = "{{ORIGIN}}/"\n'
        f"start_urls = [{starts}]\n" r"article_url_pattern = '/news/[a-z]-\d\.html$'" "\n"
        "settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false }\n", encoding="utf-8")
    return directory


def test_a_backfill_since_a_day_fetches_only_sitemap_and_feed_links_dated_from_that_day(tmp_path, db_url):
    with SiteMirror(dated_site(tmp_path / "site")) as mirror:
        registry = tmp_path / "dated.toml"
        registry.write_text(mirror.registry_text(), encoding="utf-8")
        (portal,) = load_registry([registry], include_builtin=False).values()

        crawl = jobs.crawl(db_url, portal, None, [registry], backfill=True, since="2025-06-01")

        fetched = sorted(path.removeprefix("/news/").removesuffix(".html")
                         for _, path, _ in mirror.requested(lambda p: p.startswith("/news/")))
    assert fetched == NEWER_THAN_JUNE_1
    assert crawl["article_links_found"] == len(ARTICLES)


def test_sitemap_and_feed_links_carry_their_dates_as_instants():
    june_1 = datetime(2025, 6, 1, tzinfo=VIETNAM)
    sitemap = discovery.from_sitemap(SITEMAP.replace("{{ORIGIN}}", "https://tinh.dcs.vn").encode())
    news = discovery.from_sitemap(NEWS_SITEMAP.replace("{{ORIGIN}}", "https://tinh.dcs.vn").encode())
    rss = discovery.from_feed(RSS.replace("{{ORIGIN}}", "https://tinh.dcs.vn").encode(), "https://tinh.dcs.vn/")
    atom = discovery.from_feed(ATOM.replace("{{ORIGIN}}", "https://tinh.dcs.vn").encode(), "https://tinh.dcs.vn/")

    dates = {url.rsplit("/", 1)[1].removesuffix(".html"): discovery.newest_date(context)
             for found in (sitemap, news, rss, atom) for url, context in found.article_links}

    assert dates["a-1"] == datetime(2025, 6, 1, 8, 0, tzinfo=VIETNAM)
    assert dates["a-2"] == datetime(2025, 5, 31, tzinfo=VIETNAM)  # a date alone: that day in Vietnam
    assert dates["a-4"] == datetime(2025, 6, 1, 0, 30, tzinfo=VIETNAM)  # 17:30 UTC is 00:30 next day
    assert dates["n-2"] == datetime(2025, 5, 20, 10, 0, tzinfo=VIETNAM)  # published date, not lastmod
    assert dates["r-1"] == datetime(2025, 6, 2, 8, 0, tzinfo=VIETNAM)
    assert dates["t-2"] == datetime(2025, 4, 1, tzinfo=VIETNAM)
    assert sorted(name for name, when in dates.items() if when >= june_1) == NEWER_THAN_JUNE_1


def test_listing_cards_keep_their_vietnamese_day_first_dates():
    assert discovery.newest_date("Hội nghị Tỉnh ủy lần thứ 25 04:49 13/05/2025") == \
        datetime(2025, 5, 13, 4, 49, tzinfo=VIETNAM)
