"""crawl_runs rows: one per run (an Airflow run keeps its row across retries), and closing runs whose
process died, or (when the database was down at the end of a run) later, when it answers again.

A row names the process working on it (host, pid, process start time) while a step runs, and is
released between the DAG's tasks. A `running` row is dead when that process is gone from this host,
or when nothing touched it for longer than any live run can take (a task on another machine).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
from datetime import timedelta

import psutil
from psycopg2.extensions import parse_dsn

from portalnews.store.db import transaction
from portalnews.store.spool import spool_dir

log = logging.getLogger(__name__)

# No run lives longer: the portal DAG's dagrun_timeout. A CLI run on this host is judged by its pid.
STALE_AFTER = timedelta(hours=6)


def _this_process() -> tuple[str, int, float]:
    pid = os.getpid()
    return socket.gethostname(), pid, psutil.Process(pid).create_time()


def open_run(db_url: str, portal_id: str, trigger: str, airflow_run_id: str | None = None) -> int:
    """The run's row, created on the first try and reopened (attempts + 1) by every later try."""
    host, pid, started = _this_process()
    with transaction(db_url) as cur:
        cur.execute(
            """
            INSERT INTO crawl_runs (portal, trigger, airflow_run_id, owner_host, owner_pid, owner_started)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (portal, airflow_run_id) DO UPDATE SET
                status = 'running', finished_at = NULL, message = NULL,
                attempts = crawl_runs.attempts + 1, heartbeat_at = now(),
                owner_host = EXCLUDED.owner_host, owner_pid = EXCLUDED.owner_pid,
                owner_started = EXCLUDED.owner_started
            RETURNING id
            """,
            (portal_id, trigger, airflow_run_id, host, pid, started),
        )
        return cur.fetchone()["id"]


def release_run(db_url: str, run_id: int) -> None:
    """This process's step is done; the row waits for the next task (which may run elsewhere)."""
    with transaction(db_url) as cur:
        cur.execute("UPDATE crawl_runs SET owner_host = NULL, owner_pid = NULL, owner_started = NULL,"
                    " heartbeat_at = now() WHERE id = %s", (run_id,))


def close_run(db_url: str, run_id: int, status: str, message: str | None) -> None:
    with transaction(db_url) as cur:
        cur.execute("UPDATE crawl_runs SET status = %s, message = %s, finished_at = now(),"
                    " owner_host = NULL, owner_pid = NULL, owner_started = NULL WHERE id = %s",
                    (status, message, run_id))


def _process_is_gone(pid: int, started: float | None) -> bool:
    try:
        process = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return True
    # A reused pid is another process: compare start times (to the second, as psutil rounds).
    return started is not None and abs(process.create_time() - started) > 1.0


def _database_key(db_url: str) -> str:
    dsn = parse_dsn(db_url)
    return hashlib.sha256(f"{dsn.get('host')}:{dsn.get('port')}/{dsn.get('dbname')}".encode()).hexdigest()[
        :16
    ]


def close_later(db_url: str, run_id: int, portal_id: str, status: str, message: str) -> None:
    """The database is down: note (fsync'd, in the spool directory) how to close the run's row; the
    next run of any portal on that database closes it with this status and message."""
    line = json.dumps({"database": _database_key(db_url), "id": run_id, "portal": portal_id, "status": status,
                       "message": message}, ensure_ascii=False) + "\n"
    fd = os.open(spool_dir() / "runs-to-close.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def close_runs_noted_during_outages(db_url: str) -> int:
    """Close the rows close_later noted for this database; return how many."""
    path = spool_dir() / "runs-to-close.jsonl"
    if not path.exists():
        return 0
    key, closed = _database_key(db_url), 0
    with path.open("r+", encoding="utf-8") as notes:
        fcntl.flock(notes, fcntl.LOCK_EX)
        lines = [line for line in notes.read().splitlines() if line.strip()]
        mine = [note for note in map(json.loads, lines) if note["database"] == key]
        if not mine:
            return 0
        with transaction(db_url) as cur:
            for note in mine:
                cur.execute(
                    "UPDATE crawl_runs SET status = %s, message = %s, finished_at = now(), owner_host = NULL,"
                    " owner_pid = NULL, owner_started = NULL WHERE id = %s AND portal = %s"
                    " AND status = 'running'",
                    (note["status"], note["message"], note["id"], note["portal"]),
                )
                closed += cur.rowcount
        notes.seek(0)
        notes.truncate()
        notes.writelines(line + "\n" for line in lines if json.loads(line)["database"] != key)
        notes.flush()
        os.fsync(notes.fileno())
    return closed


def close_dead_runs(db_url: str, portal_ids: list[str] | tuple[str, ...] | None = None,
                    keep_run_id: int | None = None, stale_after: timedelta = STALE_AFTER) -> list[dict]:
    """Close as failed every `running` row whose process died; return them (id, portal, message)."""
    close_runs_noted_during_outages(db_url)
    host = socket.gethostname()
    with transaction(db_url) as cur:
        cur.execute(
            "SELECT id, portal, owner_host, owner_pid, owner_started, heartbeat_at,"
            " now() - heartbeat_at > %s AS stale FROM crawl_runs"
            " WHERE status = 'running' AND (%s::text[] IS NULL OR portal = ANY(%s::text[]))"
            " AND id IS DISTINCT FROM %s FOR UPDATE SKIP LOCKED",
            (stale_after, list(portal_ids) if portal_ids is not None else None,
             list(portal_ids) if portal_ids is not None else None, keep_run_id),
        )
        closed = []
        for row in cur.fetchall():
            if row["owner_host"] == host and row["owner_pid"] and _process_is_gone(row["owner_pid"],
                                                                                   row["owner_started"]):
                reason = (f"closed as failed: the process running it (pid {row['owner_pid']} on {host}) "
                          "died without finishing the run")
            elif row["stale"]:
                reason = (f"closed as failed: no progress since {row['heartbeat_at']:%Y-%m-%d %H:%M %z} "
                          f"(longer than a run may take, {stale_after}); its task died or was killed")
            else:
                continue
            cur.execute("UPDATE crawl_runs SET status = 'failed', finished_at = now(), message = %s,"
                        " owner_host = NULL, owner_pid = NULL, owner_started = NULL WHERE id = %s",
                        (reason, row["id"]))
            log.warning("crawl_runs %s of %s %s", row["id"], row["portal"], reason)
            closed.append({"id": row["id"], "portal": row["portal"], "message": reason})
    return closed


def fail_open_run(db_url: str, portal_id: str, airflow_run_id: str, message: str) -> int:
    """A task of the Airflow run failed for good: close the run's row if it is still open."""
    with transaction(db_url) as cur:
        cur.execute("UPDATE crawl_runs SET status = 'failed', finished_at = now(), message = %s,"
                    " owner_host = NULL, owner_pid = NULL, owner_started = NULL"
                    " WHERE portal = %s AND airflow_run_id = %s AND status = 'running'",
                    (message, portal_id, airflow_run_id))
        return cur.rowcount
