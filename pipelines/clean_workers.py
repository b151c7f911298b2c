"""The clean stage's worker processes: cleaning one page, bounded in size and time, so that a huge or
pathological page becomes a cleaning error in seconds instead of holding the clean stage for minutes
(a 9 MB page took 389 s unbounded).

The extractor runs in a worker process (started once, reused for every page); a page that takes longer
than the time limit gets the worker killed and replaced, and is recorded as an error like any page
that does not clean. Limits: PORTALNEWS_CLEAN_MAX_BYTES (default 3 MB of HTML) and
PORTALNEWS_CLEAN_TIMEOUT (default 30 s).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

from portalnews.config import clean_limits
from portalnews.extraction import ExtractionError, extract_article
from portalnews.processes import die_with_parent

log = logging.getLogger(__name__)

# Starting an interpreter and importing the extractor takes about a second; far longer on a busy machine.
WORKER_START_LIMIT = 300


class CleaningError(Exception):
    """A page the clean stage stopped before the extractor finished (a bound it hit)."""


class PageTooLarge(CleaningError):
    """More HTML than any article page has: not cleaned."""


class CleaningTimeout(CleaningError):
    """The extractor did not finish within the time limit: stopped."""


def _serve(conn) -> None:
    """The worker: clean pages sent over `conn` until it closes (the caller ended or died).

    It first says it is ready, once its imports are done: a page's time limit counts cleaning only,
    not an interpreter starting on a loaded machine."""
    conn.send(("ready", None))
    while True:
        try:
            html, url, hints = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", extract_article(html, url, hints=hints)))
        except ExtractionError as err:
            conn.send(("extraction", str(err)))
        except Exception as err:  # reported to the caller as the crash it is
            conn.send(("crash", f"{type(err).__name__}: {err}"))


class _Worker:
    """A worker interpreter of its own (`python -m portalnews.pipelines.clean_workers FD FD`).

    Not multiprocessing: a fork of a threaded caller (Airflow, the clean-while-crawling thread) can copy
    a lock another thread holds and hang, and its fork server and spawn re-import the caller's __main__
    (the `airflow` script, a Celery worker), which fails outside their own process. A fresh interpreter
    with two inherited pipes has neither problem; it dies with its parent (PR_SET_PDEATHSIG).
    """

    def __init__(self):
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portalnews.pipelines.clean_workers",
             str(to_worker_r), str(from_worker_w)],
            pass_fds=(to_worker_r, from_worker_w), preexec_fn=die_with_parent, stdin=subprocess.DEVNULL)
        os.close(to_worker_r)
        os.close(from_worker_w)
        self.send_end = Connection(to_worker_w, readable=False)
        self.receive_end = Connection(from_worker_r, writable=False)

    def wait_until_ready(self) -> _Worker:
        """Wait for the worker's imports (separate from starting it, so several start at once)."""
        try:
            ready = self.receive_end.poll(WORKER_START_LIMIT) and self.receive_end.recv() == ("ready", None)
        except (EOFError, OSError):  # it died while starting
            ready = False
        if not ready:
            self.kill()
            raise RuntimeError(f"the cleaning worker did not start within {WORKER_START_LIMIT} s")
        return self

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.send_end.close()
        self.receive_end.close()


class BoundedCleaner:
    """One cleaning worker process, restarted when a page kills it or runs over the time limit."""

    def __init__(self):
        self._lock = threading.Lock()
        self._worker: _Worker | None = None

    def _start(self, wait: bool = True) -> _Worker:
        """Start the worker process; with `wait` False the caller calls its wait_until_ready."""
        self._worker = _Worker()
        return self._worker.wait_until_ready() if wait else self._worker

    def _stop(self) -> None:
        if self._worker is not None:
            self._worker.kill()
        self._worker = None

    def clean(self, html: bytes, url: str, hints: dict | None = None):
        max_bytes, timeout = clean_limits()
        if len(html) > max_bytes:
            raise PageTooLarge(f"{len(html)} bytes of HTML, over the cleaning limit of {max_bytes}")
        with self._lock:
            worker = self._worker
            if worker is None or not worker.is_alive():
                worker = self._start()
            try:
                worker.send_end.send((html, url, hints))
                if not worker.receive_end.poll(timeout):
                    self._stop()
                    raise CleaningTimeout(f"cleaning took over {timeout:g} s; stopped")
                kind, value = worker.receive_end.recv()
            except (EOFError, OSError) as err:  # the worker died (out of memory, killed)
                self._stop()
                raise RuntimeError(f"the cleaning worker died: {err}") from err
        if kind == "ok":
            return value
        if kind == "extraction":
            raise ExtractionError(value)
        raise RuntimeError(value)


cleaner = BoundedCleaner()


class _Duplex:
    """The worker's two pipe ends as one connection for `_serve`."""

    def __init__(self, receive_end: Connection, send_end: Connection):
        self.recv, self.send = receive_end.recv, send_end.send


if __name__ == "__main__":
    # Ctrl-C reaches the whole process group: the caller decides, and closing the pipe ends this worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _serve(
        _Duplex(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
    )
