"""`scrapy crawl SPIDER -a NAME=VALUE -s SETTING=VALUE`, as the crawl's child process runs it:

    python -m portalnews.spiders.scrapy_crawl portal -a portal=danang -s LOG_LEVEL=INFO

The same crawl through Scrapy's documented script API (a crawler process over the project's settings,
`-s` at the command line's priority), without `scrapy.cmdline`: that imports every Scrapy command to
list them (`check` brings unittest, `bench` and `shell` more, and itemadapter then pydantic), 10 MiB
of the crawl process's memory that a crawl never uses (bench/README.md, peak memory).
"""

from __future__ import annotations

import argparse
import sys

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.utils.project import get_project_settings


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep:
            raise SystemExit(f"{option} {value!r}: expected NAME=VALUE")
        pairs[name] = setting
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portalnews.spiders.scrapy_crawl",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("spider")
    parser.add_argument("-a", dest="arguments", action="append", default=[], metavar="NAME=VALUE",
                        help="a spider argument")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="SETTING=VALUE",
                        help="a Scrapy setting over the project's")
    options = parser.parse_args(argv)
    settings = get_project_settings()
    settings.setdict(_pairs(options.settings, "-s"), priority="cmdline")
    # The project's reactor is asyncio's (settings.py): the crawler process `scrapy crawl` picks for it.
    process = AsyncCrawlerProcess(settings)
    process.crawl(options.spider, **_pairs(options.arguments, "-a"))
    process.start()
    return 1 if process.bootstrap_failed else 0


if __name__ == "__main__":
    sys.exit(main())
