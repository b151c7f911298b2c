"""The Portal health page: one row per registry portal with its latest `portal_health` figures, a
28-day articles-per-day chart drawn as SVG on the server, and links to the
portal's DAG and its last failed task's log (inside the UI's sandboxed frame they go through the UI's
router: the template's one inline script). Served by the plugin's FastAPI app inside the API server."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

log = logging.getLogger(__name__)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                        autoescape=select_autoescape(["html"]))
CHART_BAR, CHART_HEIGHT = 6, 36


@dataclass
class PortalRow:
    id: str
    name: str
    family: str
    status: str  # ok, alert, no data, not computed
    health: dict | None
    dag_url: str
    failed_log_url: str | None
    failed_task: str | None


def daily_chart(counts: list[int]) -> str:
    """Articles per day as an inline SVG bar chart (oldest left), with each bar's figure as a tooltip."""
    top = max(counts or [0]) or 1
    bars = []
    for i, n in enumerate(counts):
        h = round(n / top * (CHART_HEIGHT - 2))
        bars.append(f'<rect x="{i * CHART_BAR}" y="{CHART_HEIGHT - h}" width="{CHART_BAR - 1}" height="{h}">'
                    f"<title>{n} articles, {len(counts) - 1 - i} days ago</title></rect>")
    width = max(len(counts), 1) * CHART_BAR
    return (f'<svg class="chart" role="img" aria-label="articles per day, last {len(counts)} days" '
            f'width="{width}" height="{CHART_HEIGHT}" viewBox="0 0 {width} {CHART_HEIGHT}">'
            f'<line x1="0" y1="{CHART_HEIGHT - 0.5}" x2="{width}" y2="{CHART_HEIGHT - 0.5}" class="axis"/>'
            + "".join(bars) + "</svg>")


def latest_health(db_url: str, portal_ids: list[str]) -> dict[str, dict]:
    from portalnews.store.db import transaction

    with transaction(db_url) as cur:
        cur.execute("SELECT * FROM portal_health_latest WHERE portal = ANY(%s)", (portal_ids,))
        return {row["portal"]: dict(row) for row in cur.fetchall()}


HEALTH_DAG = "portalnews_health"


def last_failed_tasks(portal_ids: list[str]) -> dict[str, tuple[str, str]]:
    """Per portal, the UI link to the log of its most recent failed task: in its own DAG, or its
    check in the health DAG (from Airflow's own database)."""
    from urllib.parse import quote

    from airflow.models.taskinstance import TaskInstance as TI
    from airflow.utils.session import create_session
    from sqlalchemy import or_, select

    portal_of = {f"portalnews_{p}": p for p in portal_ids}
    checks = {f"check_{p}": p for p in portal_ids}
    found: dict[str, tuple[str, str]] = {}
    with create_session() as session:
        rows = session.execute(
            select(TI.dag_id, TI.run_id, TI.task_id, TI.try_number, TI.map_index)
            .where(or_(TI.dag_id.in_(portal_of), (TI.dag_id == HEALTH_DAG) & TI.task_id.in_(checks)),
                   TI.state == "failed")
            .order_by(TI.end_date.desc().nulls_last())
        )
        for dag_id, run_id, task_id, try_number, map_index in rows:
            portal = portal_of.get(dag_id) or checks[task_id]
            if portal not in found:
                mapped = f"/mapped/{map_index}" if map_index is not None and map_index >= 0 else ""
                label = task_id if dag_id != HEALTH_DAG else f"{HEALTH_DAG}.{task_id}"
                found[portal] = (f"/dags/{dag_id}/runs/{quote(run_id)}/tasks/{task_id}{mapped}"
                                 f"?try_number={try_number}", label)
    return found


def portal_rows(
    portals: list, health: dict[str, dict], failed: dict[str, tuple[str, str]]
) -> list[PortalRow]:
    rows = []
    for p in portals:
        h = health.get(p.id)
        dag_id = f"portalnews_{p.id}"
        failed_url, failed_task = failed.get(p.id, (None, None))
        rows.append(
            PortalRow(
                p.id,
                p.name,
                p.family or "unknown-cms",
                h["status"] if h else "not computed",
                h,
                f"/dags/{dag_id}",
                failed_url,
                failed_task,
            )
        )
    order = {"alert": 0, "no data": 1, "not computed": 2, "ok": 3}
    return sorted(rows, key=lambda r: (order.get(r.status, 9), r.id))


def _when(value: datetime | None) -> str:
    return value.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M") if value else "—"


def render(rows: list[PortalRow], computed_at: datetime | None, error: str | None = None) -> str:
    return TEMPLATES.get_template("health.html").render(
        rows=rows, computed_at=_when(computed_at), error=error, chart=daily_chart, when=_when,
        counts={s: sum(1 for r in rows if r.status == s) for s in ("alert", "ok", "no data", "not computed")},
    )


def page(db_url_of, registry_portals) -> str:
    """The whole page; a database that cannot be read is said on the page, not a server error."""
    portals = list(registry_portals())
    try:
        health = latest_health(db_url_of(), [p.id for p in portals])
    except Exception as err:
        log.exception("portal health not readable")
        return render(portal_rows(portals, {}, {}), None, error=f"portal_health could not be read: {err}")
    try:
        failed = last_failed_tasks([p.id for p in portals])
    except Exception:
        log.exception("failed tasks not readable from Airflow's database")
        failed = {}
    computed = max((h["computed_at"] for h in health.values()), default=None)
    return render(portal_rows(portals, health, failed), computed)
