"""One name per crawl counter: the Scrapy stats key is the summary's key (and crawl_runs.stats JSON's)."""

import re
from pathlib import Path

from portalnews.spiders.crawl_stats import SUMMARY_COUNTERS, stat, summarize_crawl

SPIDERS = Path(__file__).resolve().parents[2] / "spiders"


def test_each_counter_keeps_its_scrapy_name_in_the_summary():
    raw = {stat("pages_fetched"): 7, stat("fetch_errors"): 2, "downloader/request_count": 11}
    summary = summarize_crawl(raw, spool_lines_quarantined=1)
    assert summary["pages_fetched"] == 7 and summary["fetch_errors"] == 2
    assert summary["requests"] == 11 and summary["spool_lines_quarantined"] == 1
    assert summary["pages_stored"] == 0


def test_every_summary_counter_is_counted_under_that_name_by_the_crawl():
    source = "".join(p.read_text(encoding="utf-8") for p in SPIDERS.glob("*.py"))
    counted = set(re.findall(r'stat\("(\w+)"\)', source))
    counted |= set(re.findall(r'"(pages_\w+)"', source))  # the raw store's outcome -> counter table
    assert set(SUMMARY_COUNTERS) <= counted, set(SUMMARY_COUNTERS) - counted
