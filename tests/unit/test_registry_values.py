"""Registry values refused at load time (issue 17, item 7), one line each naming file, entry and key:
Scrapy settings of the wrong type, an empty article pattern, nan/inf numbers, a schedule Airflow
cannot parse, and settings that would switch off the item pipelines or the URL policy."""

from __future__ import annotations

import pytest

from portalnews.registry import RegistryError, load_registry

ENTRY = 'id = "sai"\nname = "n"\nbase_url = "https://example.vn/"\nstart_urls = ["https://example.vn/tin/"]\n'
PATTERN = 'article_url_pattern = "/tin/.+"\n'


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        (
            PATTERN + 'settings = { DOWNLOAD_DELAY = "fast" }\n',
            "'settings.DOWNLOAD_DELAY' must be a finite number",
        ),
        (
            PATTERN + 'settings = { ROBOTSTXT_OBEY = "no" }\n',
            "'settings.ROBOTSTXT_OBEY' must be true or false",
        ),
        (PATTERN + "settings = { USER_AGENT = 5 }\n", "'settings.USER_AGENT' must be a string"),
        (
            PATTERN + "settings = { DOWNLOAD_TIMEOUT = inf }\n",
            "'settings.DOWNLOAD_TIMEOUT' must be a finite number",
        ),
        (
            PATTERN + "settings = { RETRY_BACKOFF_BASE = nan }\n",
            "'settings.RETRY_BACKOFF_BASE' must be a finite",
        ),
        ('article_url_pattern = ""\n', "'article_url_pattern' is empty"),
        ("article_url_pattern = '  '\n", "'article_url_pattern' is empty"),
        (
            PATTERN + "[portal.health]\nmin_yield_ratio = nan\n",
            "'health.min_yield_ratio' must be a finite number",
        ),
        (
            PATTERN + "[portal.health]\nmax_article_age_hours = inf\n",
            "'health.max_article_age_hours' must be a finite",
        ),
        (PATTERN + 'schedule = "every hour"\n', "'schedule' 'every hour' is neither a cron expression"),
        (PATTERN + 'schedule = "61 * * * *"\n', "'schedule' '61 * * * *' is neither"),
        (PATTERN + 'schedule = "@hourlyy"\n', "'schedule' '@hourlyy'"),
        (
            PATTERN + "settings = { ITEM_PIPELINES = {} }\n",
            "'settings.ITEM_PIPELINES' may not be set per portal",
        ),
        (
            PATTERN
            + 'settings = { DOWNLOADER_MIDDLEWARES = { "portalnews.spiders.middlewares.UrlPolicyMiddleware" '
            "= -1 } }\n",
            "'settings.DOWNLOADER_MIDDLEWARES' may not be set",
        ),
        (
            PATTERN
            + 'settings = { DOWNLOAD_HANDLERS = { file = '
                '"scrapy.core.downloader.handlers.file.FileDownloadHandler"'
            " } }\n",
            "'settings.DOWNLOAD_HANDLERS' may not be set",
        ),
    ],
)
def test_a_value_that_would_break_the_crawl_is_refused_in_one_line(tmp_path, lines, says):
    registry = tmp_path / "sai.toml"
    registry.write_text("[[portal]]\n" + ENTRY + lines, encoding="utf-8")
    with pytest.raises(RegistryError) as err:
        load_registry([registry], include_builtin=False)
    message = str(err.value)
    assert message.startswith(f"{registry}: portal 'sai': ") and says in message and "\n" not in message


@pytest.mark.parametrize(
    "lines",
    [
        'schedule = "@daily"\n',
        'schedule = "*/20 6-22 * * *"\n',
        'schedule = "@once"\n',
        "settings = { DOWNLOAD_DELAY = 2, CONCURRENT_REQUESTS = 4, ROBOTSTXT_OBEY = false, "
        "CLOSESPIDER_TIMEOUT = 900.5 }\n",
        "[portal.health]\nmin_yield_ratio = 0\n",
    ],
)
def test_sensible_values_load(tmp_path, lines):
    registry = tmp_path / "dung.toml"
    registry.write_text("[[portal]]\n" + ENTRY + PATTERN + lines, encoding="utf-8")
    assert list(load_registry([registry], include_builtin=False)) == ["sai"]
