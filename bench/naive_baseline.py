"""The baseline: what a competent user writes in an afternoon to load a NukeViet portal into PostgreSQL.

    python bench/naive_baseline.py --db URL START_URL [START_URL ...]

One Scrapy process follows the category listings and their pagination, runs
`trafilatura.bare_extraction` on each article page in the callback and inserts the result with
psycopg2 (`INSERT ... ON CONFLICT DO NOTHING`, one autocommit connection). Same politeness as the
benchmark gives the project: robots.txt obeyed, no delay, no AutoThrottle, 16 concurrent requests.
Nothing of portalnews is used, on purpose.
"""

from __future__ import annotations

import argparse
import re

import psycopg2
import scrapy
import trafilatura
from scrapy.crawler import CrawlerProcess

ARTICLE = re.compile(r"/news/[^/?#]+/[^/?#]+-\d+\.html$")
LISTING = re.compile(r"/news/[^/?#]+/(?:page-\d+)?$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS naive_articles (
    url text PRIMARY KEY, title text, published text, author text, body text,
    fetched_at timestamptz NOT NULL DEFAULT now())
"""


class NukeVietSpider(scrapy.Spider):
    name = "naive"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "ITEM_PIPELINES": {"__main__.PostgresPipeline": 300},
    }

    def __init__(self, start: list[str], db: str, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = start
        self.db = db

    def parse(self, response):
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if ARTICLE.search(url):
                yield scrapy.Request(url, callback=self.parse_article)
            elif LISTING.search(url):
                yield scrapy.Request(url, callback=self.parse)

    def parse_article(self, response):
        doc = trafilatura.bare_extraction(response.text, url=response.url, with_metadata=True)
        if doc is None:
            return
        yield {"url": response.url, "title": doc.title, "published": doc.date, "author": doc.author,
               "body": doc.text}


class PostgresPipeline:
    def open_spider(self, spider):
        self.conn = psycopg2.connect(spider.db)
        self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute(SCHEMA)

    def close_spider(self, spider):
        self.conn.close()

    def process_item(self, item, spider):
        with self.conn.cursor() as cur:
            cur.execute("INSERT INTO naive_articles (url, title, published, author, body)"
                        " VALUES (%(url)s, %(title)s, %(published)s, %(author)s, %(body)s)"
                        " ON CONFLICT (url) DO NOTHING", item)
        return item


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="libpq URL")
    parser.add_argument("start", nargs="+")
    args = parser.parse_args()
    process = CrawlerProcess()
    process.crawl(NukeVietSpider, start=args.start, db=args.db)
    process.start()


if __name__ == "__main__":
    main()
