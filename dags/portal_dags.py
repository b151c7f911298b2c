"""One Airflow DAG per portal in the registry: crawl -> clean -> load -> report.

Kept thin: the steps live in portalnews.jobs (shared with `portalnews run`); this file only wires
them into TaskFlow tasks. The portalnews database is reached through the Airflow Connection
`portalnews_db` (e.g. AIRFLOW_CONN_PORTALNEWS_DB), never a hard-coded URL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, get_current_context, task

from portalnews.airflow_env import CONNECTION_ID, CRAWL_POOL
from portalnews.config import registry_files
from portalnews.monitoring.callbacks import db_url, run_failure_callbacks
from portalnews.registry import Portal, load_registry

DEFAULT_ARGS = {
    "owner": "portalnews",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}

def _db_url() -> str:
    return db_url(CONNECTION_ID)


OPERATOR_DOC = """
### {name}
`{base_url}` · CMS family `{family}` · schedule `{schedule}` · registry `{registry_file}`

**crawl** fetches listing pages, feeds and sitemaps and every unseen article (Scrapy, own process),
keeping raw pages in `raw_pages`; **clean** extracts text and metadata into `extractions`;
**load** merges them into `articles` (deduplicated); **report** records the run in `crawl_runs`
and fails (red) on a zero-yield or drift alert, with the reason in its log. A task failing after its
last retry, or a red report, sends one message per incident through the `portalnews_alerts` Connection.
A crawl never runs while another crawl of the same portal (a backfill) holds the portal's lock: this
run's crawl is then skipped.
Crawl figures are in the crawl task's log and in `SELECT * FROM crawl_runs WHERE portal = '{id}'`.
"""


def build_portal_dag(portal: Portal):
    articles_asset = Asset(name=f"portalnews_articles_{portal.id}", uri=f"portalnews://articles/{portal.id}")

    @dag(
        dag_id=f"portalnews_{portal.id}",
        description=f"{portal.name}: crawl, clean, dedupe and load news",
        schedule=portal.schedule,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=timedelta(hours=6),
        default_args={**DEFAULT_ARGS, "on_failure_callback": run_failure_callbacks(portal.id, CONNECTION_ID)},
        tags=["portalnews", portal.family or "unknown-cms"],
        doc_md=OPERATOR_DOC.format(**{**portal.__dict__, "family": portal.family or "unknown-cms"}),
    )
    def portal_pipeline():
        @task(pool=CRAWL_POOL, execution_timeout=timedelta(hours=3))
        def crawl() -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            from portalnews import jobs
            from portalnews.store.locks import PortalBusy, portal_lock
            from portalnews.store.runs import release_run

            db_url = _db_url()
            try:  # a backfill of this portal holds its lock for hours: skip this hour, don't fail it
                with portal_lock(db_url, portal.id):
                    pass
            except PortalBusy as busy:
                raise AirflowSkipException(f"{busy}: this scheduled run skips its crawl") from None
            run_id = jobs.start_run(db_url, portal, trigger="airflow", airflow_run_id=get_current_context()["run_id"])
            try:
                stats = jobs.crawl(db_url, portal, run_id, registry_files())  # holds the portal's lock
            except Exception as err:
                jobs.finish_run(db_url, portal, run_id, {}, error=f"crawl: {type(err).__name__}: {err}")
                raise
            release_run(db_url, run_id)  # clean and load may run in other processes
            print(f"crawl statistics for {portal.id}: {stats}")
            return {"run_id": run_id, "crawl": stats}

        @task(execution_timeout=timedelta(hours=2))
        def clean(run: dict) -> dict:
            from portalnews import jobs

            stats = jobs.clean(_db_url(), portal)
            print(f"clean statistics for {portal.id}: {stats}")
            return stats

        @task(outlets=[articles_asset], execution_timeout=timedelta(hours=1))
        def load(run: dict, cleaned: dict) -> dict:
            from portalnews import jobs

            stats = jobs.load(_db_url(), portal)
            print(f"load statistics for {portal.id}: {stats}")
            return stats

        @task(retries=0)
        def report(run: dict, cleaned: dict, loaded: dict) -> dict:
            from portalnews import jobs
            from portalnews.monitoring.incidents import resolve_incidents

            db_url = _db_url()
            summary = jobs.finish_run(db_url, portal, run["run_id"],
                                      {"crawl": run["crawl"], "clean": cleaned, "load": loaded})
            print(f"run summary for {portal.id}: {summary}")
            if resolve_incidents(db_url, portal.id, "run"):
                print(f"{portal.id} is well again: its open incident is resolved")
            return summary

        run = crawl()
        cleaned = clean(run)
        loaded = load(run, cleaned)
        report(run, cleaned, loaded)

    return portal_pipeline()


for _portal in load_registry(registry_files()).values():
    globals()[f"portalnews_{_portal.id}"] = build_portal_dag(_portal)
