"""Alerts that reach a person: one message per incident, through Airflow's Apprise notifier.

Where the message goes is the Airflow Connection `portalnews_alerts` (conn type `apprise`; its extra
`config` names the Apprise URLs: mailto://, tgram://, slack://, msteams://, json:// webhooks...). An
incident is a portal flagged by its run (`report` turning red, or a task failing after its last retry)
or by the health DAG; it stays open until that source sees the portal well again. Only the opening
failure sends a message, so an hourly red run or a retried task never storms anyone's inbox.
"""

from __future__ import annotations

import logging

from airflow.providers.apprise.notifications.apprise import AppriseNotifier
from airflow.sdk import BaseNotifier
from apprise import NotifyType

log = logging.getLogger(__name__)

ALERTS_CONNECTION_ID = "portalnews_alerts"
# Exceptions that are a verdict on the portal (their message is the reason with figures), not a crash.
FLAG_EXCEPTIONS = ("PortalAlert", "PortalUnhealthy")


def incident_message(portal: str, source: str, reason: str, context: dict) -> tuple[str, str]:
    """Title and body: portal, reason with its figures, where it happened, the link to the log."""
    ti = context.get("ti")
    headline = reason.split(":", 1)[0] if ":" in reason.split("\n", 1)[0] else reason.split("\n", 1)[0]
    title = f"portalnews: {portal} — {headline[:80]}"
    lines = [
        f"Portal: {portal}",
        f"Flagged by: {'the health check' if source == 'health' else 'its pipeline run'}",
        f"Reason: {reason if len(reason) <= 2000 else reason[:2000] + ' [...] (the rest is in the log)'}",
    ]
    if ti is not None:
        lines += [
            f"Task: {ti.dag_id}.{ti.task_id}, run {ti.run_id}, try {ti.try_number}",
            f"Log: {ti.log_url}",
        ]
    lines.append("One message per incident: no further message until the portal is well again.")
    return title, "\n".join(lines)


class PortalIncidentNotifier(BaseNotifier):
    """A task's on_failure_callback (after its last retry): open the portal's incident and, when it is
    new, send one message through the Apprise notifier of the `portalnews_alerts` Connection."""

    template_fields = ("portal", "source", "conn_id")

    def __init__(
        self, portal: str, db_conn_id: str, source: str = "run", conn_id: str = ALERTS_CONNECTION_ID
    ):
        super().__init__()
        self.portal = portal
        self.db_conn_id = db_conn_id  # the portalnews database's Connection, where incidents are kept
        self.source = source
        self.conn_id = conn_id

    def notify(self, context) -> None:
        from portalnews.monitoring.incidents import mark_notified, open_incident

        error = context.get("exception")
        reason = str(error) if error is not None else "the task failed"
        if error is not None and type(error).__name__ not in FLAG_EXCEPTIONS:
            reason = f"{type(error).__name__}: {error}"  # a crash, not a flag: name its kind
        ti = context.get("ti")
        from airflow.sdk import Connection

        db_url = Connection.get(self.db_conn_id).get_uri()
        incident = open_incident(db_url, self.portal, self.source, reason, getattr(ti, "log_url", None))
        if incident is None:
            log.info("incident of %s (%s) already open: no new message", self.portal, self.source)
            return
        title, body = incident_message(self.portal, self.source, reason, context)
        if send(title, body, self.conn_id, context):
            mark_notified(db_url, incident["id"])


def send(title: str, body: str, conn_id: str = ALERTS_CONNECTION_ID, context: dict | None = None) -> bool:
    """Send through Airflow's AppriseNotifier; False (logged, nothing raised) when it cannot be sent."""
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        AppriseNotifier(
            title=title, body=body, notify_type=NotifyType.FAILURE, apprise_conn_id=conn_id
        ).notify(context or {})
    except AirflowNotFoundException:
        log.warning("no Airflow Connection %r: alert not sent (%s)", conn_id, title)
        return False
    except Exception:
        log.exception("alert not sent through %r (%s)", conn_id, title)
        return False
    log.info("alert sent through %r: %s", conn_id, title)
    return True
