"""One crawl per portal at a time: a PostgreSQL session advisory lock held for the crawl's length.

The lock belongs to a database session, so it is released the moment the holder's process dies
(killed, OOM): a crashed run never blocks the next one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from portalnews.store.db import connect

LOCK_SPACE = "portalnews-crawl"  # first key of the two-key advisory lock; the portal id is the second


class PortalBusy(RuntimeError):
    """Another run of the same portal is crawling right now."""

    def __init__(self, portal_id: str, since: str = ""):
        super().__init__(portal_id, since)
        self.portal_id, self.since = portal_id, since

    def holder(self) -> str:
        return f"another run of {self.portal_id} is crawling{self.since}"

    def __str__(self) -> str:
        return f"{self.holder()}; this run stops (one crawl per portal at a time)"


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
                # Another login's session details are hidden from a non-superuser: no "since" then.
                since = f", holding it since {holder[3]:%Y-%m-%d %H:%M:%S %Z}" if holder and holder[3] else ""
                raise PortalBusy(portal_id, since)
        yield
    finally:
        conn.close()  # closing the session releases the lock


class PortalStillBusy(RuntimeError):
    """The portal's lock was still held when the caller's wait ran out."""


def wait_for_portal(db_url: str, portal_id: str, limit_seconds: float, poll_seconds: float = 5.0,
                    log: Callable[[str], None] = print) -> float:
    """Wait until no crawl of the portal holds its lock, logging each check; return the seconds waited.
    Raise PortalStillBusy after `limit_seconds`. (The caller's crawl then takes the lock itself.)"""
    started = time.monotonic()
    while True:
        try:
            with portal_lock(db_url, portal_id):
                waited = time.monotonic() - started
                if waited >= poll_seconds:
                    log(f"{portal_id} is free after waiting {waited:.0f} s: crawling now")
                return waited
        except PortalBusy as busy:
            waited = time.monotonic() - started
            if waited >= limit_seconds:
                raise PortalStillBusy(f"{busy.holder()}; still so after waiting {waited:.0f} s "
                                      f"(limit {limit_seconds:.0f} s): this try stops without crawling") from None
            log(f"waiting for the running crawl of {portal_id} to finish ({busy.holder()}); "
                f"waited {waited:.0f} s of at most {limit_seconds:.0f} s")
            time.sleep(min(poll_seconds, max(0.1, limit_seconds - waited)))
