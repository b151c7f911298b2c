"""The Scrapy project (installed as `portalnews.spiders`): settings, middlewares, discovery and the
spiders (`portal` crawls, `portal_check` validates a registry entry)."""
