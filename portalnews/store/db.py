"""Database access: the connection URL and connections with retries."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extras
from tenacity import before_sleep_log, retry, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

# A dropped connection or a server restart is worth retrying; a SQL error is not.
retry_on_disconnect = retry(
    retry=retry_if_exception_type((psycopg2.OperationalError, psycopg2.InterfaceError)),
    wait=wait_exponential(multiplier=0.5, max=10),
    stop=stop_after_attempt(5),
    before_sleep=before_sleep_log(log, logging.WARNING),
    reraise=True,
)


def database_url() -> str:
    """The URL the pipeline connects with: DATABASE_URL if set, else the embedded server's (started on
    demand) as `portalnews_crawler`, a member of portalnews_pipeline and no superuser."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from portalnews.store import embedded_roles

    return embedded_roles.pipeline_url(_embedded_server())


def admin_database_url() -> str:
    """The URL migrations run with: DATABASE_URL if set, else the embedded server's superuser."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return _embedded_server().url("portalnews")


def _embedded_server():
    from portalnews.store import embedded as embedded_db

    server = embedded_db.start()
    embedded_db.ensure_database(server, "portalnews")
    return server


def connect_once(url: str, **options):
    """One connection attempt (for callers that retry a larger unit of work themselves)."""
    conn = psycopg2.connect(url, application_name="portalnews", **options)
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
