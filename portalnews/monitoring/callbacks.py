"""Airflow callbacks shared by the portal DAGs and the backfill DAG."""

from __future__ import annotations

import logging

from portalnews.monitoring.notifications import PortalIncidentNotifier

log = logging.getLogger(__name__)


def db_url(db_conn_id: str) -> str:
    """The portalnews database, from its Airflow Connection (`portalnews_db`)."""
    from airflow.sdk import Connection

    return Connection.get(db_conn_id).get_uri()


class CloseRunOnFailure:
    """on_failure_callback: a task of the run failed after its last retry, so the run is over: close
    its crawl_runs row as failed with the task and the error, instead of leaving it `running`."""

    def __init__(self, portal_id: str | None, db_conn_id: str):
        self.portal_id = portal_id  # None: the run's `portal` param (the backfill DAG)
        self.db_conn_id = db_conn_id

    def __call__(self, context) -> None:
        from portalnews.store.runs import fail_open_run

        ti, error = context["ti"], context.get("exception")
        portal_id = self.portal_id or context["params"]["portal"]
        message = f"{ti.task_id} failed after {ti.try_number} tries: {type(error).__name__}: {error}"
        try:
            fail_open_run(db_url(self.db_conn_id), portal_id, ti.run_id, message)
        except Exception:  # a callback must never hide the task's own failure
            log.exception("could not close the crawl_runs row of %s", ti.run_id)


def run_failure_callbacks(portal_id: str | None, db_conn_id: str) -> list:
    """Close the run's row, then tell a person once per incident (None: the run's `portal` param)."""
    return [CloseRunOnFailure(portal_id, db_conn_id),
            PortalIncidentNotifier(portal_id or "{{ params.portal }}", db_conn_id, source="run")]
