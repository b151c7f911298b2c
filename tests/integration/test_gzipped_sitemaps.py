"""Gzipped sitemaps (issue 17, item 4): a `.xml.gz` sitemap served as application/x-gzip or
application/octet-stream is read as Scrapy's SitemapSpider reads it (gunzip with a size bound), and an
index the spider cannot read is an index error in the run's figures, with its reason in the log.
Real crawl, real server on 127.0.0.1, real database."""

from __future__ import annotations

import gzip

import pytest

from portalnews import jobs
from portalnews.spiders import discovery
from tests.support.database import query
from tests.support.hostile_site import HostileSite

SLUGS = ["nen-x-gzip-1", "nen-x-gzip-2", "nen-octet-3"]


def _urlset(locs: list[str]) -> bytes:
    urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>").encode()


def test_gzipped_sitemaps_of_either_content_type_are_read_and_a_broken_one_is_an_index_error(
    db_url, tmp_path
):
    site = HostileSite(tmp_path, "nen")
    for slug in SLUGS:
        site.article(slug)
    # {{ORIGIN}} is not replaced inside a gzip body: the locs name the site's origin once it is known.
    site.write("sitemap-a.xml.gz", b"").write("sitemap-b.xml.gz", b"").write(
        "hong.xml.gz", b"\x1f\x8bnot gzip at all"
    )
    site.start_paths += ["/sitemap-a.xml.gz", "/sitemap-b.xml.gz", "/hong.xml.gz"]
    site.routes.append('[[route]]\npath = "/sitemap-b.xml.gz"\nfile = "www/sitemap-b.xml.gz"\n'
                       'content_type = "application/octet-stream"\n')
    served = site.serve()
    try:
        article = served.url("/bai-viet/{}.html").format
        site.write("sitemap-a.xml.gz", gzip.compress(_urlset([article(SLUGS[0]), article(SLUGS[1])])))
        site.write("sitemap-b.xml.gz", gzip.compress(_urlset([article(SLUGS[2])])))
        lines: list[str] = []
        summary = jobs.run_portal(db_url, served.portal, [served.registry_file], on_line=lines.append)
    finally:
        served.stop()
    stored = [r["url"] for r in query(db_url, "SELECT url FROM raw_pages ORDER BY url")]
    assert stored == sorted(article(slug) for slug in SLUGS)
    assert summary["crawl"]["index_errors"] == 1
    (logged,) = [line for line in lines if "hong.xml.gz unreadable" in line]
    assert "gzipped sitemap cannot be uncompressed" in logged


def test_a_gzipped_sitemap_over_the_size_bound_is_refused_not_inflated():
    bomb = gzip.compress(_urlset([f"http://127.0.0.1:9/bai-viet/a-{n}.html" for n in range(2000)]))
    assert len(discovery.discover(bomb, "http://127.0.0.1:9/s.xml.gz").article_links) == 2000
    with pytest.raises(discovery.UnreadableIndex, match="over 10000 bytes once uncompressed"):
        discovery.discover(bomb, "http://127.0.0.1:9/s.xml.gz", max_size=10000)


@pytest.mark.parametrize(
    ("body", "why"), [(b"", "not XML"), (b"<html><body>x</body></html>", "its root element is <html>")]
)
def test_a_sitemap_that_is_not_one_says_why(body, why):
    with pytest.raises(discovery.UnreadableIndex, match=why):
        discovery.from_sitemap(body)


def test_an_xml_index_that_is_neither_sitemap_nor_feed_says_why():
    with pytest.raises(discovery.UnreadableIndex, match="not an RSS/Atom feed"):
        discovery.discover(b'<?xml version="1.0"?><error>quota exceeded</error>', "http://127.0.0.1:9/rss.xml",
                           "application/xml")
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Tin</title></channel></rss>'
    # empty, not unreadable
    assert discovery.discover(empty, "http://127.0.0.1:9/rss.xml").article_links == []
