"""`portalnews_health`: daily (and on demand) per-portal health, stored in `portal_health`.

close_dead_runs -> compute -> one check_<portal> task per portal, red when the portal crosses its
thresholds (registry `[portal.health]`), with the reasons in its log and one message per incident
through the `portalnews_alerts` Connection. The figures are on the UI's Portal health page.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from portalnews.airflow_env import CONNECTION_ID
from portalnews.config import registry_files
from portalnews.monitoring.callbacks import db_url
from portalnews.monitoring.notifications import PortalIncidentNotifier
from portalnews.registry import load_registry

PORTALS = load_registry(registry_files())


def _db_url() -> str:
    return db_url(CONNECTION_ID)

DOC = """
### Portal health
Per portal: newest article age, articles per day over 28 days, the last 24 hours against that mean,
share of the last 7 days' pages with no date or no body, open fetch failures, last successful run.
A **check_&lt;portal&gt;** task turns red when the portal crosses a threshold (defaults in
`portalnews/registry/portal.py`, per portal in the registry's `[portal.health]`); its log names each
reason with its figures. Runs whose task died are closed as failed first (**close_dead_runs**).
History: `SELECT * FROM portal_health ORDER BY computed_at DESC`; latest: `portal_health_latest`.
"""


@dag(
    dag_id="portalnews_health",
    description="Per-portal health: freshness, yield against the 28-day baseline, extraction quality",
    schedule="0 7 * * *",  # 07:00 in the DAG's time zone (Asia/Ho_Chi_Minh)
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,  # an operator's tool: a triggered run runs (portal DAGs start paused)
    default_args={"owner": "portalnews", "retries": 1, "retry_delay": timedelta(minutes=5)},
    tags=["portalnews", "operations"],
    doc_md=DOC,
)
def portalnews_health():
    @task
    def close_dead_runs() -> list[dict]:
        from portalnews import jobs

        closed = jobs.close_dead_runs(_db_url())
        for run in closed:
            print(f"crawl_runs {run['id']} of {run['portal']}: {run['message']}")
        return closed

    @task
    def compute(closed: list[dict]) -> dict:
        from portalnews.monitoring.health import compute_health
        from portalnews.store.schema import register_portals, require_current_schema

        db_url = _db_url()
        require_current_schema(db_url)
        register_portals(db_url, list(PORTALS.values()))
        results = compute_health(db_url, list(PORTALS.values()))
        for health in results:
            print(f"{health.portal}: {health.status} {health.as_json()}")
        return {health.portal: health.as_json() for health in results}

    computed = compute(close_dead_runs())
    for portal_id in PORTALS:

        @task(task_id=f"check_{portal_id}", retries=0,
              on_failure_callback=PortalIncidentNotifier(portal_id, CONNECTION_ID, source="health"))
        def check(figures: dict, portal_id: str = portal_id) -> str:
            from portalnews.monitoring.health import PortalUnhealthy
            from portalnews.monitoring.incidents import resolve_incidents

            health = figures[portal_id]
            if health["status"] == "alert":
                raise PortalUnhealthy(f"{portal_id} is unhealthy: " + "; ".join(health["reasons"]))
            if resolve_incidents(_db_url(), portal_id, "health"):
                print(f"{portal_id} is healthy again: its open incident is resolved")
            return health["status"]

        check(computed)


portalnews_health()
