"""Portal health: figures computed from what the pipeline stored, judged against the registry's
thresholds, and kept in portal_health. Each portal below is written out day by day, so every expected
figure can be counted by hand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portalnews.monitoring.health import compute_health
from portalnews.registry import Portal
from portalnews.registry.portal import HEALTH_DEFAULTS
from portalnews.store.schema import register_portals
from tests.conftest import query

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=VN)


def _portal(pid: str, **health) -> Portal:
    return Portal(id=pid, name=pid, base_url=f"https://{pid}.example/", start_urls=(f"https://{pid}.example/",),
                  article_url_pattern="/tin/", health={**HEALTH_DEFAULTS, **health})


def _articles(db_url: str, portal: str, times: list[datetime]) -> None:
    query(db_url, "INSERT INTO articles (portal, url, canonical_url, body, body_fingerprint, extractor_version,"
                  " published_at, first_seen_at) SELECT %s, 'https://x/' || i, 'x/' || i, 'x', 'fp' || i, 'v', at, at"
                  " FROM unnest(%s::timestamptz[]) WITH ORDINALITY AS t(at, i)", (portal, times))


def _ten_a_day(first_day_ago: int, last_day_ago: int) -> list[datetime]:
    """10 articles on each of those days, hourly from 03:00 to 12:00 local time."""
    return [NOW - timedelta(days=d, hours=k) for d in range(first_day_ago, last_day_ago + 1) for k in range(10)]


def _cleaned_pages(db_url: str, portal: str, dated: int, undated: int, bodiless: int) -> None:
    kinds = ["dated"] * dated + ["undated"] * undated + ["bodiless"] * bodiless
    for i, kind in enumerate(kinds):
        (raw,) = query(db_url, "INSERT INTO raw_pages (portal, requested_url, url, canonical_url, status, html_gz,"
                               " content_sha256) VALUES (%s, 'u', 'u', %s, 200, '', %s) RETURNING id",
                       (portal, f"c{i}", f"h{i}"))
        result = {"title": "t", "published_at": "2026-11-26T08:00:00+07:00" if kind == "dated" else None}
        query(db_url, "INSERT INTO extractions (raw_page_id, extractor_version, ok, result, extracted_at)"
                      " VALUES (%s, 'v', %s, %s::jsonb, %s)",
              (raw["id"], kind != "bodiless", None if kind == "bodiless" else json.dumps(result),
               NOW - timedelta(days=2)))


def _run(db_url: str, portal: str, status: str, finished_hours_ago: float) -> None:
    query(db_url, "INSERT INTO crawl_runs (portal, status, started_at, finished_at) VALUES (%s, %s, %s, %s)",
          (portal, status, NOW - timedelta(hours=finished_hours_ago + 0.1), NOW - timedelta(hours=finished_hours_ago)))


@pytest.fixture
def four_portals(db_url):
    """danang publishes steadily; hanoi went silent four days ago and its template lost the dates;
    hcm quietly halved its output today; cantho never ran."""
    portals = [_portal("danang"), _portal("hanoi"), _portal("hcm", min_yield_ratio=0.6), _portal("cantho")]
    register_portals(db_url, portals)
    _articles(db_url, "danang", _ten_a_day(1, 28) + [NOW - timedelta(hours=k, minutes=30) for k in range(9)])
    _cleaned_pages(db_url, "danang", dated=10, undated=0, bodiless=0)
    _run(db_url, "danang", "success", 2)
    _articles(db_url, "hanoi", _ten_a_day(4, 28))
    _cleaned_pages(db_url, "hanoi", dated=2, undated=4, bodiless=0)
    _run(db_url, "hanoi", "success", 100)
    _run(db_url, "hanoi", "alert", 1)
    query(db_url, "INSERT INTO fetch_failures (portal, canonical_url, url, reason)"
                  " SELECT 'hanoi', 'c' || i, 'u' || i, '503' FROM generate_series(1, 30) AS i")
    _articles(db_url, "hcm", _ten_a_day(1, 28) + [NOW - timedelta(hours=k, minutes=30) for k in range(5)])
    _run(db_url, "hcm", "success", 1)
    return db_url, portals


def test_a_steady_portal_is_ok_with_its_figures(four_portals):
    db_url, portals = four_portals
    danang = compute_health(db_url, portals, now=NOW)[0]
    assert danang.status == "ok" and danang.reasons == []
    assert danang.newest_article_age_hours == 0.5
    assert danang.articles_per_day == 10.0  # 280 articles in the 28 days before the last 24 h
    assert (danang.articles_last_24h, danang.yield_ratio) == (9, 0.9)
    assert (danang.pages_cleaned_7d, danang.no_date_share, danang.no_body_share) == (10, 0.0, 0.0)
    assert danang.open_fetch_failures == 0
    # Local days 31 Oct .. 27 Nov: ten a day, nine so far today (28 days ago, 30 Oct, is outside).
    assert danang.daily_counts == [10] * 27 + [9]


def test_a_silent_portal_with_a_broken_template_alerts_with_every_reason(four_portals):
    db_url, portals = four_portals
    hanoi = compute_health(db_url, portals, now=NOW)[1]
    assert hanoi.status == "alert"
    assert hanoi.newest_article_age_hours == 96.0
    assert (hanoi.articles_last_24h, hanoi.articles_per_day, hanoi.yield_ratio) == (0, 8.93, 0.0)  # 250 / 28
    assert hanoi.daily_counts == [10] * 24 + [0] * 4
    assert hanoi.reasons == [
        "newest article is 96 h old (limit 72 h)",
        "low yield: 0 articles in the last 24 h against 8.9/day over 28 days (ratio 0.00, limit 0.30)",
        "4 of 6 pages of the last 7 days have no published date (limit 50%)",
        "30 article URLs keep failing to fetch (limit 25)",
        "last successful run 100 h ago (limit 48 h)",
    ]


def test_a_halved_output_alerts_under_the_threshold_its_registry_entry_sets(four_portals):
    db_url, portals = four_portals
    hcm = compute_health(db_url, portals, now=NOW)[2]
    assert (hcm.articles_last_24h, hcm.yield_ratio) == (5, 0.5)
    assert hcm.status == "alert"
    assert hcm.reasons == ["low yield: 5 articles in the last 24 h against 10.0/day over 28 days "
                           "(ratio 0.50, limit 0.60)"]
    default_threshold = compute_health(db_url, [_portal("hcm")], now=NOW, store=False)[0]
    assert default_threshold.status == "ok"


def test_a_portal_that_never_ran_has_no_data_rather_than_an_alert(four_portals):
    db_url, portals = four_portals
    cantho = compute_health(db_url, portals, now=NOW)[3]
    assert (cantho.status, cantho.reasons, cantho.newest_article_at) == ("no data", [], None)
    assert cantho.daily_counts == [0] * 28


def test_each_computation_is_stored_and_the_latest_is_one_row_per_portal(four_portals):
    db_url, portals = four_portals
    compute_health(db_url, portals, now=NOW - timedelta(days=1))
    compute_health(db_url, portals, now=NOW)
    assert query(db_url, "SELECT count(*) AS n FROM portal_health")[0]["n"] == 8
    latest = query(db_url, "SELECT portal, status, computed_at, reasons FROM portal_health_latest ORDER BY portal")
    assert [(r["portal"], r["status"]) for r in latest] == [
        ("cantho", "no data"), ("danang", "ok"), ("hanoi", "alert"), ("hcm", "alert")]
    assert {r["computed_at"] for r in latest} == {NOW}
    assert len(latest[2]["reasons"]) == 5
