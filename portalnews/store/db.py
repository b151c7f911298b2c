"""Database access: the connection URL, connections with retries, and schema migrations."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import psycopg2.extras
from tenacity import before_sleep_log, retry, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# A dropped connection or a server restart is worth retrying; a SQL error is not.
retry_on_disconnect = retry(
    retry=retry_if_exception_type((psycopg2.OperationalError, psycopg2.InterfaceError)),
    wait=wait_exponential(multiplier=0.5, max=10),
    stop=stop_after_attempt(5),
    before_sleep=before_sleep_log(log, logging.WARNING),
    reraise=True,
)


def database_url() -> str:
    """DATABASE_URL if set, else the embedded server's URL (started on demand)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from portalnews.store import embedded as embedded_db

    server = embedded_db.start()
    embedded_db.ensure_database(server, "portalnews")
    return server.url("portalnews")


def connect_once(url: str):
    """One connection attempt (for callers that retry a larger unit of work themselves)."""
    conn = psycopg2.connect(url, application_name="portalnews")
    conn.set_client_encoding("UTF8")
    return conn


connect = retry_on_disconnect(connect_once)


@contextmanager
def transaction(url: str) -> Iterator[psycopg2.extensions.cursor]:
    """A cursor inside one transaction: committed on success, rolled back on error."""
    conn = connect(url)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            yield cur
    finally:
        conn.close()


def migrate(url: str) -> list[str]:
    """Apply pending migrations in name order; return the names applied.

    A transaction-scoped advisory lock makes concurrent callers (several DAG tasks starting
    at once) wait for each other instead of racing.
    """
    applied: list[str] = []
    with transaction(url) as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('portalnews-migrate'))")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cur.execute("SELECT name FROM schema_migrations")
        done = {row["name"] for row in cur.fetchall()}
        for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
            if path.name in done:
                continue
            log.info("applying migration %s", path.name)
            cur.execute(path.read_text(encoding="utf-8"))
            cur.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (path.name,))
            applied.append(path.name)
    return applied


def prepare(url: str, portals) -> None:
    """Schema up to date and the given registry portals known to the database (idempotent)."""
    migrate(url)
    with transaction(url) as cur:
        for p in portals:
            cur.execute(
                "INSERT INTO portals (id, name, base_url) VALUES (%s, %s, %s)"
                " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, base_url = EXCLUDED.base_url,"
                " updated_at = now()",
                (p.id, p.name, p.base_url),
            )
