"""`portalnews check PORTAL`: validate a registry entry in one step, in the spirit of `scrapy check`.

Fetches robots.txt and the start URLs (plain HTTP, the project's User-Agent, robots.txt obeyed),
follows a few listing pages, reports what discovery found, and cleans one article. Nothing is stored.
"""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

from portalnews.spiders import discovery
from portalnews.spiders.settings import USER_AGENT
from protego import Protego

from portalnews.extraction import ExtractionError, extract_article
from portalnews.registry import Portal


def _fetch(url: str, timeout: float = 20) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return response.status, body, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, b"", ""


def check_portal(portal: Portal, max_pages: int = 3) -> dict:
    report: dict = {"portal": portal.id, "sources": [], "listing_pages": [], "article_links": [],
                    "errors": [], "sample_article": None}
    status, body, _ = _fetch(urljoin(portal.base_url, "/robots.txt"))
    robots = Protego.parse(body.decode("utf-8", "replace") if status == 200 else "")
    queue = [(u, 0) for u in (*portal.start_urls, *robots.sitemaps,
                             *(urljoin(portal.base_url, p) for p in (*portal.sitemap_paths, *portal.feed_paths)))]
    seen: set[str] = set()
    articles: dict[str, None] = {}
    hosts = {h.split(":")[0] for h in portal.hosts}
    while queue:
        url, depth = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if not robots.can_fetch(url, USER_AGENT):
            report["errors"].append(f"{url}: disallowed by robots.txt")
            continue
        status, body, ctype = _fetch(url)
        if status != 200:
            if url in portal.start_urls:
                report["errors"].append(f"{url}: HTTP {status}")
            continue
        kind = discovery.sniff(body, ctype)
        found = (discovery.from_sitemap(body) if kind in ("sitemap", "gzip")
                 else discovery.from_feed(body, url) if kind == "feed"
                 else discovery.from_html(body, url))
        links = [u for u, _ in found.article_links
                 if (urlsplit(u).hostname or "") in hosts and portal.article_regex.search(u)]
        entry = {"url": url, "kind": found.kind, "article_links": len(links)}
        (report["listing_pages"] if found.kind == "html" else report["sources"]).append(entry)
        articles.update(dict.fromkeys(links))
        queue += [(s, depth) for s in found.sources]
        if found.kind == "html" and depth < max_pages:
            follow = set(found.follow)
            if portal.listing_regex:
                follow |= {u for u, _ in found.article_links if portal.listing_regex.search(u)}
            queue += [(u, depth + 1) for u in sorted(follow)
                      if (urlsplit(u).hostname or "") in hosts and not portal.article_regex.search(u)]
    report["article_links"] = list(articles)
    for url in report["article_links"][:5]:
        status, body, _ = _fetch(url)
        if status != 200:
            report["errors"].append(f"{url}: HTTP {status}")
            continue
        try:
            article = extract_article(body, url, hints=portal.extract)
        except ExtractionError as err:
            report["errors"].append(f"{url}: {err}")
            continue
        sample = article.to_json()
        sample["body"] = sample["body"][:500] + ("…" if len(sample["body"]) > 500 else "")
        report["sample_article"] = sample
        break
    # FiveFilters' test_url: known article pages the entry's hints must keep extracting.
    for url in portal.extract.get("test_url", ()):
        status, body, _ = _fetch(url)
        entry: dict = {"url": url, "status": status}
        try:
            article = extract_article(body, url, hints=portal.extract) if status == 200 else None
        except ExtractionError as err:
            entry["error"] = str(err)
            article = None
        if article:
            entry.update(title=article.title, author=article.author,
                         published_at=article.published_at.isoformat() if article.published_at else None,
                         body_chars=len(article.body))
        else:
            report["errors"].append(f"test_url {url}: " + entry.get("error", f"HTTP {status}"))
        report.setdefault("test_urls", []).append(entry)
    if not report["article_links"]:
        report["errors"].append("no article links found: check start_urls and article_url_pattern")
    return report
