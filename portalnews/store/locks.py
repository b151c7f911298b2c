"""One crawl per portal at a time: a PostgreSQL session advisory lock held for the crawl's length.

The lock belongs to a database session, so it is released the moment the holder's process dies
(killed, OOM): a crashed run never blocks the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from portalnews.store.db import connect

LOCK_SPACE = "portalnews-crawl"  # first key of the two-key advisory lock; the portal id is the second


class PortalBusy(RuntimeError):
    """Another run of the same portal is crawling right now."""


@contextmanager
def portal_lock(db_url: str, portal_id: str) -> Iterator[None]:
    """Hold the portal's crawl lock, or raise PortalBusy naming who holds it."""
    conn = connect(db_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(hashtext(%s), hashtext(%s))", (LOCK_SPACE, portal_id))
            if not cur.fetchone()[0]:
                cur.execute(
                    "SELECT a.client_addr, a.client_port, a.pid, a.backend_start FROM pg_locks l"
                    " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
                    " AND l.classid::int = hashtext(%s) AND l.objid::int = hashtext(%s) AND l.objsubid = 2",
                    (LOCK_SPACE, portal_id),
                )
                holder = cur.fetchone()
                since = f", holding it since {holder[3]:%Y-%m-%d %H:%M:%S %Z}" if holder else ""
                raise PortalBusy(f"another run of {portal_id} is crawling{since}; this run stops "
                                 "(one crawl per portal at a time)")
        yield
    finally:
        conn.close()  # closing the session releases the lock
