"""Running a stage alongside the one feeding it: the clean stage while the crawl stores pages, the load
stage while the clean stage stores extractions. Each waits on something different (the network, the
cleaning processes, the database), so overlapping them keeps both cores busy."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Protocol, TypeVar

from portalnews.store.db import keeping_connections


class Stats(Protocol):
    def add(self, other) -> None: ...


S = TypeVar("S", bound=Stats)
GIL_SWITCH_INTERVAL = 0.0005  # seconds


@contextmanager
def repeated_alongside(name: str, one_pass: Callable[[], S], did_work: Callable[[S], bool], total: S,
                       idle_wait: float = 0.5) -> Iterator[Future]:
    """Run `one_pass` over and over in a thread while the block runs, then once more after it (the last
    pass sees everything the block stored); the passes reuse their database connections
    (`keeping_connections`). The future holds `total`, every pass's stats added, or the exception that
    stopped the passes, once the block has ended."""
    finished = threading.Event()
    result: Future = Future()

    def keep_going() -> None:
        try:
            with keeping_connections():
                while True:
                    last_pass = finished.is_set()  # read first: the last pass sees every row stored
                    done = one_pass()
                    total.add(done)
                    if last_pass:
                        break
                    if not did_work(done):
                        finished.wait(idle_wait)
            result.set_result(total)
        except BaseException as err:  # handed to the caller through the future
            result.set_exception(err)

    worker = threading.Thread(target=keep_going, name=name, daemon=True)
    # A thread waking from I/O (one handing the next page to a cleaning process) waits for the GIL until
    # the thread holding it (the load stage hashing) is asked to let go: 5 ms by default, several times
    # a page, a core idle meanwhile. 0.5 ms keeps the hand-overs prompt.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, GIL_SWITCH_INTERVAL))
    worker.start()
    try:
        yield result
    finally:
        finished.set()
        worker.join()
        sys.setswitchinterval(switch_interval)
