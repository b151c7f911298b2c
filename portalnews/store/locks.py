"""One crawl per portal at a time: a PostgreSQL session advisory lock held for the crawl's length.

The lock belongs to a database session, so it is released the moment the holder's process dies
(killed, OOM): a crashed run never blocks the next one. A database restart ends the session too: a
watchdog thread notices within seconds, takes the lock again on the new server, and if another run
took it first, says the lock is lost so the caller stops its crawl (two crawls never overlap).
Only the pipeline's roles may call the advisory-lock functions (migration 0010).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg2

from portalnews.store.db import connect, connect_once

log = logging.getLogger(__name__)

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


def _take(conn, portal_id: str) -> None:
    """Take the portal's lock on `conn`, or raise PortalBusy naming who holds it."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext(%s), hashtext(%s))", (LOCK_SPACE, portal_id))
        if cur.fetchone()[0]:
            return
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


def _session(db_url: str, timeout: int | None = None):
    conn = connect_once(db_url, connect_timeout=timeout) if timeout else connect(db_url)
    conn.autocommit = True
    return conn


class HeldLock:
    """A portal's lock while it is held: `lost` is set (and the callbacks run, once) when a database
    restart ended the session and another run took the lock before this one could take it back."""

    def __init__(self, db_url: str, portal_id: str, conn, check_every: float):
        self.db_url, self.portal_id, self.conn, self.check_every = db_url, portal_id, conn, check_every
        self.lost = threading.Event()
        self.retaken = 0  # times the lock was taken again after a restart
        self._callbacks: list[Callable[[], None]] = []
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._watchdog = threading.Thread(target=self._watch, name=f"lock-{portal_id}", daemon=True)

    def when_lost(self, callback: Callable[[], None]) -> None:
        with self._guard:
            self._callbacks.append(callback)
            lost = self.lost.is_set()
        if lost:
            callback()

    def _alive(self) -> bool:
        try:
            with self.conn.cursor() as cur:
                cur.execute("SELECT 1")
            return True
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            return False

    def _watch(self) -> None:
        while not self._stop.wait(self.check_every):
            if self._alive():
                continue
            self.conn.close()
            log.warning("the session holding %s's crawl lock ended (database restart?): taking it again",
                        self.portal_id)
            while not self._stop.is_set():
                try:
                    conn = _session(self.db_url, timeout=max(1, int(self.check_every)))
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    self._stop.wait(self.check_every)  # still down: nobody else can take it meanwhile
                    continue
                try:
                    _take(conn, self.portal_id)
                except PortalBusy as busy:
                    conn.close()
                    log.error("%s's crawl lock was lost in a database restart: %s; this crawl stops",
                              self.portal_id, busy.holder())
                    self._lose()
                    return
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    conn.close()
                    continue
                self.conn, self.retaken = conn, self.retaken + 1
                log.warning("%s's crawl lock taken again after the database restarted", self.portal_id)
                break

    def _lose(self) -> None:
        with self._guard:
            self.lost.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def release(self) -> None:
        self._stop.set()
        if self._watchdog.is_alive():
            self._watchdog.join()
        self.conn.close()  # closing the session releases the lock


@contextmanager
def portal_lock(db_url: str, portal_id: str, check_every: float = 2.0) -> Iterator[HeldLock]:
    """Hold the portal's crawl lock (kept across database restarts, see HeldLock), or raise PortalBusy
    naming who holds it."""
    conn = _session(db_url)
    try:
        _take(conn, portal_id)
    except BaseException:
        conn.close()
        raise
    held = HeldLock(db_url, portal_id, conn, check_every)
    held._watchdog.start()
    try:
        yield held
    finally:
        held.release()


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
                raise PortalStillBusy(
                    f"{busy.holder()}; still so after waiting {waited:.0f} s "
                    f"(limit {limit_seconds:.0f} s): this try stops without crawling"
                ) from None
            log(f"waiting for the running crawl of {portal_id} to finish ({busy.holder()}); "
                f"waited {waited:.0f} s of at most {limit_seconds:.0f} s")
            time.sleep(min(poll_seconds, max(0.1, limit_seconds - waited)))
