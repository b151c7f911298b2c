"""alert_incidents: a portal flagged by its run or by the health DAG, open until that source sees
the portal well again. Whoever is told is told once per incident (see notifications.py)."""

from __future__ import annotations

from portalnews.store.db import transaction


def open_incident(db_url: str, portal: str, source: str, reason: str, log_url: str | None) -> dict | None:
    """Record a flag; return the incident when it is new (someone must be told), None when already open."""
    with transaction(db_url) as cur:
        cur.execute(
            "UPDATE alert_incidents SET last_seen_at = now(), occurrences = occurrences + 1, reason = %s,"
            " log_url = coalesce(%s, log_url) WHERE portal = %s AND source = %s AND resolved_at IS NULL"
            " RETURNING id",
            (reason, log_url, portal, source),
        )
        if cur.fetchone():
            return None
        cur.execute(
            "INSERT INTO alert_incidents (portal, source, reason, log_url) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (portal, source) WHERE resolved_at IS NULL DO NOTHING RETURNING *",
            (portal, source, reason, log_url),
        )
        return cur.fetchone()


def mark_notified(db_url: str, incident_id: int) -> None:
    with transaction(db_url) as cur:
        cur.execute("UPDATE alert_incidents SET notified_at = now() WHERE id = %s", (incident_id,))


def resolve_incidents(db_url: str, portal: str, source: str) -> int:
    """The portal is well again as far as `source` can tell: close its open incident."""
    with transaction(db_url) as cur:
        cur.execute("UPDATE alert_incidents SET resolved_at = now() WHERE portal = %s AND source = %s"
                    " AND resolved_at IS NULL", (portal, source))
        return cur.rowcount
