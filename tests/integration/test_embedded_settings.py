"""The embedded server's settings that the figures of bench/search.py depend on."""

from __future__ import annotations

import os

import pytest

from portalnews.store import embedded
from tests.support.database import query


def test_the_page_cache_is_an_eighth_of_the_memory_within_bounds(db_url):
    if os.environ.get("TEST_DATABASE_SERVER_URL"):
        pytest.skip("another server: its own settings")
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    assert embedded.shared_buffers_mb() == max(128, min(2048, total_mb // 8))
    shown = query(db_url, "SELECT setting::bigint * 8 / 1024 AS mb FROM pg_settings"
                          " WHERE name = 'shared_buffers'")[0]["mb"]
    assert shown == embedded.shared_buffers_mb()
