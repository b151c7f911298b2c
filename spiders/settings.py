"""Scrapy settings for every portal crawl (per-portal overrides come from the registry's `settings`)."""

BOT_NAME = "portalnews"
SPIDER_MODULES = ["portalnews.spiders.portal_spider", "portalnews.spiders.check",
                  "portalnews.spiders.archive_spider"]
NEWSPIDER_MODULE = "portalnews.spiders"

# Identify ourselves and be polite: these are public-sector sites on modest hosting.
USER_AGENT = "portalnews/0.1 (news archive crawler; +https://github.com/portalnews/portalnews)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# What one response's callback yields is processed this many at a time (Scrapy's default, 100, starts
# 100 asyncio tasks for every response, though an article page yields one item).
CONCURRENT_ITEMS = 4
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # an article page is far smaller; anything bigger is not one
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# An overall bound on one crawl: Scrapy's CloseSpider ends it cleanly (what was fetched is stored, the
# listings' validators are not saved) instead of a hung portal holding its lock forever. Per portal:
# `settings = { CLOSESPIDER_TIMEOUT = 600 }` in the registry.
CLOSESPIDER_TIMEOUT = 3 * 3600

# Retries with exponential backoff (Scrapy's own middleware retries immediately).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds; the n-th retry waits base * 2**(n-1), capped below
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "portalnews.spiders.middlewares.BackoffRetryMiddleware": 550,
    # before RedirectMiddleware (600) on the way out, first to see each 3xx on the way back
    "portalnews.spiders.middlewares.UrlPolicyMiddleware": 650,
}
# Only http/https: a link in a sitemap or feed must never make the crawler read local files.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

ITEM_PIPELINES = {
    "portalnews.spiders.raw_store.RawPageStorePipeline": 300,
}

TELNETCONSOLE_ENABLED = False
# Scrapy's extensions without those a scheduled crawl never uses (remote control, telnet console,
# feed exports, memory debugger). Replacing the base dict, not disabling them with None in EXTENSIONS:
# Scrapy imports every EXTENSIONS key to normalise it, None or not, and the remote control alone brings
# aiohttp (11 MiB of the crawl's RSS).
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.memusage.MemoryUsage": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.logstats.LogStats": 0,
    "scrapy.extensions.spiderstate.SpiderState": 0,  # JOBDIR: an interrupted backfill resumes
    "scrapy.extensions.throttle.AutoThrottle": 0,
}
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
