"""Database access: the connection URL and connections with retries."""

from __future__ import annotations

import logging
import select
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extras
from tenacity import before_sleep_log, retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from portalnews import config

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
    url = config.external_database_url()
    if url:
        return url
    from portalnews.store import embedded_roles

    return embedded_roles.pipeline_url(_embedded_server())


def analyst_database_url() -> str:
    """The URL analysts' commands (search, export) read with: DATABASE_URL if set, else the embedded
    server's read-only `analyst` login."""
    url = config.external_database_url()
    if url:
        return url
    from portalnews.store import embedded_roles

    return embedded_roles.analyst_login_url(_embedded_server())


def admin_database_url() -> str:
    """The URL migrations run with: DATABASE_URL if set, else the embedded server's superuser."""
    url = config.external_database_url()
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


_kept = threading.local()  # the connections `keeping_connections` keeps, per thread


@contextmanager
def keeping_connections() -> Iterator[None]:
    """While the block runs, `connection(url)` and `transaction(url)` on this thread reuse one connection
    per URL, closed when the block ends: a loop of short passes (cleaning and loading alongside a
    crawl) logs in once instead of once a pass (5 ms of CPU with scram-sha-256, client and server)."""
    if getattr(_kept, "connections", None) is not None:
        yield  # already keeping (nested)
        return
    _kept.connections = {}
    try:
        yield
    finally:
        for conn in _kept.connections.values():
            conn.close()
        _kept.connections = None


@contextmanager
def connection(url: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection to `url` for the block: this thread's kept one inside `keeping_connections()`, else a
    new one closed after it. A kept connection that was lost is replaced on the next use."""
    kept = getattr(_kept, "connections", None)
    if kept is None:
        conn = connect(url)
        try:
            yield conn
        finally:
            conn.close()
        return
    conn = kept.get(url)
    if conn is not None and not conn.closed and select.select([conn], [], [], 0)[0]:
        # Between transactions the server has nothing to say: input waiting means it ended the session
        # (restart, pg_terminate_backend) and the next query would fail.
        conn.close()
    if conn is None or conn.closed:
        conn = kept[url] = connect(url)
    try:
        yield conn
    except (psycopg2.OperationalError, psycopg2.InterfaceError):
        conn.close()  # possibly half-broken: the next use connects afresh
        raise


@contextmanager
def transaction(url: str) -> Iterator[psycopg2.extensions.cursor]:
    """A cursor inside one transaction: committed on success, rolled back on error."""
    with connection(url) as conn, conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        yield cur
