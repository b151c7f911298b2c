"""`portalnews_backfill`: walk a portal's archives deeper, started from the UI's trigger form.

Params: `portal` (a registry id), `since` (oldest publication date wanted), `depth` (listing pages to
walk). crawl -> clean -> load -> report, as the portal's own DAG, recorded in crawl_runs with trigger
`backfill`. The crawl waits while another crawl of the same portal (its hourly DAG) holds the
portal's lock, and holds it in turn, so the two never crawl one portal at once. Interrupted backfills
resume where they stopped (Scrapy JOBDIR).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Param, dag, get_current_context, task

from portalnews.airflow_env import CONNECTION_ID, CRAWL_POOL
from portalnews.config import registry_files
from portalnews.monitoring.callbacks import db_url, run_failure_callbacks
from portalnews.registry import load_registry

PORTAL_IDS = sorted(load_registry(registry_files()))

DOC = """
### Backfill a portal
**Trigger** this DAG and fill in the form: the portal, the oldest publication date wanted (`since`)
and how many listing pages to walk (`depth`). It waits for the portal's scheduled crawl to finish
and keeps that crawl out while it runs. Progress: the crawl task's log and
`SELECT * FROM crawl_runs WHERE trigger = 'backfill' ORDER BY started_at DESC`.
"""


def _db_url() -> str:
    return db_url(CONNECTION_ID)


def _wait_for_portal(db_url: str, portal_id: str, poll_seconds: float = 10.0) -> None:
    """Wait while another crawl of the portal (its scheduled DAG) holds the portal's lock."""
    import time

    from portalnews.store.locks import PortalBusy, portal_lock

    while True:
        try:
            with portal_lock(db_url, portal_id):
                return
        except PortalBusy as busy:
            print(f"waiting: {busy}")
            time.sleep(poll_seconds)


def _portal():
    return load_registry(registry_files())[get_current_context()["params"]["portal"]]


@dag(
    dag_id="portalnews_backfill",
    description="Walk one portal's archives back to a date (params: portal, since, depth)",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=2,
    dagrun_timeout=timedelta(hours=24),
    default_args={"owner": "portalnews", "retries": 2, "retry_delay": timedelta(minutes=2),
                  "retry_exponential_backoff": True, "on_failure_callback": run_failure_callbacks(None, CONNECTION_ID)},
    params={
        "portal": Param(PORTAL_IDS[0] if PORTAL_IDS else "", type="string", enum=PORTAL_IDS,
                        title="Portal", description="registry id of the portal to backfill"),
        "since": Param("2020-01-01", type="string", format="date", title="Since",
                       description="stop paging once listings show only articles older than this date"),
        "depth": Param(100, type="integer", minimum=1, maximum=5000, title="Depth",
                       description="listing pages to walk at most (the registry's default is 500)"),
    },
    tags=["portalnews", "operations", "backfill"],
    doc_md=DOC,
)
def portalnews_backfill():
    @task(pool=CRAWL_POOL, execution_timeout=timedelta(hours=20))
    def crawl() -> dict:
        from portalnews import jobs
        from portalnews.store.runs import release_run

        context = get_current_context()
        params, portal, db_url = context["params"], _portal(), _db_url()
        _wait_for_portal(db_url, portal.id)
        run_id = jobs.start_run(db_url, portal, trigger="backfill", airflow_run_id=context["run_id"])
        try:  # jobs.crawl holds the portal's lock: the hourly DAG skips its crawls meanwhile
            stats = jobs.crawl(db_url, portal, run_id, registry_files(), backfill=True, since=params["since"],
                               max_listing_pages=params["depth"])
        except Exception as err:
            jobs.finish_run(db_url, portal, run_id, {}, error=f"crawl: {type(err).__name__}: {err}")
            raise
        release_run(db_url, run_id)
        print(f"backfill crawl statistics for {portal.id}: {stats}")
        return {"run_id": run_id, "crawl": stats}

    @task(execution_timeout=timedelta(hours=3))
    def clean(run: dict) -> dict:
        from portalnews import jobs

        return jobs.clean(_db_url(), _portal())

    @task(execution_timeout=timedelta(hours=2))
    def load(run: dict, cleaned: dict) -> dict:
        from portalnews import jobs

        return jobs.load(_db_url(), _portal())

    @task(retries=0)
    def report(run: dict, cleaned: dict, loaded: dict) -> dict:
        from portalnews import jobs

        summary = jobs.finish_run(_db_url(), _portal(), run["run_id"],
                                  {"crawl": run["crawl"], "clean": cleaned, "load": loaded})
        print(f"backfill summary: {summary}")
        return summary

    run = crawl()
    cleaned = clean(run)
    loaded = load(run, cleaned)
    report(run, cleaned, loaded)


portalnews_backfill()
