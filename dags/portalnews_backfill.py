"""`portalnews_backfill`: walk a portal's archives deeper, started from the UI's trigger form.

Params: `portal` (a registry id), `since` (oldest publication date wanted), `depth` (listing pages to
walk), `source` (`portal`, or a web archive's URL to backfill from its captures), `until` (with an
archive source, the newest capture date wanted; empty for no bound), `wait` (minutes to wait
for a running crawl of the portal). crawl_clean_load -> report,
the portal DAG's tasks (portalnews/airflow_tasks.py), recorded in crawl_runs with trigger `backfill`. The
crawl waits, logging each check, while another crawl of the same portal (its hourly DAG) holds the
portal's lock, and holds it in turn, so the two never crawl one portal at once; past `wait` the try
fails saying so and Airflow retries it. Interrupted backfills resume where they stopped (Scrapy JOBDIR).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, get_current_context

from portalnews.airflow_env import CONNECTION_ID
from portalnews.airflow_tasks import PortalRun, backfill_crawl_options, crawl_clean_load_report
from portalnews.config import registry_files
from portalnews.monitoring.callbacks import run_failure_callbacks
from portalnews.registry import load_registry

PORTAL_IDS = sorted(load_registry(registry_files()))
POLL_SECONDS = 5  # how often a waiting backfill checks the portal's lock (each check is logged)

DOC = """
### Backfill a portal
**Trigger** this DAG and fill in the form: the portal, the oldest publication date wanted (`since`)
and how many listing pages to walk (`depth`); `source` is `portal`, or a Wayback-compatible
archive's URL (e.g. `https://web.archive.org/web`) to fetch the portal's archived captures instead,
made between `since` and `until` (empty: up to now). It waits for the portal's scheduled crawl to
finish (up to `wait` minutes, then the try fails with the reason and is retried) and keeps that crawl
out while it runs. Progress: the crawl_clean_load task's log and
`SELECT * FROM crawl_runs WHERE trigger = 'backfill' ORDER BY started_at DESC`.
"""


def _portal():
    return load_registry(registry_files())[get_current_context()["params"]["portal"]]


def _wait_for_portal(db_url: str, portal) -> None:
    """Wait while the portal's scheduled crawl holds its lock, up to the `wait` param; then fail this
    try with the reason (Airflow retries it; the last failure alerts)."""
    from portalnews.store.locks import wait_for_portal

    minutes = float(get_current_context()["params"]["wait"])
    wait_for_portal(db_url, portal.id, limit_seconds=minutes * 60, poll_seconds=POLL_SECONDS)


def _crawl_options() -> dict:
    return backfill_crawl_options(get_current_context()["params"])


@dag(
    dag_id="portalnews_backfill",
    description="Walk one portal's archives back to a date (params: portal, since, depth, source, until, "
                "wait)",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=2,
    is_paused_upon_creation=False,  # an operator's tool: a triggered run runs (portal DAGs start paused)
    dagrun_timeout=timedelta(hours=24),
    default_args={
        "owner": "portalnews",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "on_failure_callback": run_failure_callbacks(None, CONNECTION_ID),
    },
    params={
        "portal": Param(
            PORTAL_IDS[0] if PORTAL_IDS else "",
            type="string",
            enum=PORTAL_IDS,
            title="Portal",
            description="registry id of the portal to backfill",
        ),
        "since": Param(
            "2020-01-01",
            type="string",
            format="date",
            title="Since",
            description="stop paging once listings show only articles older than this date",
        ),
        "depth": Param(
            100,
            type="integer",
            minimum=1,
            maximum=5000,
            title="Depth",
            description="listing pages to walk at most (the registry's default is 500)",
        ),
        "source": Param(
            "portal",
            type="string",
            pattern=r"^(portal|https?://\S+)$",
            title="Source",
            description="`portal` walks the portal's own listings; a Wayback-compatible archive's "
            "replay prefix (e.g. https://web.archive.org/web) fetches its captures "
            "made since `since` instead (docs/web-archives.md)",
        ),
        "until": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Until",
            description="with an archive `source`: only captures made until this date (empty: up to "
            "now); ignored for `portal`, as `portalnews run` ignores it",
        ),
        "wait": Param(
            60,
            type="number",
            minimum=0,
            maximum=720,
            title="Wait (minutes)",
            description="how long to wait for a running crawl of the portal (its hourly DAG) "
            "before this try fails; Airflow then retries it",
        ),
    },
    tags=["portalnews", "operations", "backfill"],
    doc_md=DOC,
)
def portalnews_backfill():
    crawl_clean_load_report(PortalRun(
        portal=_portal, trigger="backfill", before_crawl=_wait_for_portal, crawl_options=_crawl_options,
        resolve_incidents=False, timeout=timedelta(hours=22)))


portalnews_backfill()
