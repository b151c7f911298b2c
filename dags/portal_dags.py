"""One Airflow DAG per portal in the registry: crawl_clean_load -> report.

Kept thin: the steps live in portalnews.jobs (shared with `portalnews run`), their tasks in
portalnews/airflow_tasks.py (shared with the backfill DAG). The portalnews database is reached
through the Airflow Connection `portalnews_db` (AIRFLOW_CONN_PORTALNEWS_DB), never a hard-coded URL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag

from portalnews.airflow_env import CONNECTION_ID
from portalnews.airflow_tasks import PortalRun, crawl_clean_load_report
from portalnews.config import registry_files
from portalnews.monitoring.callbacks import run_failure_callbacks
from portalnews.registry import Portal, load_registry

DEFAULT_ARGS = {
    "owner": "portalnews",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def _skip_while_busy(db_url: str, portal: Portal) -> None:
    """A backfill of this portal holds its lock for hours: skip this hour's crawl, don't fail it."""
    from airflow.sdk.exceptions import AirflowSkipException

    from portalnews.store.locks import PortalBusy, portal_lock

    try:
        with portal_lock(db_url, portal.id):
            pass
    except PortalBusy as busy:
        raise AirflowSkipException(f"{busy}: this scheduled run skips its crawl") from None


OPERATOR_DOC = """
### {name}
`{base_url}` · CMS family `{family}` · schedule `{schedule}` · registry `{registry_file}`

**crawl_clean_load** fetches listing pages, feeds and sitemaps and every unseen article (Scrapy, own
process), keeping raw pages in `raw_pages`; while it crawls, it cleans them (text and metadata into
`extractions`) and loads them (into `articles`, deduplicated), each stage's figures in its log;
**report** records the run in `crawl_runs`
and fails (red) on a zero-yield or drift alert, with the reason in its log. A task failing after its
last retry, or a red report, sends one message per incident through the `portalnews_alerts` Connection.
A crawl never runs while another crawl of the same portal (a backfill) holds the portal's lock: this
run's crawl is then skipped.
Crawl figures are in the crawl_clean_load task's log and in `SELECT * FROM crawl_runs WHERE portal = '{id}'`.
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
        crawl_clean_load_report(
            PortalRun(
                portal=lambda: portal,
                trigger="airflow",
                before_crawl=_skip_while_busy,
                articles_asset=articles_asset,
            )
        )

    return portal_pipeline()


for _portal in load_registry(registry_files()).values():
    globals()[f"portalnews_{_portal.id}"] = build_portal_dag(_portal)
