"""The four-portal history the health figures are checked against, written out day by day so every
expected figure can be counted by hand; shared by tests/integration/test_health.py and the UI's page test.
Registered for every test module by `pytest_plugins` in tests/conftest.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portalnews.registry import Portal
from portalnews.registry.portal import HEALTH_DEFAULTS
from portalnews.store.schema import register_portals
from tests.support.database import query

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=VN)
HISTORY_PORTALS = ("danang", "hanoi", "hcm", "cantho")


def health_portal(pid: str, **health) -> Portal:
    """A registry entry with the default health thresholds, changed by `health`."""
    return Portal(id=pid, name=pid, base_url=f"https://{pid}.example/", start_urls=(f"https://{pid}.example/",),
                  article_url_pattern="/tin/", health={**HEALTH_DEFAULTS, **health})


def _articles(db_url: str, portal: str, times: list[datetime]) -> None:
    query(
        db_url,
        "INSERT INTO articles (portal, url, canonical_url, body, body_fingerprint, extractor_version,"
        " published_at, first_seen_at) SELECT %s, 'https://x/' || i, 'x/' || i, 'x', 'fp' || i, 'v', at, at"
        " FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS t(at, i)",
        (portal, times),
    )


def _ten_a_day(first_day_ago: int, last_day_ago: int) -> list[datetime]:
    """10 articles on each of those days, hourly from 03:00 to 12:00 local time."""
    return [
        NOW - timedelta(days=d, hours=k) for d in range(first_day_ago, last_day_ago + 1) for k in range(10)
    ]


def _in_the_last_hours(count: int) -> list[datetime]:
    return [NOW - timedelta(hours=k, minutes=30) for k in range(count)]


def _cleaned_pages(db_url: str, portal: str, dated: int, undated: int, bodiless: int) -> None:
    kinds = ["dated"] * dated + ["undated"] * undated + ["bodiless"] * bodiless
    for i, kind in enumerate(kinds):
        (raw,) = query(
            db_url,
            "INSERT INTO raw_pages (portal, requested_url, url, canonical_url, status, html_gz,"
            " content_sha256) VALUES (%s, 'u', 'u', %s, 200, '', %s) RETURNING id",
            (portal, f"c{portal}{i}", f"h{portal}{i}"),
        )
        result = {"title": "t", "published_at": "2026-11-26T08:00:00+07:00" if kind == "dated" else None}
        query(db_url, "INSERT INTO extractions (raw_page_id, extractor_version, ok, result, extracted_at)"
                      " VALUES (%s, 'v', %s, %s::jsonb, %s)",
              (raw["id"], kind != "bodiless", None if kind == "bodiless" else json.dumps(result),
               NOW - timedelta(days=2)))


def _run(db_url: str, portal: str, status: str, finished_hours_ago: float) -> None:
    query(
        db_url,
        "INSERT INTO crawl_runs (portal, status, started_at, finished_at) VALUES (%s, %s, %s, %s)",
        (
            portal,
            status,
            NOW - timedelta(hours=finished_hours_ago + 0.1),
            NOW - timedelta(hours=finished_hours_ago),
        ),
    )


@pytest.fixture
def four_portal_history(db_url) -> str:
    """As of NOW: danang publishes 10 a day and 9 so far today; hanoi went silent four days ago, its
    template lost the dates, 30 of its URLs keep failing and its last run was red; hcm fell to 2
    articles in the last 24 h against 10 a day; cantho never ran. Returns the database URL."""
    register_portals(db_url, [health_portal(pid) for pid in HISTORY_PORTALS])
    _articles(db_url, "danang", _ten_a_day(1, 28) + _in_the_last_hours(9))
    _cleaned_pages(db_url, "danang", dated=10, undated=0, bodiless=0)
    _run(db_url, "danang", "success", 2)
    _articles(db_url, "hanoi", _ten_a_day(4, 28))
    _cleaned_pages(db_url, "hanoi", dated=2, undated=4, bodiless=0)
    _run(db_url, "hanoi", "success", 100)
    _run(db_url, "hanoi", "alert", 1)
    query(db_url, "INSERT INTO fetch_failures (portal, canonical_url, url, reason)"
                  " SELECT 'hanoi', 'c' || i, 'u' || i, '503' FROM generate_series(1, 30) AS i")
    _articles(db_url, "hcm", _ten_a_day(1, 28) + _in_the_last_hours(2))
    _run(db_url, "hcm", "success", 1)
    return db_url
