"""A crawl's check of an article link, remembered: every listing page of a portal links the same sidebar
articles again (10,000 of the 12,000 article links on the generated portal's listings), and the check
(URL policy, host, canonical URL: two w3lib canonicalisations) is most of what a link costs the crawl."""

from __future__ import annotations

from portalnews.registry.urls import canonical_url

CHECKED_LINKS = 20_000  # links remembered (about 3 MB); the oldest is forgotten first


class CheckedLinks:
    """`spider`'s article links: the canonical URL of an on-site, fetchable article link, else None. A link
    that fails is checked (and counted as refused) each time it is found, as before."""

    def __init__(self, spider, bound: int = CHECKED_LINKS):
        self.spider, self.bound = spider, bound
        self.canonical: dict[str, str] = {}  # link as found -> canonical URL, oldest first

    def __call__(self, url: str, found_on: str) -> str | None:
        if (canonical := self.canonical.get(url)) is not None:
            return canonical
        spider = self.spider
        if not spider.portal.article_regex.search(url) or not spider._fetchable(url, found_on) \
                or not spider._on_site(url):
            return None
        self.canonical[url] = canonical = canonical_url(url, spider.portal)
        if len(self.canonical) > self.bound:
            del self.canonical[next(iter(self.canonical))]
        return canonical
