"""Per-portal health, computed in SQL from what the pipeline stored, judged against the registry's
`[portal.health]` thresholds, and kept in `portal_health` (one row per portal per computation).

Figures: newest article age; articles per day over the 28 days before the last 24 hours and the
last 24 hours against that mean; the share of the last 7 days' cleaned pages with no date or no body;
open fetch failures; the last successful run. Days are Asia/Ho_Chi_Minh days.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from portalnews.registry import Portal
from portalnews.store.db import transaction

BASELINE_DAYS = 28
QUALITY_DAYS = 7
MIN_PAGES_FOR_SHARES = 5  # fewer cleaned pages than this say nothing about a template change

# Every figure reads only the days it is about, through the (portal, published_at) index: the cost
# stays flat as articles accumulate (bench/search.py times it at 10,000 and 200,000 stored articles). An
# article's time is its published_at, or first_seen_at when it has none.
FIGURES_SQL = """
WITH portal AS (SELECT unnest(%(portals)s::text[]) AS id),
bounds AS (
    SELECT %(now)s::timestamptz - interval '1 day' - make_interval(days => %(days)s) AS since,
           ((%(now)s AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + 1) AT TIME ZONE 'Asia/Ho_Chi_Minh' AS until
),
recent AS (  -- articles of the baseline days, the last 24 hours and the rest of today
    SELECT a.portal, a.published_at AS at FROM articles a, bounds b
    WHERE a.portal = ANY(%(portals)s) AND a.published_at > b.since AND a.published_at < b.until
    UNION ALL
    SELECT a.portal, a.first_seen_at FROM articles a, bounds b
    WHERE a.portal = ANY(%(portals)s) AND a.published_at IS NULL
      AND a.first_seen_at > b.since AND a.first_seen_at < b.until
),
recent_figures AS (
    SELECT portal,
        count(*) FILTER (WHERE at > %(now)s - interval '1 day' AND at <= %(now)s) AS articles_last_24h,
        count(*) FILTER (WHERE at <= %(now)s - interval '1 day') AS baseline_articles
    FROM recent GROUP BY portal
),
daily AS (
    SELECT portal, (at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day, count(*) AS n FROM recent GROUP BY 1, 2
),
latest_extraction AS (
    SELECT DISTINCT ON (e.raw_page_id) r.portal, e.ok, e.result ->> 'published_at' AS published_at
    FROM extractions e JOIN raw_pages r ON r.id = e.raw_page_id
    WHERE r.portal = ANY(%(portals)s) AND e.extracted_at >= %(now)s - make_interval(days => %(quality_days)s)
    ORDER BY e.raw_page_id, e.extracted_at DESC
)
SELECT portal.id AS portal,
    greatest((SELECT max(a.published_at) FROM articles a
               WHERE a.portal = portal.id AND a.published_at <= %(now)s),
             (SELECT max(a.first_seen_at) FROM articles a
               WHERE a.portal = portal.id AND a.published_at IS NULL AND a.first_seen_at <= %(now)s)
    ) AS newest_article_at,
    coalesce(f.articles_last_24h, 0) AS articles_last_24h,
    coalesce(f.baseline_articles, 0) AS baseline_articles,
    (SELECT array_agg(coalesce(d.n, 0) ORDER BY calendar.day)
     FROM generate_series((%(now)s AT TIME ZONE 'Asia/Ho_Chi_Minh')::date - (%(days)s - 1),
                          (%(now)s AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, interval '1 day') AS calendar(day)
     LEFT JOIN daily d ON d.portal = portal.id AND d.day = calendar.day::date) AS daily_counts,
    (SELECT count(*) FROM latest_extraction x WHERE x.portal = portal.id) AS pages_cleaned_7d,
    (SELECT count(*) FROM latest_extraction x WHERE x.portal = portal.id AND x.ok AND x.published_at IS NULL)
        AS pages_no_date,
    (SELECT count(*) FROM latest_extraction x WHERE x.portal = portal.id AND NOT x.ok) AS pages_no_body,
    (SELECT count(*) FROM fetch_failures f WHERE f.portal = portal.id) AS open_fetch_failures,
    (SELECT max(finished_at) FROM crawl_runs c WHERE c.portal = portal.id AND c.status = 'success')
        AS last_success_at,
    (SELECT count(*) FROM crawl_runs c WHERE c.portal = portal.id AND c.finished_at IS NOT NULL) AS runs
FROM portal LEFT JOIN recent_figures f ON f.portal = portal.id
"""


class PortalUnhealthy(RuntimeError):
    """A portal crossed its health thresholds; the message lists each reason with its figures."""


@dataclass
class PortalHealth:
    portal: str
    status: str  # ok, alert, no data
    reasons: list[str] = field(default_factory=list)
    newest_article_at: datetime | None = None
    newest_article_age_hours: float | None = None
    articles_per_day: float = 0.0
    articles_last_24h: int = 0
    yield_ratio: float | None = None
    pages_cleaned_7d: int = 0
    no_date_share: float | None = None
    no_body_share: float | None = None
    open_fetch_failures: int = 0
    last_success_at: datetime | None = None
    daily_counts: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        """Plain JSON (XCom, notifications): datetimes as ISO strings."""
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()}


def _judge(portal: Portal, row: dict, now: datetime) -> PortalHealth:
    limits = portal.health
    per_day = row["baseline_articles"] / BASELINE_DAYS
    newest = row["newest_article_at"]
    pages = row["pages_cleaned_7d"]
    age_hours = round((now - newest).total_seconds() / 3600, 1) if newest else None
    yield_ratio = round(row["articles_last_24h"] / per_day, 2) if per_day else None
    no_date_share = round(row["pages_no_date"] / pages, 3) if pages else None
    no_body_share = round(row["pages_no_body"] / pages, 3) if pages else None
    health = PortalHealth(
        portal=portal.id, status="ok", newest_article_at=newest, newest_article_age_hours=age_hours,
        articles_per_day=round(per_day, 2), articles_last_24h=row["articles_last_24h"],
        yield_ratio=yield_ratio, pages_cleaned_7d=pages,
        no_date_share=no_date_share, no_body_share=no_body_share,
        open_fetch_failures=row["open_fetch_failures"], last_success_at=row["last_success_at"],
        daily_counts=list(row["daily_counts"]),
    )
    if newest is None and row["runs"] == 0:
        # Never run (a paused DAG) or its first run still going (a new portal, the demo's first
        # minutes): nothing to judge yet. A run whose process died is closed by close_dead_runs.
        health.status = "no data"
        return health
    reasons = health.reasons
    age_limit = limits["max_article_age_hours"]
    if age_hours is None:
        reasons.append("no article stored yet")
    elif age_hours > age_limit:
        reasons.append(f"newest article is {age_hours:.0f} h old (limit {age_limit:.0f} h)")
    # (a yield ratio and the shares are None only when there is no baseline or no page: not judged then)
    if (per_day >= limits["min_baseline_per_day"] and yield_ratio is not None
            and yield_ratio < limits["min_yield_ratio"]):
        reasons.append(f"low yield: {health.articles_last_24h} articles in the last 24 h against "
                       f"{per_day:.1f}/day over {BASELINE_DAYS} days (ratio {health.yield_ratio:.2f}, "
                       f"limit {limits['min_yield_ratio']:.2f})")
    if pages >= MIN_PAGES_FOR_SHARES:
        if no_body_share is not None and no_body_share > limits["max_no_body_share"]:
            reasons.append(f"{row['pages_no_body']} of {pages} pages of the last {QUALITY_DAYS} days have no "
                           f"article body (limit {limits['max_no_body_share']:.0%})")
        if no_date_share is not None and no_date_share > limits["max_no_date_share"]:
            reasons.append(f"{row['pages_no_date']} of {pages} pages of the last {QUALITY_DAYS} days have no "
                           f"published date (limit {limits['max_no_date_share']:.0%})")
    if health.open_fetch_failures > limits["max_open_fetch_failures"]:
        reasons.append(f"{health.open_fetch_failures} article URLs keep failing to fetch "
                       f"(limit {limits['max_open_fetch_failures']:.0f})")
    success = health.last_success_at
    since_limit = limits["max_hours_since_success"]
    if success is None:
        reasons.append(f"no successful run in {row['runs']} runs")
    elif (now - success).total_seconds() / 3600 > since_limit:
        reasons.append(f"last successful run {(now - success).total_seconds() / 3600:.0f} h ago "
                       f"(limit {since_limit:.0f} h)")
    health.status = "alert" if reasons else "ok"
    return health


def compute_health(db_url: str, portals: list[Portal], now: datetime | None = None,
                   store: bool = True) -> list[PortalHealth]:
    """Health of each portal at `now` (default: the database's now), stored in portal_health."""
    with transaction(db_url) as cur:
        if now is None:
            cur.execute("SELECT now() AS now")
            now = cur.fetchone()["now"]
        cur.execute(FIGURES_SQL, {"portals": [p.id for p in portals], "now": now, "days": BASELINE_DAYS,
                                  "quality_days": QUALITY_DAYS})
        rows = {row["portal"]: row for row in cur.fetchall()}
        results = [_judge(p, rows[p.id], now) for p in portals]
        if store:
            for h in results:
                cur.execute(
                    "INSERT INTO portal_health (portal, computed_at, status, reasons, newest_article_at,"
                    " newest_article_age_hours, articles_per_day, articles_last_24h, yield_ratio,"
                    " pages_cleaned_7d, no_date_share, no_body_share, open_fetch_failures, last_success_at,"
                    " daily_counts) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (h.portal, now, h.status, h.reasons, h.newest_article_at, h.newest_article_age_hours,
                     h.articles_per_day, h.articles_last_24h, h.yield_ratio, h.pages_cleaned_7d,
                     h.no_date_share, h.no_body_share, h.open_fetch_failures, h.last_success_at,
                     h.daily_counts),
                )
    return results
