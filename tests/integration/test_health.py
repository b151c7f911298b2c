"""Portal health: figures computed from what the pipeline stored, judged against the registry's
thresholds, and kept in portal_health. The history (tests/support/portal_history.py) is written out day by
day, so every expected figure can be counted by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portalnews.monitoring.health import compute_health
from tests.support.database import query
from tests.support.portal_history import HISTORY_PORTALS, NOW, health_portal


@pytest.fixture
def four_portals(four_portal_history):
    """The shared history (tests/support/portal_history.py), judged with the default thresholds."""
    return four_portal_history, [health_portal(pid) for pid in HISTORY_PORTALS]


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


def test_a_fallen_output_alerts_unless_the_registry_entry_lowers_the_threshold(four_portals):
    db_url, portals = four_portals
    hcm = compute_health(db_url, portals, now=NOW)[2]
    assert (hcm.articles_last_24h, hcm.yield_ratio) == (2, 0.2)
    assert hcm.status == "alert"
    assert hcm.reasons == ["low yield: 2 articles in the last 24 h against 10.0/day over 28 days "
                           "(ratio 0.20, limit 0.30)"]
    lowered = compute_health(db_url, [health_portal("hcm", min_yield_ratio=0.15)], now=NOW, store=False)[0]
    assert lowered.status == "ok"


def test_a_portal_that_never_ran_has_no_data_rather_than_an_alert(four_portals):
    db_url, portals = four_portals
    cantho = compute_health(db_url, portals, now=NOW)[3]
    assert (cantho.status, cantho.reasons, cantho.newest_article_at) == ("no data", [], None)
    assert cantho.daily_counts == [0] * 28


def test_a_portal_whose_first_run_is_still_going_has_no_data_until_it_ends(db_url):
    cantho = health_portal("cantho")
    query(db_url, "INSERT INTO portals (id, name, base_url) VALUES ('cantho', 'x', 'x')")
    query(db_url, "INSERT INTO crawl_runs (portal, status, started_at) VALUES ('cantho', 'running', %s)",
          (NOW - timedelta(minutes=5),))
    assert compute_health(db_url, [cantho], now=NOW, store=False)[0].status == "no data"
    query(db_url, "UPDATE crawl_runs SET status = 'failed', finished_at = %s", (NOW,))
    ended = compute_health(db_url, [cantho], now=NOW, store=False)[0]
    assert (ended.status, ended.reasons) == (
        "alert",
        ["no article stored yet", "no successful run in 1 runs"],
    )


def test_each_computation_is_stored_and_the_latest_is_one_row_per_portal(four_portals):
    db_url, portals = four_portals
    compute_health(db_url, portals, now=NOW - timedelta(days=1))
    compute_health(db_url, portals, now=NOW)
    assert query(db_url, "SELECT count(*) AS n FROM portal_health")[0]["n"] == 8
    latest = query(
        db_url, "SELECT portal, status, computed_at, reasons FROM portal_health_latest ORDER BY portal"
    )
    assert [(r["portal"], r["status"]) for r in latest] == [
        ("cantho", "no data"), ("danang", "ok"), ("hanoi", "alert"), ("hcm", "alert")]
    assert {r["computed_at"] for r in latest} == {NOW}
    assert len(latest[2]["reasons"]) == 5


def test_an_undated_article_counts_when_first_seen_and_a_later_one_today_only_in_the_day(four_portals):
    """cantho's articles: three undated (first seen 2 h ago, 3 days ago, 40 days ago), one published this
    evening (after NOW, a portal's clock ahead) and one a year ago."""
    db_url, portals = four_portals
    query(
        db_url,
        "INSERT INTO articles (portal, url, canonical_url, body, body_fingerprint, extractor_version,"
        " published_at, first_seen_at) SELECT 'cantho', 'https://c/' || i, 'c/' || i, 'x', 'fp' || i, 'v',"
        " published, seen FROM unnest(%s::timestamptz[], %s::timestamptz[]) WITH ORDINALITY AS t(published,"
        " seen, i)",
        (
            [None, None, None, NOW + timedelta(hours=8), NOW - timedelta(days=365)],
            [NOW - timedelta(hours=2), NOW - timedelta(days=3), NOW - timedelta(days=40), NOW, NOW],
        ),
    )
    cantho = compute_health(db_url, portals, now=NOW)[3]
    assert cantho.newest_article_at == NOW - timedelta(hours=2)  # the undated one; not the evening's
    assert cantho.articles_last_24h == 1
    assert cantho.articles_per_day == round(1 / 28, 2)  # the one of 3 days ago; 40 days is outside
    # Local days 31 Oct .. 27 Nov: 3 days ago (24 Nov) one, today two (2 h ago and this evening).
    assert cantho.daily_counts == [0] * 24 + [1, 0, 0, 2]
