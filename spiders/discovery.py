"""Finding article links in whatever an index turns out to be: sitemap, RSS/Atom feed or HTML page.

An *index* is any page that lists articles: a start URL, a listing page, a feed, a sitemap. Pure
functions over a response body, so they are tested without a crawl; `discover` is the one dispatch
both spiders (the crawl and `portalnews check`) use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from urllib.parse import urljoin

import feedparser
import lxml.etree
from parsel import Selector
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from portalnews.vietnamese.dates import find_dates, parse_iso

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")
NEXT_TEXT = re.compile(r"^(?:trang\s+)?(?:sau|tiếp(?:\s+theo)?|kế\s+tiếp|next|»|›|>|>>|»»)$", re.IGNORECASE)
PAGE_PARAM = re.compile(
    r"(?:[?&](?:page|p|trang|cur|pageindex|pagenumber|_cur)=\d+|/(?:page|trang)-?\d+/?$|/\d+\.html?$)", re.I
)


class UnreadableIndex(ValueError):
    """A sitemap or feed that cannot be read (bad gzip, over the size bound, not XML): one line saying why."""


@dataclass
class Discovered:
    kind: str  # "sitemap-index", "sitemap", "feed", "html", "robots", "unknown"
    article_links: list[tuple[str, str | None]] = field(default_factory=list)  # (url, nearby text)
    follow: list[str] = field(default_factory=list)  # listing/pagination pages to visit
    indexes: list[str] = field(default_factory=list)  # sitemaps and feeds to read


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


def discover(body: bytes, url: str, content_type: str = "", encoding: str = "utf-8",
             max_size: int = 50 * 1024 * 1024) -> Discovered:
    """Links found in one fetched index, whatever its kind; UnreadableIndex when it cannot be read.
    `max_size` bounds a gzipped sitemap once uncompressed (the crawl passes DOWNLOAD_MAXSIZE)."""
    kind = sniff(body, content_type)
    if kind in ("sitemap", "gzip"):
        return from_sitemap(body, max_size)
    if kind == "feed":
        return from_feed(body, url)
    return from_html(body, url, encoding)


def from_robots(text: bytes, base_url: str) -> Discovered:
    return Discovered("robots", indexes=list(sitemap_urls_from_robots(text, base_url=base_url)))


def from_sitemap(body: bytes, max_size: int = 50 * 1024 * 1024) -> Discovered:
    if body[:2] == b"\x1f\x8b":
        # As Scrapy's SitemapSpider reads .xml.gz: gunzip with a bound (a gzip bomb stops at max_size).
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, EOFError) as err:
            raise UnreadableIndex(f"gzipped sitemap cannot be uncompressed: {err}") from None
        except ValueError:
            raise UnreadableIndex(f"gzipped sitemap over {max_size} bytes once uncompressed") from None
    try:
        sitemap = Sitemap(body)
        kind = sitemap.type
    except (lxml.etree.Error, StopIteration) as err:  # Scrapy's Sitemap: StopIteration on non-XML
        raise UnreadableIndex(f"sitemap is not XML: {err or 'no element'}") from None
    if kind not in ("sitemapindex", "urlset"):
        raise UnreadableIndex(f"not a sitemap: its root element is <{kind}>")
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
    if not parsed.get("version") and not parsed.entries:  # feedparser recognised no RSS/Atom dialect
        root = body.lstrip()[:60].decode("utf-8", errors="replace")
        raise UnreadableIndex(f"not an RSS/Atom feed (it starts {root!r})")
    found = Discovered("feed")
    for entry in parsed.entries:
        link = entry.get("link")
        if link:
            # feedparser reads every dialect's date into UTC; keep it as ISO 8601 for newest_date.
            when = entry.get("published_parsed") or entry.get("updated_parsed")
            context = (
                datetime(*when[:6]).replace(tzinfo=UTC).isoformat()
                if when
                else (entry.get("published") or entry.get("updated"))
            )
            found.article_links.append((urljoin(base_url, link), context))
    return found


CONTEXT_CHARS = 300  # enough for a listing card's title and date
CONTAINERS = ("li", "article", "tr", "div")


def leading_text(element, limit: int = CONTEXT_CHARS) -> str:
    """The first `limit` characters of an element's text, whitespace collapsed; reads no further than
    it needs, so a container of thousands of links costs its first card, not its whole text."""
    words: list[str] = []
    length = -1
    for piece in element.itertext():
        for word in piece.split():
            words.append(word)
            length += len(word) + 1
            if length >= limit:
                return " ".join(words)[:limit]
    return " ".join(words)


def from_html(body: bytes | str, page_url: str, encoding: str = "utf-8") -> Discovered:
    """Every same-site link of an HTML page (callers sort them into articles and listings).

    Linear in the page's size: each link's context container is found by walking up its ancestors, and
    each container's text is read once (a listing of 20,000 links in one <div> shares one context)."""
    text = body.decode(encoding, errors="replace") if isinstance(body, bytes) else body
    sel = Selector(text=text)
    base = sel.xpath("//base/@href").get() or page_url
    found = Discovered("html")
    for href in sel.xpath(
        "//link[@rel='alternate' and (" + " or ".join(f"@type='{t}'" for t in FEED_TYPES) + ")]/@href"
    ).getall():
        found.indexes.append(urljoin(base, href.strip()))
    contexts: dict = {}  # container element -> its leading text
    for anchor in sel.root.xpath("//a[@href]"):
        href = anchor.get("href").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = urljoin(base, href)  # any scheme: the spider refuses and counts what is not http/https
        # Text around the link (its list item or card) often carries the article's date.
        container = next(anchor.iterancestors(*CONTAINERS), anchor)
        if container not in contexts:
            contexts[container] = leading_text(container)
        found.article_links.append((url, contexts[container]))
        label = " ".join(anchor.xpath(".//text()")).strip()
        rel = (anchor.get("rel") or "").lower()
        if "next" in rel or NEXT_TEXT.match(label) or (label.isdigit() and PAGE_PARAM.search(url)):
            found.follow.append(url)
    for href in sel.xpath("//link[@rel='next']/@href").getall():
        found.follow.append(urljoin(base, href.strip()))
    return found


def newest_date(context: str | None):
    """The date of a sitemap or feed link, or the latest date written near an HTML link (listing cards
    show the article's date), or None."""
    if not context:
        return None
    if value := parse_iso(context):  # sitemap lastmod, feed dates: ISO 8601
        return value
    dates = find_dates(context)
    return max((d.value for d in dates), default=None)
