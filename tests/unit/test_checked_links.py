"""A crawl checks and canonicalises an article link once, however many listing pages repeat it (sidebars,
menus), within a bound; links it refuses or that lead off the site are never remembered."""

from __future__ import annotations

from pathlib import Path

from portalnews.spiders import checked_links
from portalnews.spiders.check import PortalCheckSpider
from portalnews.spiders.checked_links import CheckedLinks

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "sites" / "nukeviet_province"


def spider(tmp_path: Path) -> PortalCheckSpider:
    registry = tmp_path / "portal.toml"
    registry.write_text((SITE / "portal.toml").read_text(encoding="utf-8").replace("{{ORIGIN}}",
                                                                                  "https://tinh.example"),
                        encoding="utf-8")
    return PortalCheckSpider("fx_nukeviet", str(registry))


def test_a_repeated_article_link_is_canonicalised_once(tmp_path, monkeypatch):
    crawl = spider(tmp_path)
    computed: list[str] = []
    canonical_url = checked_links.canonical_url
    monkeypatch.setattr(checked_links, "canonical_url",
                        lambda url, portal: (computed.append(url), canonical_url(url, portal))[1])
    link = "http://tinh.example/news/thoi-su/hoi-nghi-1842.html?utm_source=zalo"

    first = [crawl.article_link(link, "https://tinh.example/news/thoi-su/") for _ in range(3)]

    assert first == ["https://tinh.example/news/thoi-su/hoi-nghi-1842.html"] * 3
    assert computed == [link]
    assert crawl.article_link("https://elsewhere.example/news/thoi-su/a-1.html", "x") is None
    assert crawl.article_link("https://tinh.example/gioi-thieu/", "x") is None  # not an article
    assert list(crawl.article_link.canonical) == [link]


def test_the_remembered_links_are_bounded(tmp_path):
    crawl = spider(tmp_path)
    crawl.article_link = CheckedLinks(crawl, bound=2)
    links = [f"https://tinh.example/news/thoi-su/bai-{n}.html" for n in (1, 2, 1, 3)]

    for link in links:
        crawl.article_link(link, "https://tinh.example/news/thoi-su/")

    assert list(crawl.article_link.canonical) == [links[1], links[3]]  # bai-1, the oldest, went first
