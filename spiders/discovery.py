"""Finding article links in whatever an index turns out to be: sitemap, RSS/Atom feed or HTML page.

An *index* is any page that lists articles: a start URL, a listing page, a feed, a sitemap. Pure
functions over a response body, so they are tested without a crawl; `discover` is the one dispatch
both spiders (the crawl and `portalnews check`) use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from io import BytesIO
from urllib.parse import urljoin

import feedparser
import lxml.etree
from parsel import Selector
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from portalnews.vietnamese.dates import VIETNAM, find_dates

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
NEXT_TEXT = re.compile(r"^(?:trang\s+)?(?:sau|tiếp(?:\s+theo)?|kế\s+tiếp|next|»|›|>|>>|»»)$", re.IGNORECASE)
PAGE_PARAM = re.compile(r"(?:[?&](?:page|p|trang|cur|pageindex|pagenumber|_cur)=\d+|/(?:page|trang)-?\d+/?$|/\d+\.html?$)", re.I)


@dataclass
class Discovered:
    kind: str  # "sitemap-index", "sitemap", "feed", "html", "robots", "unknown"
    article_links: list[tuple[str, str | None]] = field(default_factory=list)  # (url, nearby text)
    follow: list[str] = field(default_factory=list)  # listing/pagination pages to visit
    indexes: list[str] = field(default_factory=list)  # sitemaps and feeds to read
    lastmods: dict[str, str] = field(default_factory=dict)  # from sitemaps: url -> lastmod


def sniff(body: bytes, content_type: str = "") -> str:
    head = body[:2048].lstrip().lower()
    if body[:2] == b"\x1f\x8b":
        return "gzip"
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    if "xml" in content_type and b"<html" not in head:
        return "sitemap" if b"<url" in head else "feed"
    return "html"


def discover(body: bytes, url: str, content_type: str = "", encoding: str = "utf-8") -> Discovered:
    """Links found in one fetched index, whatever its kind."""
    kind = sniff(body, content_type)
    if kind in ("sitemap", "gzip"):
        return from_sitemap(body)
    if kind == "feed":
        return from_feed(body, url)
    return from_html(body, url, encoding)


def from_robots(text: bytes, base_url: str) -> Discovered:
    return Discovered("robots", indexes=list(sitemap_urls_from_robots(text, base_url=base_url)))


def from_sitemap(body: bytes, max_size: int = 50 * 1024 * 1024) -> Discovered:
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body, max_size=max_size)
    sitemap = Sitemap(body)
    if sitemap.type == "sitemapindex":
        return Discovered("sitemap-index", indexes=[entry["loc"] for entry in sitemap if entry.get("loc")])
    found = Discovered("sitemap")
    published = _news_publication_dates(body) if b"sitemap-news" in body[:4096] else {}
    for entry in sitemap:
        loc = entry.get("loc")
        if not loc:
            continue
        # The context of a sitemap link is its date: the news sitemap's publication date, else lastmod.
        found.article_links.append((loc, published.get(loc) or entry.get("lastmod")))
        if entry.get("lastmod"):
            found.lastmods[loc] = entry["lastmod"]
    return found


def _news_publication_dates(body: bytes) -> dict[str, str]:
    """<news:publication_date> of each <url> of a Google News sitemap (Scrapy's Sitemap keeps only
    direct children of <url>, and the date sits inside <news:news>)."""
    dates = {}
    for _, url in lxml.etree.iterparse(BytesIO(body), tag="{*}url", recover=True, resolve_entities=False,
                                       no_network=True, huge_tree=False):
        loc, when = url.findtext("{*}loc"), url.findtext(".//{*}publication_date")
        if loc and when:
            dates[loc.strip()] = when.strip()
        url.clear()
    return dates


def from_feed(body: bytes, base_url: str) -> Discovered:
    parsed = feedparser.parse(body)
    found = Discovered("feed")
    for entry in parsed.entries:
        link = entry.get("link")
        if link:
            # feedparser reads every dialect's date into UTC; keep it as ISO 8601 for newest_date.
            when = entry.get("published_parsed") or entry.get("updated_parsed")
            context = datetime(*when[:6], tzinfo=UTC).isoformat() if when else (entry.get("published") or entry.get("updated"))
            found.article_links.append((urljoin(base_url, link), context))
    return found


def from_html(body: bytes | str, page_url: str, encoding: str = "utf-8") -> Discovered:
    """Every same-site link of an HTML page (callers sort them into articles and listings)."""
    text = body.decode(encoding, errors="replace") if isinstance(body, bytes) else body
    sel = Selector(text=text)
    base = sel.xpath("//base/@href").get() or page_url
    found = Discovered("html")
    for href in sel.xpath(
        "//link[@rel='alternate' and (" + " or ".join(f"@type='{t}'" for t in FEED_TYPES) + ")]/@href"
    ).getall():
        found.indexes.append(urljoin(base, href.strip()))
    for anchor in sel.xpath("//a[@href]"):
        href = anchor.attrib["href"].strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = urljoin(base, href)  # any scheme: the spider refuses and counts what is not http/https
        # Text around the link (its list item or card) often carries the article's date.
        container = anchor.xpath("ancestor::*[self::li or self::article or self::tr or self::div][1]")
        context = " ".join((container[0] if container else anchor).xpath(".//text()").getall())
        found.article_links.append((url, " ".join(context.split())[:300]))
        label = " ".join(anchor.xpath(".//text()").getall()).strip()
        rel = (anchor.attrib.get("rel") or "").lower()
        if "next" in rel or NEXT_TEXT.match(label) or (label.isdigit() and PAGE_PARAM.search(url)):
            found.follow.append(url)
    for href in sel.xpath("//link[@rel='next']/@href").getall():
        found.follow.append(urljoin(base, href.strip()))
    return found


def iso_date(text: str) -> datetime | None:
    """A W3C/ISO 8601 date or date-time (sitemap lastmod, feed dates); no offset means Vietnam time."""
    text = text.strip().replace("Z", "+00:00")  # Python 3.10's fromisoformat does not read "Z"
    try:
        value = datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    except ValueError:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return value if value.tzinfo else value.replace(tzinfo=VIETNAM)


def newest_date(context: str | None):
    """The date of a sitemap or feed link, or the latest date written near an HTML link (listing cards
    show the article's date), or None."""
    if not context:
        return None
    if value := iso_date(context):
        return value
    dates = find_dates(context)
    return max((d.value for d in dates), default=None)
