"""An overall time limit per crawl (issue 17, item 2): a portal that answers slowly is stopped by
Scrapy's CLOSESPIDER_TIMEOUT (set per portal in the registry), and the run ends cleanly with what was
stored; the next run, without the limit, fetches the rest. Real crawl, real server on 127.0.0.1."""

from __future__ import annotations

import time

from portalnews import jobs
from tests.support.database import query
from tests.support.hostile_site import HostileSite

SLUGS = [f"hoi-nghi-cham-{n}-{300 + n}" for n in range(1, 21)]


def test_a_crawl_over_its_time_limit_stops_cleanly_and_the_next_run_fetches_the_rest(db_url, tmp_path):
    site = HostileSite(tmp_path, "cham").articles_listed(SLUGS).serve()
    try:
        for slug in SLUGS:  # 2 at a time (CONCURRENT_REQUESTS_PER_DOMAIN), 2 s each: 20 s in all
            site.mirror.before[f"/bai-viet/{slug}.html"] = lambda: time.sleep(2.0)
        text = site.registry_file.read_text(encoding="utf-8")
        site.registry_file.write_text(
            text.replace("RETRY_TIMES = 2", "RETRY_TIMES = 2, CLOSESPIDER_TIMEOUT = 3"), encoding="utf-8"
        )
        first = jobs.run_portal(db_url, site.portal, [site.registry_file])
        assert first["crawl"]["finish_reason"] == "closespider_timeout"
        stored = query(db_url, "SELECT count(*) AS n FROM raw_pages")[0]["n"]
        assert 0 < stored < len(SLUGS)
        assert first["crawl"]["pages_stored"] == stored  # in-flight requests were finished and stored
        assert first["status"] == "success", first

        site.registry_file.write_text(text, encoding="utf-8")
        site.mirror.before.clear()
        second = jobs.run_portal(db_url, site.portal, [site.registry_file])
        assert second["status"] == "success", second
        assert query(db_url, "SELECT count(*) AS n FROM articles")[0]["n"] == len(SLUGS)
    finally:
        site.stop()
